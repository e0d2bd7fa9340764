"""The inspector's figures for one year and one subtree of organizations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.auth.models import Role
from portal.disclosures.models import Disclosure
from portal.disclosures.models import Status as DisclosureStatus
from portal.extensions import db
from portal.inquiries import clocks
from portal.inquiries.models import Inquiry, InquiryType
from portal.inspection.stats import Record, Timeliness, overall, tabulate
from portal.organizations.models import Organization, OrgKind
from portal.timeutil import LOCAL_TZ, to_local, utcnow
from portal.workdays.calendar import working_days_between

INSPECT_ROLES = (Role.INSPECTOR, Role.ADMIN)
GROUPINGS = {"organization": "按单位", "handler": "按承办人", "type": "按类型",
             "month": "按月份"}


def scope_paths(actor) -> list[str]:
    return [g.organization.path for g in getattr(actor, "grants", [])
            if g.role in INSPECT_ROLES]


def in_scope(column, paths: list[str]):
    """`column` (an organization id) lies under one of the paths."""
    return column.in_(select(Organization.id).where(
        or_(*[Organization.path.startswith(p) for p in paths])))


def year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=LOCAL_TZ), datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)


def inquiries_for(paths: list[str], year: int, **filters) -> list[Inquiry]:
    """Work orders received in the year under the paths, with optional drill-down
    filters: organization_id, handler_id, type, month ("2026-03")."""
    if not paths:
        return []
    start, end = year_bounds(year)
    stmt = (select(Inquiry).where(in_scope(Inquiry.organization_id, paths),
                                  Inquiry.received_at >= start, Inquiry.received_at < end)
            .options(selectinload(Inquiry.handler)).order_by(Inquiry.received_at))
    if filters.get("organization_id"):
        stmt = stmt.where(Inquiry.organization_id == filters["organization_id"])
    if filters.get("handler_id"):
        stmt = stmt.where(Inquiry.handler_id == filters["handler_id"])
    if filters.get("type"):
        stmt = stmt.where(Inquiry.type == filters["type"])
    items = list(db.session.scalars(stmt))
    if filters.get("month"):
        items = [i for i in items if _month(i) == filters["month"]]
    return items


def _month(inquiry: Inquiry) -> str:
    return to_local(inquiry.received_at).strftime("%Y-%m")


def to_record(inquiry: Inquiry, now: datetime) -> Record:
    sign_hours = ((inquiry.signed_at - inquiry.received_at).total_seconds() / 3600
                  if inquiry.signed_at else None)
    reply_days = None
    if inquiry.replied_at:
        reply_days = float(max(0, working_days_between(
            clocks.local_day(inquiry.received_at), clocks.local_day(inquiry.replied_at))))
    handler = inquiry.handler
    return Record(
        group_keys={"organization": (inquiry.organization.path, inquiry.organization.full_name),
                    "handler": (handler.display_name, handler.id) if handler else ("未签收", 0),
                    "type": inquiry.type.label, "month": _month(inquiry)},
        signed=inquiry.signed_at is not None, signed_on_time=inquiry.signed_on_time,
        replied=inquiry.replied_at is not None, replied_on_time=inquiry.replied_on_time,
        sign_hours=sign_hours, reply_days=reply_days,
        overdue=clocks.is_overdue(inquiry, now), due_soon=clocks.is_due_soon(inquiry, now))


LABELS = {
    "organization": lambda key: key[1],
    "handler": lambda key: key[0],
    "type": str,
    "month": str,
}


@dataclass
class Dashboard:
    year: int
    total: Timeliness
    tables: dict[str, list[Timeliness]]
    keys: dict[str, dict[str, object]]  # label → filter value, for drill-down links


def timeliness(paths: list[str], year: int) -> Dashboard:
    now = utcnow()
    inquiries = inquiries_for(paths, year)
    records = [to_record(i, now) for i in inquiries]
    tables = {name: tabulate(records, name, LABELS[name]) for name in GROUPINGS}
    keys = {
        "organization": {i.organization.full_name: i.organization_id for i in inquiries},
        "handler": {(i.handler.display_name if i.handler else "未签收"): i.handler_id or 0
                    for i in inquiries},
        "type": {t.label: t.value for t in InquiryType},
        "month": {_month(i): _month(i) for i in inquiries},
    }
    return Dashboard(year, overall(records), tables, keys)


def late_disclosures(paths: list[str], year: int) -> list[Disclosure]:
    """Disclosures due in the year that went up after their 20-working-day deadline, or
    that are still unpublished past it."""
    if not paths:
        return []
    start, end = year_bounds(year)
    stmt = select(Disclosure).where(
        in_scope(Disclosure.organization_id, paths),
        Disclosure.publish_due >= start.date(), Disclosure.publish_due < end.date(),
        Disclosure.status != DisclosureStatus.WITHDRAWN)
    return sorted((d for d in db.session.scalars(stmt) if d.is_late),
                  key=lambda d: -d.days_late)


def villages_for(paths: list[str]) -> list[Organization]:
    if not paths:
        return []
    return list(db.session.scalars(select(Organization).where(
        Organization.kind == OrgKind.VILLAGE,
        or_(*[Organization.path.startswith(p) for p in paths])).order_by(Organization.path)))
