"""The inspector's figures for one year and one subtree of organizations."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy import or_, select
from sqlalchemy.orm import load_only, selectinload

from portal.auth import policy
from portal.auth.models import Role, User
from portal.disclosures.models import Disclosure, Mode
from portal.extensions import db
from portal.inquiries.models import Inquiry, InquiryType
from portal.inspection import aggregates, figures, open_counts, snapshot, totals
from portal.inspection.stats import Figures, Timeliness
from portal.organizations.models import Organization, OrgKind
from portal.timeutil import LOCAL_TZ, local_today, to_local, year_bounds

INSPECT_ROLES = (Role.INSPECTOR, Role.ADMIN)
GROUPINGS = {"organization": "按单位", "handler": "按承办人", "type": "按类型",
             "month": "按月份"}


def scope_paths(actor) -> list[str]:
    return sorted(policy.Actor.of(actor).paths(INSPECT_ROLES))


def supervising_paths(actor) -> tuple[str, ...]:
    """Where the actor may 督办 (the inspector's role, not the administrator's)."""
    return tuple(sorted(policy.Actor.of(actor).paths((Role.INSPECTOR,))))


def in_scope(column, paths: list[str]):
    """`column` (an organization id) lies under one of the paths."""
    return column.in_(select(Organization.id).where(
        or_(*[Organization.path.startswith(p) for p in paths])))


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
    if filters.get("month"):
        month_start, month_end = month_bounds(filters["month"])
        stmt = stmt.where(Inquiry.received_at >= month_start, Inquiry.received_at < month_end)
    return list(db.session.scalars(stmt))


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """Beijing-time bounds of "YYYY-MM"; a malformed month matches nothing."""
    try:
        first = datetime.strptime(month, "%Y-%m").replace(tzinfo=LOCAL_TZ)
    except ValueError:
        first = datetime(2000, 1, 1, tzinfo=LOCAL_TZ)
        return first, first
    following = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    return first, following


@dataclass(frozen=True)
class Dashboard:
    year: int
    total: Figures
    tables: dict[str, list[Figures]]
    keys: dict[str, dict[str, object]]  # label → filter value, for drill-down links


def timeliness(paths: list[str], year: int) -> Dashboard:
    """On-time rates, counts, medians and 90th percentiles for the work orders received in
    the year under the paths: overall and by organization, handler, type and month.

    Served from this process's snapshot (`portal.inspection.snapshot`) while the work-order
    version is unchanged and time alone cannot have changed a figure: counts, rates,
    medians and percentiles change only with the database; how many orders are overdue or
    due soon right now changes at the instants `aggregates.clock_valid_until` finds (the
    end of the Beijing day, the next 舆情 deadline), found with the figures."""
    return snapshot.cached((tuple(sorted(set(paths))), year),
                           lambda now: figures_until(paths, year, now))


def figures_until(paths: list[str], year: int, now: datetime) -> tuple[Dashboard, datetime]:
    """The figures as of `now` and the first instant at which time alone could change
    one of them."""
    board, valid_until = compute(paths, year, now)
    return board, min(valid_until, aggregates.clock_valid_until(now))


def with_clock_counts(board: Dashboard, paths: list[str], year: int,
                      now: datetime) -> Dashboard:
    """`board` with every row's overdue and due-soon counts as of `now`, read from the
    counts per deadline kept on write (`portal.inspection.open_counts`)."""
    live: list[tuple] = []
    if paths:
        live = open_counts.clock_counts(lambda column: in_scope(column, paths), year, now)

    # (overdue, due soon) summed per value of each key, in one pass over the groups
    sums: list[dict] = [{}, {}, {}, {}]
    overall = [0, 0]
    for row in live:
        overall[0] += row[4]
        overall[1] += row[5]
        for position in range(4):
            pair = sums[position].setdefault(row[position], [0, 0])
            pair[0] += row[4]
            pair[1] += row[5]

    def counted(fig: Figures, pair) -> Figures:
        overdue, due_soon = pair or (0, 0)
        return replace(fig, overdue=overdue, due_soon=due_soon)

    tables = {name: [counted(fig, sums[position].get(board.keys[name].get(fig.label)))
                     for fig in board.tables[name]]
              for position, name in enumerate(("organization", "handler", "type", "month"))}
    return Dashboard(board.year, counted(board.total, overall), tables, board.keys)


def kept_clock_counts(paths: list[str], year: int, now: datetime) -> list[tuple]:
    """(organization, handler or 0, type, month, overdue, due soon), sorted, for the groups
    with any, read from the counts kept on write."""
    return sorted(open_counts.clock_counts(lambda column: in_scope(column, paths), year, now))


def live_clock_counts(paths: list[str], year: int, now: datetime) -> list[tuple]:
    """The same, judged afresh from every clocked work order."""
    start, end = year_bounds(year)
    rows = aggregates.clock_counts([in_scope(Inquiry.organization_id, paths),
                                    Inquiry.received_at >= start,
                                    Inquiry.received_at < end], now)
    return sorted(row for row in rows if row[4] or row[5])


def compute(paths: list[str], year: int, now: datetime) -> tuple[Dashboard, datetime]:
    """The figures as of `now`, and the first instant at which time alone could change
    them: read from the totals kept on write (`portal.inspection.totals`) once they are
    built, otherwise computed afresh (`reference`)."""
    if not figures.is_built(db.session.connection()):
        return reference(paths, year, now)
    tables: dict = {name: {} for name in totals.DIMENSIONS}
    overall = None
    if paths:
        tables, overall = totals.groups(lambda column: in_scope(column, paths), year)
    organizations = _by_id(Organization, set(tables["organization"]),
                           selectinload(Organization.parent))
    handlers = _by_id(User, set(tables["handler"]) - {0})
    org_name = {i: o.full_name for i, o in organizations.items()}
    handler_name = {i: u.display_name for i, u in handlers.items()} | {0: "未签收"}
    labels = _labels(org_name, handler_name)
    board_tables = {name: sorted((group.figures(labels[name](value))
                                  for value, group in tables[name].items()),
                                 key=lambda row: row.label)
                    for name in totals.DIMENSIONS}
    total = overall.figures("合计") if overall is not None and overall.counts[0] else None
    keys = _keys(org_name, handler_name, tables["organization"], tables["handler"],
                 tables["month"])
    board = Dashboard(year, total or Figures.of(Timeliness(label="合计")), board_tables, keys)
    return with_clock_counts(board, paths, year, now), next_local_midnight(now)


def _labels(org_name: dict, handler_name: dict) -> dict:
    return {"organization": org_name.__getitem__, "handler": handler_name.__getitem__,
            "type": lambda value: InquiryType(value).label, "month": str}


def _keys(org_name: dict, handler_name: dict, org_ids, handler_ids, months) -> dict:
    return {
        "organization": {org_name[key]: key for key in org_ids},
        "handler": {handler_name[key]: key for key in handler_ids},
        "type": {t.label: t.value for t in InquiryType},
        "month": {key: key for key in months},
    }


def reference(paths: list[str], year: int, now: datetime) -> tuple[Dashboard, datetime]:
    """The figures computed afresh from the work orders: one query does the per-row work
    (`portal.inspection.aggregates`). The totals kept on write are checked against it."""
    cells: dict[tuple, aggregates.Cell] = {}
    valid_until = next_local_midnight(now)
    if paths:
        start, end = year_bounds(year)
        where = [in_scope(Inquiry.organization_id, paths), Inquiry.received_at >= start,
                 Inquiry.received_at < end]
        cells = aggregates.tally(aggregates.lean_rows(where, now),
                                 aggregates.working_day_positions)
    organizations = _by_id(Organization, {key[0] for key in cells},
                           selectinload(Organization.parent))
    handlers = _by_id(User, {key[1] for key in cells} - {0})
    org_name = {i: o.full_name for i, o in organizations.items()}
    handler_name = {i: u.display_name for i, u in handlers.items()} | {0: "未签收"}
    labels = _labels(org_name, handler_name)
    tables = {name: sorted(aggregates.roll_up(cells, position, labels[name]).values(),
                           key=lambda row: row.label)
              for position, name in enumerate(("organization", "handler", "type", "month"))}
    total = aggregates.roll_up(cells, None, lambda _value: "合计").get(None)
    keys = _keys(org_name, handler_name, {key[0] for key in cells}, {key[1] for key in cells},
                 {key[3] for key in cells})
    board = Dashboard(year, total or Figures.of(Timeliness(label="合计")), tables, keys)
    return board, valid_until


def same_figures(one: Dashboard, other: Dashboard) -> bool:
    """Every figure of every table alike, ignoring what the clock alone sets (overdue,
    due soon: counted live on each request)."""
    def plain(board: Dashboard):
        def row(fig: Figures):
            return replace(fig, overdue=0, due_soon=0)
        return (row(board.total), {name: [row(fig) for fig in rows]
                                   for name, rows in board.tables.items()}, board.keys)
    return plain(one) == plain(other)


def next_local_midnight(now: datetime) -> datetime:
    """The next Beijing midnight after `now`, as an aware UTC datetime."""
    following = to_local(now).date() + timedelta(days=1)
    return datetime.combine(following, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def _by_id(model, ids: set[int], *options) -> dict:
    if not ids:
        return {}
    return {obj.id: obj for obj in db.session.scalars(
        select(model).where(model.id.in_(ids)).options(*options))}


def late_disclosures(paths: list[str], year: int) -> list[Disclosure]:
    """Disclosures due in the year that went up after their 20-working-day deadline, or
    that are still unpublished past it. A late publication stays on the list whatever
    happened to it since (withdrawn, superseded): withdrawing cannot hide it. Documents
    disclosed on request (依申请公开) have no such deadline and are never listed. The
    database picks the candidates; `is_late` confirms each, so the list is the same as
    checking every disclosure of the year."""
    if not paths:
        return []
    start, end = year_bounds(year)
    published_late = sa.and_(Disclosure.first_published_at.is_not(None),
                             aggregates.local_day(Disclosure.first_published_at)
                             > sa.cast(Disclosure.publish_due, sa.String))
    unpublished_late = sa.and_(Disclosure.first_published_at.is_(None),
                               Disclosure.publish_due < local_today())
    stmt = select(Disclosure).where(
        in_scope(Disclosure.organization_id, paths),
        Disclosure.publish_due >= start.date(), Disclosure.publish_due < end.date(),
        Disclosure.mode == Mode.PROACTIVE,
        sa.or_(published_late, unpublished_late)).options(
        # Only what the list shows (not the bodies), the publishers in one query.
        load_only(Disclosure.title, Disclosure.organization_id, Disclosure.formed_on,
                  Disclosure.publish_due, Disclosure.first_published_at, Disclosure.status,
                  Disclosure.mode),
        selectinload(Disclosure.organization).selectinload(Organization.parent))
    return sorted((d for d in db.session.scalars(stmt) if d.is_late),
                  key=lambda d: -d.days_late)


def villages_for(paths: list[str]) -> list[Organization]:
    if not paths:
        return []
    return list(db.session.scalars(select(Organization).where(
        Organization.kind == OrgKind.VILLAGE, Organization.active.is_(True),
        or_(*[Organization.path.startswith(p) for p in paths])).order_by(Organization.path)))
