"""Reading the ledger: the disputes and checks a person may see, the villages they keep,
and which days a village has not filed its check (日摸排 flagged when missing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from portal.auth import policy
from portal.auth.models import Role
from portal.disputes.models import OPEN_STATUSES, DailyCheck, Dispute, DisputeStatus
from portal.errors import NotFound
from portal.extensions import db
from portal.lifecycle import check
from portal.organizations.models import Organization
from portal.timeutil import local_today
from portal.villages.queries import clerk_villages

STAFF_ROLES = (Role.GRID_WORKER, Role.GOVERNANCE_CENTER)
LIMIT = 200


def lookback_days() -> int:
    """How many days before today a missing check is flagged (DISPUTE_CHECK_LOOKBACK_DAYS)."""
    return max(1, int(current_app.config.get("DISPUTE_CHECK_LOOKBACK_DAYS", 7)))


def villages_of(actor, roles=STAFF_ROLES) -> list[Organization]:
    """Active villages under the actor's grants of `roles`, in tree order."""
    return clerk_villages(actor, roles=roles)


def get_dispute(dispute_id: int) -> Dispute:
    dispute = db.session.get(Dispute, dispute_id)
    if dispute is None:
        raise NotFound("找不到该矛盾纠纷。")
    return dispute


def get_for_staff(actor, dispute_id: int) -> Dispute:
    """A dispute the actor may see. Raises NotFound, PermissionDenied."""
    dispute = get_dispute(dispute_id)
    policy.require(actor, "view", dispute, audit_action="dispute.view")
    return dispute


def get_for(actor, dispute_id: int, action: str) -> Dispute:
    """A dispute on which the actor may take `action` now."""
    dispute = get_dispute(dispute_id)
    check(actor, dispute, action)
    return dispute


@dataclass
class Ledger:
    """The ledger as staff read it: every open dispute, and those closed in `year`."""

    open: list[Dispute]
    closed: list[Dispute]
    year: int
    years: list[int]  # years with a dispute closed, newest first


def ledger(actor, year: int | None) -> Ledger:
    """Open disputes of the actor's villages (oldest first, so the longest-running lead)
    and those closed (化解 or 上交) in `year`, default this year, newest first."""
    visible = policy.visible(actor, Dispute)
    year = year or local_today().year
    opened = db.session.scalars(select(Dispute).where(
        visible, Dispute.status.in_(OPEN_STATUSES))
        .order_by(Dispute.reported_on, Dispute.id))
    closed = db.session.scalars(select(Dispute).where(
        visible, Dispute.status.not_in(OPEN_STATUSES),
        Dispute.resolved_on >= date(year, 1, 1), Dispute.resolved_on <= date(year, 12, 31))
        .order_by(Dispute.resolved_on.desc(), Dispute.id.desc()))
    closed_years = {d.year for d in db.session.scalars(select(Dispute.resolved_on).where(
        visible, Dispute.resolved_on.is_not(None)).distinct())}
    return Ledger(list(opened), list(closed), year,
                  sorted(closed_years | {local_today().year}, reverse=True))


def open_in(village_ids: list[int], limit: int = LIMIT) -> list[Dispute]:
    if not village_ids:
        return []
    return list(db.session.scalars(
        select(Dispute).where(Dispute.village_id.in_(village_ids),
                              Dispute.status.in_(OPEN_STATUSES))
        .order_by(Dispute.reported_on, Dispute.id).limit(limit)))


def checks_between(village_ids: list[int], start: date, end: date) -> dict:
    """{(village id, day): DailyCheck} for the days start..end (inclusive)."""
    if not village_ids:
        return {}
    rows = db.session.scalars(select(DailyCheck).where(
        DailyCheck.village_id.in_(village_ids), DailyCheck.check_date >= start,
        DailyCheck.check_date <= end))
    return {(c.village_id, c.check_date): c for c in rows}


def first_checks(village_ids: list[int]) -> dict[int, date]:
    """The day each village's ledger starts: its first filed check."""
    if not village_ids:
        return {}
    return dict(db.session.execute(
        select(DailyCheck.village_id, func.min(DailyCheck.check_date))
        .where(DailyCheck.village_id.in_(village_ids)).group_by(DailyCheck.village_id)).all())


@dataclass(frozen=True)
class Gap:
    village: Organization
    day: date


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def missing_checks(villages: list[Organization], start: date, end: date) -> list[Gap]:
    """Days start..end (never after yesterday) on which a village on the ledger filed no
    check. A village is on the ledger from its first filed check (`never_filed` lists the
    others); from then on it is expected to file every day, a nil report included."""
    end = min(end, local_today() - timedelta(days=1))
    if end < start or not villages:
        return []
    ids = [v.id for v in villages]
    filed, first = checks_between(ids, start, end), first_checks(ids)
    gaps = []
    for village in villages:
        if village.id not in first:
            continue
        gaps += [Gap(village, day) for day in days(max(start, first[village.id]), end)
                 if (village.id, day) not in filed]
    return gaps


def never_filed(villages: list[Organization]) -> list[Organization]:
    first = first_checks([v.id for v in villages])
    return [v for v in villages if v.id not in first]


def unfiled_today(villages: list[Organization]) -> list[Organization]:
    today = local_today()
    filed = checks_between([v.id for v in villages], today, today)
    return [v for v in villages if (v.id, today) not in filed]


def recent_grid(villages: list[Organization], today: date | None = None):
    """For the ledger page: each village with its check (or None) on each of the last
    days, oldest first."""
    today = today or local_today()
    span = days(today - timedelta(days=lookback_days()), today)
    filed = checks_between([v.id for v in villages], span[0], span[-1])
    return span, [(v, [filed.get((v.id, d)) for d in span]) for v in villages]


def status_counts(village_ids: list[int]) -> dict[DisputeStatus, int]:
    if not village_ids:
        return {}
    return {DisputeStatus(s): n for s, n in db.session.execute(
        select(Dispute.status, func.count()).where(Dispute.village_id.in_(village_ids))
        .group_by(Dispute.status))}
