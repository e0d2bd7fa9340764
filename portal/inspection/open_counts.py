"""How many clocked work orders are overdue or due soon right now, from counts kept on write.

A clocked work order (running, or consulting: `CLOCKED_STATUSES`) is overdue once now
passes its *late instant*: the earlier of its sign-for deadline (while not signed for) and
its reply deadline; it is due soon while not overdue and its reply deadline lies within
its type's cutoff (`portal.inquiries.clocks`). Both depend on the order only through its
group (organization, handler, type, month of receipt: what the dashboard's tables show),
its late instant and its reply deadline. So every flush that adds, changes or deletes a
work order derives that place (`Clock`), compares it with the one stored for the order
(`inquiry_open_clocks`) and moves the counts (`inquiry_open_counts`) by the difference, in
the same transaction, like the figures of `portal.inspection.figures`: receipt,
sign-for, transfer, extension, pauses, replies and the calendar's recomputed deadlines
alike, since each changes the order's columns.

Each order is counted twice: under its exact late instant and reply deadline (working-day
deadlines all fall at 23:59:59 Beijing time, so that is one row per due day; 舆情 items,
due at any time, get a row each), and under the Beijing month of its late instant. Reading
"now", every order whose late month is over is overdue, whatever the instant: those are
read from the month rows; the rows with a late instant in this month or later are judged
one by one with the same rules as the work orders themselves. The read is therefore
O(groups × months + groups × days from this month on), whatever the history holds, and
exact: no rule is approximated.

Moved by the session hooks of `portal.inspection.figures`, in the same flush as the
figures, only while they are built (`figures.is_built`), and rebuilt with them.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from portal.inquiries import clocks
from portal.inquiries.models import CLOCKED_SQL, CLOCKED_STATUSES, Inquiry, InquiryType, Status
from portal.inspection.models import InquiryOpenClock, InquiryOpenCount
from portal.timeutil import LOCAL_TZ, to_local

UNSIGNED = (Status.RECEIVED, Status.RETURNED)
GROUP = ("organization_id", "handler_id", "type", "month")
_CLOCKS = InquiryOpenClock.__table__
_COUNTS = InquiryOpenCount.__table__


@dataclass(frozen=True)
class Clock:
    """One clocked work order's place in the counts."""

    organization_id: int
    handler_id: int  # 0: not signed for
    type: str
    month: str  # of receipt, Beijing time
    late_at: datetime
    due_at: datetime | None

    @property
    def late_month(self) -> str:
        return to_local(self.late_at).strftime("%Y-%m")

    def rows(self) -> list[tuple]:
        """The count rows it adds one to: its instant's and its late month's."""
        group = (self.organization_id, self.handler_id, self.type, self.month, self.late_month)
        return [(*group, self.late_at, self.due_at), (*group, None, None)]


def clock_of(inquiry) -> Clock | None:
    """`inquiry`'s place as its columns stand now; None when it cannot be overdue or due
    soon (not clocked, or no deadline)."""
    if inquiry.status not in CLOCKED_STATUSES:
        return None
    dues = [inquiry.reply_due_at]
    if inquiry.status in UNSIGNED:
        dues.append(inquiry.sign_due_at)
    dues = [due for due in dues if due is not None]
    if not dues:
        return None
    kind = inquiry.type
    return Clock(organization_id=inquiry.organization_id, handler_id=inquiry.handler_id or 0,
                 type=str(getattr(kind, "value", kind)),
                 month=to_local(inquiry.received_at).strftime("%Y-%m"),
                 late_at=min(dues), due_at=inquiry.reply_due_at)


def _stored(connection, inquiry_id: int) -> Clock | None:
    row = connection.execute(sa.select(_CLOCKS).where(
        _CLOCKS.c.inquiry_id == inquiry_id)).mappings().first()
    if row is None:
        return None
    values = dict(row)
    values.pop("inquiry_id")
    return Clock(**values)


def update(connection, inquiry_id: int, new: Clock | None, *, inserted: bool = False) -> bool:
    """Store `new` as the order's place and move the counts by the difference
    (`inserted`: as for `figures.update`)."""
    old = None if inserted else _stored(connection, inquiry_id)
    if old == new:
        return False
    if old is not None:
        _move(connection, old, -1)
        connection.execute(sa.delete(_CLOCKS).where(_CLOCKS.c.inquiry_id == inquiry_id))
    if new is not None:
        _move(connection, new, +1)
        connection.execute(_STORE, {"order_id": inquiry_id, **vars(new)})
    return True


# Built once, run with the place's fields (`vars`: plain values) as parameters.
_STORE = sa.insert(_CLOCKS).values(inquiry_id=sa.bindparam("order_id"))
COUNT_KEY = (*GROUP, "late_month", "late_at", "due_at")


@functools.cache
def _mover(patterns: tuple[tuple[bool, ...], ...]):
    """One UPDATE moving all of a clock's count rows, returning the id and late instant
    of each it found. The keys hold nulls (where `patterns` says), so there is no unique
    index and no upsert: each row is picked by id. Built once per pattern, run with the
    keys' values as parameters `k<n>_<name>`: every submission runs it while the other
    submissions wait, so one statement, not one per row."""
    def row(n: int, nulls: tuple[bool, ...]):
        where = [_COUNTS.c[name].is_(None) if null
                 else _COUNTS.c[name] == sa.bindparam(f"k{n}_{name}")
                 for name, null in zip(COUNT_KEY, nulls, strict=True)]
        return sa.select(_COUNTS.c.id).where(*where).limit(1).scalar_subquery()

    return (sa.update(_COUNTS)
            .where(sa.or_(*(_COUNTS.c.id == row(n, nulls) for n, nulls in enumerate(patterns))))
            .values(count=_COUNTS.c.count + sa.bindparam("by"))
            .returning(_COUNTS.c.id, _COUNTS.c.late_at))


_EMPTIED = sa.delete(_COUNTS).where(_COUNTS.c.id.in_(sa.bindparam("ids", expanding=True)),
                                    _COUNTS.c.count == 0)


def _move(connection, clock: Clock, sign: int) -> None:
    keys = clock.rows()  # the instant's row, then the month's (late_at: None)
    params = {f"k{n}_{name}": value for n, key in enumerate(keys)
              for name, value in zip(COUNT_KEY, key, strict=True) if value is not None}
    mover = _mover(tuple(tuple(value is None for value in key) for key in keys))
    found = connection.execute(mover, dict(params, by=sign)).all()
    monthly = {late_at is None for _id, late_at in found}
    for key in keys:  # a new key; a stray decrement shows in `differences`
        if (key[COUNT_KEY.index("late_at")] is None) not in monthly:
            connection.execute(sa.insert(_COUNTS).values(
                **dict(zip(COUNT_KEY, key, strict=True)), count=sign))
    if sign < 0 and found:
        connection.execute(_EMPTIED, {"ids": [row_id for row_id, _late_at in found]})


# --- reading ------------------------------------------------------------------------------

def month_start(now: datetime) -> tuple[str, datetime]:
    """The Beijing month of `now` ("YYYY-MM") and its first instant, in UTC."""
    local = to_local(now)
    first = datetime(local.year, local.month, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    return local.strftime("%Y-%m"), first


def clock_counts(scope, year: int, now: datetime) -> list[tuple]:
    """(organization_id, handler_id or 0, type, received month, overdue, due soon) per
    group of the clocked work orders received in `year` under `scope` (a condition on an
    organization id column): what `aggregates.clock_counts` counts from the work orders,
    read from the kept counts."""
    this_month, first = month_start(now)
    table = _COUNTS
    group = [table.c[name] for name in GROUP]
    where = [scope(table.c.organization_id), table.c.month >= f"{year}-01",
             table.c.month <= f"{year}-12"]
    overdue = table.c.late_at < now
    soon = sa.and_(table.c.late_at >= now, table.c.due_at.is_not(None), sa.or_(*[
        sa.and_(table.c.type == kind.value, table.c.due_at <= clocks.due_soon_cutoff(kind, now))
        for kind in InquiryType]))

    def counted(condition):
        return sa.func.sum(sa.case((condition, table.c.count), else_=0))

    past = sa.select(*group, sa.func.sum(table.c.count), sa.literal(0)).where(
        table.c.late_at.is_(None), table.c.late_month < this_month, *where).group_by(*group)
    current = sa.select(*group, counted(overdue), counted(soon)).where(
        table.c.late_at >= first, *where).group_by(*group)
    sums: dict[tuple, list[int]] = {}
    from portal.extensions import db

    for stmt in (past, current):
        for row in db.session.execute(stmt):
            pair = sums.setdefault(tuple(row[:4]), [0, 0])
            pair[0] += row[4] or 0
            pair[1] += row[5] or 0
    return [(*key, overdue_n, soon_n) for key, (overdue_n, soon_n) in sums.items()
            if overdue_n or soon_n]


# --- from scratch -------------------------------------------------------------------------

CLOCK_COLUMNS = (Inquiry.id, Inquiry.organization_id, Inquiry.handler_id, Inquiry.type,
                 Inquiry.received_at, Inquiry.status, Inquiry.sign_due_at,
                 Inquiry.reply_due_at)


class _Row:
    """A work order's columns, read without its object."""

    __slots__ = ("handler_id", "organization_id", "received_at", "reply_due_at",
                 "sign_due_at", "status", "type")

    def __init__(self, row) -> None:
        (_id, self.organization_id, self.handler_id, self.type, self.received_at,
         self.status, self.sign_due_at, self.reply_due_at) = row


def recount() -> tuple[dict[int, Clock], Counter]:
    """Every clocked order's place and the counts, from the work orders."""
    from portal.extensions import db

    places: dict[int, Clock] = {}
    counts: Counter = Counter()
    stmt = sa.select(*CLOCK_COLUMNS).where(sa.text(f"inquiries.{CLOCKED_SQL}"))
    for row in db.session.execute(stmt):
        clock = clock_of(_Row(row))
        if clock is None:
            continue
        places[row[0]] = clock
        for key in clock.rows():
            counts[key] += 1
    return places, counts


def stored() -> tuple[dict[int, Clock], Counter]:
    """The places and counts as kept (a count row per key; zero rows left out)."""
    from portal.extensions import db

    connection = db.session.connection()
    places = {}
    for row in connection.execute(sa.select(_CLOCKS)).mappings():
        values = dict(row)
        inquiry_id = values.pop("inquiry_id")
        places[inquiry_id] = Clock(**values)
    counts: Counter = Counter()
    for row in connection.execute(sa.select(*[_COUNTS.c[name] for name in COUNT_KEY],
                                            _COUNTS.c.count)):
        counts[tuple(row[:-1])] += row[-1]
    return places, counts


def differences() -> list[str]:
    """What differs between the kept places and counts and a recount (empty: none)."""
    kept_places, kept_counts = stored()
    places, counts = recount()
    wrong = []
    for inquiry_id in sorted(set(kept_places) | set(places)):
        if kept_places.get(inquiry_id) != places.get(inquiry_id):
            wrong.append(f"工单 {inquiry_id}：保存 {kept_places.get(inquiry_id)}，"
                         f"应为 {places.get(inquiry_id)}")
    for key in sorted(set(kept_counts) | set(counts), key=repr):
        if kept_counts.get(key, 0) != counts.get(key, 0):
            wrong.append(f"计数 {key}：保存 {kept_counts.get(key, 0)}，应为 {counts.get(key, 0)}")
    return wrong


def rebuild() -> int:
    """The places and counts recomputed from the work orders, in the current transaction;
    returns the number of clocked orders counted."""
    from portal.extensions import db

    connection = db.session.connection()
    connection.execute(sa.delete(_CLOCKS))
    connection.execute(sa.delete(_COUNTS))
    places, counts = recount()
    rows = [{"inquiry_id": inquiry_id, **asdict(clock)} for inquiry_id, clock in places.items()]
    for start in range(0, len(rows), 5000):
        connection.execute(sa.insert(_CLOCKS), rows[start:start + 5000])
    totals = [{**dict(zip(COUNT_KEY, key, strict=True)), "count": n}
              for key, n in counts.items()]
    for start in range(0, len(totals), 5000):
        connection.execute(sa.insert(_COUNTS), totals[start:start + 5000])
    return len(places)
