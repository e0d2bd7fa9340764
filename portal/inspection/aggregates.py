"""The dashboard's timeliness figures, computed afresh from one lean query: the reference
the totals kept on write (`portal.inspection.figures`, read by `.totals`) are checked
against, and what the dashboard uses until those totals are built.

The database does the per-row work: the work order's group keys, its local (Beijing)
received and replied days, the sign-for time in whole microseconds (counted in whole
tenths of an hour), and whether it is overdue or due soon right now (the rules of
`portal.inquiries.clocks`, written as SQL once, in `portal.inquiries.queries`, for the staff
queues and these figures alike).
Python then only counts, into one cell per (organization, handler, type, month), and rolls
the cells up into the four tables; the reply time in working days is the difference of two
positions in a table of working days built once per call. So the figures equal those of
`portal.inspection.stats` over every work order's ORM object, exactly, at a fraction of
the cost (no objects, no per-row calendar walk).

Beijing time is UTC+8 with no daylight saving since 1991, so local days are taken as
UTC + 8 hours on both engines.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

import sqlalchemy as sa

from portal.database import is_postgresql
from portal.extensions import db
from portal.inquiries import clocks
from portal.inquiries.models import CLOCKED_SQL, CLOCKED_STATUSES, Inquiry
from portal.inquiries.queries import due_soon_condition, overdue_condition
from portal.inspection.stats import Figures, median_of, percentile_of
from portal.timeutil import LOCAL_TZ, to_local
from portal.workdays.calendar import current_calendar

MICROS_PER_SECOND = 1_000_000
MICROS_PER_TENTH = 360 * MICROS_PER_SECOND  # a tenth of an hour


def local_day(column):
    """'YYYY-MM-DD' of a UTC timestamp column, in Beijing time."""
    if is_postgresql():
        return sa.func.to_char(column + sa.literal_column("interval '8 hours'"), "YYYY-MM-DD")
    return sa.func.date(column, "+8 hours")


def micros_between(later, earlier):
    """Whole microseconds from `earlier` to `later` (exact integers on both engines)."""
    if is_postgresql():
        return sa.cast(sa.extract("epoch", later - earlier) * MICROS_PER_SECOND, sa.BigInteger)
    seconds = (sa.cast(sa.func.strftime("%s", later), sa.Integer)
               - sa.cast(sa.func.strftime("%s", earlier), sa.Integer))
    # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff"; the fraction starts at character 21.
    fraction = (sa.cast(sa.func.coalesce(sa.func.substr(later, 21, 6), "0"), sa.Integer)
                - sa.cast(sa.func.coalesce(sa.func.substr(earlier, 21, 6), "0"), sa.Integer))
    return seconds * MICROS_PER_SECOND + fraction


def clock_counts(where: list, now: datetime) -> list[tuple]:
    """(organization_id, handler_id or 0, type, received month, overdue, due soon) per
    group of clocked work orders (running, or consulting) matching `where`: the part of the
    figures that time changes, judged from those orders themselves. The dashboard reads the
    same from the counts kept on write (`portal.inspection.open_counts`); this is what
    `flask inspection figures check` compares them with."""
    month = sa.func.substr(local_day(Inquiry.received_at), 1, 7)
    handler = sa.func.coalesce(Inquiry.handler_id, 0)
    kind = sa.type_coerce(Inquiry.type, sa.String)
    stmt = (sa.select(Inquiry.organization_id, handler, kind, month,
                      sa.func.sum(_flag(overdue_condition(now))),
                      sa.func.sum(_flag(due_soon_condition(now))))
            .where(*where, sa.text(f"inquiries.{CLOCKED_SQL}"))  # the partial index's terms
            .group_by(Inquiry.organization_id, handler, kind, month))
    return [tuple(row) for row in db.session.execute(stmt)]


def clock_valid_until(now: datetime) -> datetime:
    """The first instant after `now` at which time alone could change whether a work order
    is overdue or due soon, for all work orders: the end of today (working-day deadlines all
    fall at 23:59:59 Beijing time, and a passed deadline counts from the next instant), the
    next Beijing midnight (the due-soon cutoffs move by the day), the next reply deadline of
    a clocked order (舆情 deadlines fall at any time) and the next one two hours off (舆情
    is due soon from two hours before). Two index reads on the reply deadline."""
    def next_due(after: datetime) -> datetime | None:
        return db.session.scalar(
            sa.select(Inquiry.reply_due_at)
            .where(Inquiry.reply_due_at >= after, Inquiry.status.in_(CLOCKED_STATUSES))
            .order_by(Inquiry.reply_due_at).limit(1))

    tick = timedelta(microseconds=1)
    following = to_local(now).date() + timedelta(days=1)
    midnight = datetime.combine(following, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)
    candidates = [midnight]
    today_ends = clocks.end_of_day(to_local(now).date())
    if now <= today_ends:
        candidates.append(today_ends + tick)
    due = next_due(now)
    if due is not None:
        candidates.append(due + tick)
    warned = next_due(now + clocks.DUE_SOON_HOURS)
    if warned is not None:
        candidates.append(warned - clocks.DUE_SOON_HOURS)
    return min(candidates)


def _flag(condition):
    return sa.case((condition, 1), else_=0)


def lean_rows(where: list, now: datetime):
    """(organization_id, handler_id, type, received day, replied day, sign micros,
    signed on time, replied on time, overdue, due soon) per work order."""
    stmt = sa.select(
        Inquiry.organization_id, Inquiry.handler_id, sa.type_coerce(Inquiry.type, sa.String),
        local_day(Inquiry.received_at), local_day(Inquiry.replied_at),
        micros_between(Inquiry.signed_at, Inquiry.received_at),
        _flag(Inquiry.signed_on_time.is_(True)), _flag(Inquiry.replied_on_time.is_(True)),
        _flag(overdue_condition(now)), _flag(due_soon_condition(now)),
    ).where(*where)
    # Plain values only (ints, strings), so the driver's own rows are taken as they come:
    # a third of SQLAlchemy's per-row cost at a few hundred thousand rows.
    return db.session.connection().execute(stmt).cursor.fetchall()


def working_day_positions(first: date, last: date) -> dict[str, int]:
    """'YYYY-MM-DD' → working days in (first, day], for every day in [first, last]; so
    `positions[b] - positions[a]` is `working_days_between(a, b)`."""
    calendar = current_calendar()
    positions, count, day = {}, 0, first
    while day <= last:
        if day > first and calendar.is_working_day(day):
            count += 1
        positions[day.isoformat()] = count
        day += timedelta(days=1)
    return positions


class Cell:
    """Counts and values of one (organization, handler, type, month) combination: sign-for
    times in whole tenths of an hour and reply times in working days → how many work orders took
    that long."""

    __slots__ = ("counts", "reply_days", "sign_tenths")

    def __init__(self) -> None:
        # total, signed, signed on time, replied, replied on time, overdue, due soon
        self.counts = [0, 0, 0, 0, 0, 0, 0]
        self.sign_tenths: dict[int, int] = {}
        self.reply_days: dict[int, int] = {}


def tally(rows, positions_for) -> dict[tuple, Cell]:
    """Cells of lean rows; `positions_for(first_day, last_day)` gives working-day
    positions (computed once, for the days the rows span)."""
    rows = list(rows)
    cells: dict[tuple, Cell] = {}
    if not rows:
        return cells
    received_days = {row[3] for row in rows}
    replied_days = {row[4] for row in rows} - {None}
    days = received_days | replied_days
    positions = positions_for(date.fromisoformat(min(days)), date.fromisoformat(max(days)))
    for org_id, handler_id, kind, received, replied, micros, s_ok, r_ok, late, soon in rows:
        key = (org_id, handler_id or 0, kind, received[:7])
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = Cell()
        counts = cell.counts
        counts[0] += 1
        counts[2] += s_ok
        counts[4] += r_ok
        counts[5] += late
        counts[6] += soon
        if micros is not None:
            counts[1] += 1
            tenths = micros // MICROS_PER_TENTH  # whole tenths of an hour, as `figures`
            cell.sign_tenths[tenths] = cell.sign_tenths.get(tenths, 0) + 1
        if replied is not None:
            counts[3] += 1
            taken = max(0, positions[replied] - positions[received])
            cell.reply_days[taken] = cell.reply_days.get(taken, 0) + 1
    return cells


def roll_up(cells: dict[tuple, Cell], position: int | None, label) -> dict[object, Figures]:
    """Figures per value of one key of the cells (`position` None: one overall row).
    Medians and percentiles are read off the ordered sign-for times (merging the cells'
    ordered runs is cheap) and off the counts per reply time, converting only the values
    picked, so they equal `Timeliness`'s over every work order's value."""
    groups: dict[object, list[Cell]] = {}
    for key, cell in cells.items():
        groups.setdefault(None if position is None else key[position], []).append(cell)
    return {value: _figures(label(value), members) for value, members in groups.items()}


def _figures(label: str, cells: list[Cell]) -> Figures:
    counts = [sum(column) for column in zip(*(cell.counts for cell in cells), strict=True)]
    return figures_of(label, counts, merged(cell.sign_tenths for cell in cells),
                      merged(cell.reply_days for cell in cells))


def merged(histograms) -> dict[int, int]:
    """value → count, summed over the histograms."""
    total: dict[int, int] = {}
    for histogram in histograms:
        for value, count in histogram.items():
            total[value] = total.get(value, 0) + count
    return total


def figures_of(label: str, counts: list[int], sign_tenths: dict[int, int],
               reply_days: dict[int, int]) -> Figures:
    """A row of figures from its counts (total, signed, signed on time, replied, replied on
    time, overdue, due soon) and how many work orders took each sign-for time (tenths of an hour)
    and reply time (working days)."""
    total, signed, signed_on_time, replied, replied_on_time, overdue, due_soon = counts
    tenths_nth = _nth_of_counts(sign_tenths)
    reply_nth = _nth_of_counts(reply_days)
    signs = sum(sign_tenths.values())

    def sign_nth(index: int) -> float:
        return tenths_nth(index) / 10

    return Figures(
        label=label, total=total, replied=replied, replied_on_time=replied_on_time,
        signed=signed, signed_on_time=signed_on_time, overdue=overdue, due_soon=due_soon,
        on_time_rate=replied_on_time / replied if replied else None,
        sign_on_time_rate=signed_on_time / signed if signed else None,
        median_sign_hours=median_of(signs, sign_nth),
        p90_sign_hours=percentile_of(signs, 0.9, sign_nth),
        median_reply_days=median_of(replied, reply_nth),
        p90_reply_days=percentile_of(replied, 0.9, reply_nth))


def _nth_of_counts(counts: dict[int, int]):
    """The i-th (from 0) of the values, each repeated its count, in order, as a float."""
    values = sorted(counts)
    ends = list(accumulate(counts[value] for value in values))

    def nth(index: int) -> float:
        return float(values[bisect_right(ends, index)])

    return nth
