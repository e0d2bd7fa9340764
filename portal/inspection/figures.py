"""The inspector's figures, kept on write.

Every flush that adds, changes or deletes a work order derives the order's share of the
figures (`Share`: its year, organization, handler, type and month of receipt, Beijing
time; the sign-for time in whole tenths of an hour, as the dashboard shows it; working
days to the reply; the on-time flags), compares it with the share stored for it
(`inquiry_figures`), and moves the totals
(`inquiry_figure_totals`: per year, organization and total / handler / type / month) by
exactly the difference, in the same transaction. Whichever service, CLI command or
import changes the order, the totals follow, because they follow the flush.

A change to the working-day calendar changes reply times: the calendar's signal recounts
the shares of the replied orders whose span holds a changed day, in the calendar change's
own transaction.

What time alone changes (overdue, due soon) is not kept in the shares: the same hooks move
the counts per deadline of `portal.inspection.open_counts` (rebuilt with these), so one
check of whether the figures are built serves both.

Writes that bypass the session (bulk seeding, raw SQL) are not seen;
`flask inspection figures rebuild` recomputes everything from the work orders.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import first_write
from portal.inquiries.models import Inquiry
from portal.inspection import open_counts
from portal.inspection.models import InquiryFigures, InquiryFigureState, InquiryFigureTotals
from portal.timeutil import to_local, utcnow
from portal.workdays.calendar import working_days_between

TENTH = timedelta(minutes=6)  # a tenth of an hour
COUNTS = ("total", "signed", "signed_on_time", "replied", "replied_on_time")
STATE_ID = 1
_FIGURES = InquiryFigures.__table__
_TOTALS = InquiryFigureTotals.__table__
_STATE = InquiryFigureState.__table__


@dataclass(frozen=True)
class Share:
    """One work order's contribution to the figures."""

    year: int
    organization_id: int
    handler_id: int  # 0: not signed for
    type: str
    month: str
    received_on: date
    replied_on: date | None
    sign_tenths: int | None
    signed_on_time: bool
    reply_days: int | None
    replied_on_time: bool

    def groups(self) -> list[tuple[str, str]]:
        return [("total", ""), ("handler", str(self.handler_id)), ("type", self.type),
                ("month", self.month)]

    def counts(self) -> tuple[int, ...]:
        return (1, self.sign_tenths is not None, self.signed_on_time,
                self.reply_days is not None, self.replied_on_time)


def sign_tenths(received_at: datetime, signed_at: datetime | None) -> int | None:
    """Tenths of an hour from receipt to sign-for, whole ones (rounded down): the
    precision the dashboard shows, and few enough values to count per unit."""
    return None if signed_at is None else (signed_at - received_at) // TENTH


def share_of(inquiry: Inquiry, reply_days=None) -> Share:
    """`inquiry`'s share as its columns stand now. `reply_days(received, replied)` counts
    working days (default: the current calendar's)."""
    received = to_local(inquiry.received_at).date()
    replied = to_local(inquiry.replied_at).date() if inquiry.replied_at else None
    count = reply_days or working_days_between
    return Share(
        year=received.year, organization_id=inquiry.organization_id,
        handler_id=inquiry.handler_id or 0, type=str(inquiry.type.value),
        month=received.strftime("%Y-%m"),
        received_on=received, replied_on=replied,
        sign_tenths=sign_tenths(inquiry.received_at, inquiry.signed_at),
        signed_on_time=inquiry.signed_on_time is True,
        reply_days=None if replied is None else max(0, count(received, replied)),
        replied_on_time=inquiry.replied_on_time is True)


def _stored(connection, inquiry_id: int) -> Share | None:
    row = connection.execute(sa.select(_FIGURES).where(
        _FIGURES.c.inquiry_id == inquiry_id)).mappings().first()
    if row is None:
        return None
    values = dict(row)
    values.pop("inquiry_id")
    values["signed_on_time"] = bool(values["signed_on_time"])
    values["replied_on_time"] = bool(values["replied_on_time"])
    return Share(**values)


def is_built(connection, *, lock: bool = False) -> bool:
    """Whether the totals cover every work order; no state row: a schema made without the
    migration (always empty when made), so yes."""
    shared = lock and connection.dialect.name == "postgresql"
    value = connection.execute(_BUILT_SHARED if shared else _BUILT).scalar()
    return True if value is None else bool(value)


_BUILT = sa.select(_STATE.c.built).where(_STATE.c.id == STATE_ID)
_BUILT_SHARED = _BUILT.with_for_update(read=True)  # a rebuild waits for the transaction


def update(connection, inquiry_id: int, new: Share | None, *, inserted: bool = False) -> bool:
    """Store `new` as the order's share and move the totals by the difference.
    `inserted`: the order was inserted by this flush, so nothing is stored for it (the
    foreign key's cascade leaves no share behind an id)."""
    old = None if inserted else _stored(connection, inquiry_id)
    if old == new:
        return False
    if old is not None:
        _move(connection, old, -1)
    if new is None:
        connection.execute(sa.delete(_FIGURES).where(_FIGURES.c.inquiry_id == inquiry_id))
        return True
    _move(connection, new, +1)
    # Built once, run with the share's fields (plain values: `vars`, not a deep `asdict`)
    # as parameters: every work order's flush passes here.
    connection.execute(_STORE if old is None else _RESTORE,
                       {"order_id": inquiry_id, **vars(new)})
    return True


_STORE = sa.insert(_FIGURES).values(inquiry_id=sa.bindparam("order_id"))
_RESTORE = sa.update(_FIGURES).where(_FIGURES.c.inquiry_id == sa.bindparam("order_id"))


def _locked_total(connection, year: int, organization_id: int, dimension: str, key: str):
    where = (_TOTALS.c.year == year, _TOTALS.c.organization_id == organization_id,
             _TOTALS.c.dimension == dimension, _TOTALS.c.key == key)
    stmt = sa.select(_TOTALS).where(*where)
    if connection.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = connection.execute(stmt).mappings().first()
    if row is not None:
        return row
    values = dict(year=year, organization_id=organization_id, dimension=dimension, key=key,
                  **dict.fromkeys(COUNTS, 0), sign_tenths="{}", reply_days="{}")
    connection.execute(_insert(connection.dialect.name).values(**values).on_conflict_do_nothing())
    return connection.execute(stmt).mappings().first()


def _moved(histogram: str, value: int | None, sign: int) -> str:
    if value is None:
        return histogram
    counts = json.loads(histogram)
    left = counts.get(str(value), 0) + sign
    if left:
        counts[str(value)] = left
    else:
        counts.pop(str(value), None)
    return json.dumps(counts, separators=(",", ":"))


def _insert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(_TOTALS)


@functools.cache
def _count_adder(dialect: str):
    """INSERT … ON CONFLICT DO UPDATE adding to the counts: built once per dialect, run
    with one row of parameters per group."""
    stmt = _insert(dialect)
    return stmt.on_conflict_do_update(
        index_elements=["year", "organization_id", "dimension", "key"],
        set_={name: _TOTALS.c[name] + stmt.excluded[name] for name in COUNTS})


def _add_counts(connection, share: Share, deltas: dict[str, int]) -> None:
    """Counts alone (no time to add to a histogram): every group's row moved, or made,
    by one statement."""
    connection.execute(_count_adder(connection.dialect.name), [
        dict(year=share.year, organization_id=share.organization_id, dimension=dimension,
             key=key, sign_tenths="{}", reply_days="{}", **deltas)
        for dimension, key in share.groups()])


def _move(connection, share: Share, sign: int) -> None:
    deltas = {name: sign * int(n) for name, n in zip(COUNTS, share.counts(), strict=True)}
    if share.sign_tenths is None and share.reply_days is None:
        _add_counts(connection, share, deltas)
        return
    for dimension, key in share.groups():
        row = _locked_total(connection, share.year, share.organization_id, dimension, key)
        values = {name: row[name] + deltas[name] for name in COUNTS}
        for histogram in ("sign_tenths", "reply_days"):  # rewritten only when they change
            if getattr(share, histogram) is not None:
                values[histogram] = _moved(row[histogram], getattr(share, histogram), sign)
        connection.execute(sa.update(_TOTALS).where(_TOTALS.c.id == row["id"]).values(**values))


# --- following the session ----------------------------------------------------------------

_BUILT_READ = "figures_built"  # session.info: `is_built`, read by this flush's before_flush


def on_before_flush(session: Session, _context, _instances) -> None:
    """A work order about to be deleted gives its share back first. On PostgreSQL, a
    flush that changes work orders reads (and share-locks) whether the totals are built
    now, before its first row: after it, every other submission waits."""
    session.info.pop(_BUILT_READ, None)
    gone = [obj for obj in session.deleted if isinstance(obj, Inquiry)]
    if gone:
        first_write.run_now(session)  # the version bumps first, as for any other write
        if is_built(session.connection(), lock=True):
            for inquiry in gone:
                update(session.connection(), inquiry.id, None)
                open_counts.update(session.connection(), inquiry.id, None)
    elif session.get_bind().dialect.name == "postgresql" and any(
            isinstance(obj, Inquiry) for obj in (*session.new, *session.dirty)):
        # (On SQLite the read would begin the write transaction, and its lock, early.)
        session.info[_BUILT_READ] = is_built(session.connection(), lock=True)


def on_after_flush(session: Session, _context) -> None:
    built = session.info.pop(_BUILT_READ, None)
    changed = [obj for obj in (*session.new, *session.dirty) if isinstance(obj, Inquiry)]
    if not changed:
        return
    connection = session.connection()
    if not (is_built(connection, lock=True) if built is None else built):
        return
    for inquiry in changed:
        inserted = inquiry in session.new
        update(connection, inquiry.id, share_of(inquiry), inserted=inserted)
        open_counts.update(connection, inquiry.id, open_counts.clock_of(inquiry),
                           inserted=inserted)


def install(target) -> None:
    """Listen on `target` (the application's scoped session); idempotent."""
    for name, listener in (("before_flush", on_before_flush),
                           ("after_flush", on_after_flush)):
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)


def recount_reply_days(first_day: date, last_day: date) -> int:
    """Shares of the replied orders whose working days may have changed with the days in
    [first_day, last_day], recounted with the current calendar."""
    from portal.extensions import db

    connection = db.session.connection()
    if not is_built(connection, lock=True):
        return 0
    rows = connection.execute(sa.select(_FIGURES.c.inquiry_id).where(
        _FIGURES.c.replied_on >= first_day, _FIGURES.c.received_on < last_day)).scalars()
    changed = 0
    for inquiry_id in list(rows):
        old = _stored(connection, inquiry_id)
        days = max(0, working_days_between(old.received_on, old.replied_on))
        changed += update(connection, inquiry_id, replace(old, reply_days=days))
    return changed


def on_calendar_changed(_sender=None, *, first_day: date, last_day: date, **_kwargs) -> None:
    recount_reply_days(first_day, last_day)


# --- from scratch -------------------------------------------------------------------------

REBUILD_COLUMNS = (Inquiry.id, Inquiry.received_at, Inquiry.organization_id,
                   Inquiry.handler_id, Inquiry.type, Inquiry.signed_at, Inquiry.replied_at,
                   Inquiry.signed_on_time, Inquiry.replied_on_time)
BATCH = 5000


class _Row:
    """A work order's columns, read without its object."""

    __slots__ = ("handler_id", "organization_id", "received_at", "replied_at",
                 "replied_on_time", "signed_at", "signed_on_time", "type")

    def __init__(self, row) -> None:
        (_id, self.received_at, self.organization_id, self.handler_id, self.type,
         self.signed_at, self.replied_at, self.signed_on_time, self.replied_on_time) = row


def rebuild(on_progress=None) -> int:
    """Every share and total recomputed from the work orders, in the current transaction;
    returns the number of work orders. The totals are marked complete."""
    from portal.extensions import db
    from portal.inspection.aggregates import working_day_positions

    connection = db.session.connection()
    connection.execute(sa.delete(_STATE))
    connection.execute(sa.insert(_STATE).values(id=STATE_ID, built=False))
    connection.execute(sa.delete(_FIGURES))
    connection.execute(sa.delete(_TOTALS))
    bounds = db.session.execute(sa.select(sa.func.min(Inquiry.received_at),
                                          sa.func.max(Inquiry.replied_at),
                                          sa.func.max(Inquiry.received_at))).one()
    positions: dict[str, int] = {}
    if bounds[0] is not None:
        last = max(day for day in (bounds[1], bounds[2]) if day is not None)
        positions = working_day_positions(to_local(bounds[0]).date(), to_local(last).date())

    def reply_days(received: date, replied: date) -> int:
        return positions[replied.isoformat()] - positions[received.isoformat()]

    totals: dict[tuple, list] = {}
    batch: list[dict] = []
    done = 0
    for row in db.session.execute(sa.select(*REBUILD_COLUMNS).order_by(Inquiry.id)
                                  .execution_options(yield_per=BATCH)):
        share = share_of(_Row(row), reply_days)
        batch.append({"inquiry_id": row[0], **asdict(share)})
        for group in share.groups():
            entry = totals.setdefault((share.year, share.organization_id, *group),
                                      [[0] * len(COUNTS), Counter(), Counter()])
            for position, n in enumerate(share.counts()):
                entry[0][position] += int(n)
            if share.sign_tenths is not None:
                entry[1][share.sign_tenths] += 1
            if share.reply_days is not None:
                entry[2][share.reply_days] += 1
        done += 1
        if len(batch) >= BATCH:
            connection.execute(sa.insert(_FIGURES), batch)
            batch = []
            if on_progress:
                on_progress(BATCH)
    if batch:
        connection.execute(sa.insert(_FIGURES), batch)
        if on_progress:
            on_progress(len(batch))
    rows = [{"year": year, "organization_id": org, "dimension": dimension, "key": key,
             **dict(zip(COUNTS, counts, strict=True)),
             "sign_tenths": _dumps(signs), "reply_days": _dumps(replies)}
            for (year, org, dimension, key), (counts, signs, replies) in totals.items()]
    for start in range(0, len(rows), BATCH):
        connection.execute(sa.insert(_TOTALS), rows[start:start + BATCH])
    from portal.inspection import open_counts

    open_counts.rebuild()
    connection.execute(sa.update(_STATE).where(_STATE.c.id == STATE_ID).values(
        built=True, built_at=utcnow()))
    return done


def _dumps(counts: Counter) -> str:
    return json.dumps({str(value): n for value, n in counts.items()}, separators=(",", ":"))


def init_app(app) -> None:
    from portal.extensions import db
    from portal.workdays.signals import calendar_changed

    install(db.session)
    calendar_changed.connect(on_calendar_changed)
