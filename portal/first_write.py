"""Writes that a flush's listeners add, held back until the flush writes its first row.

A `before_flush` listener runs before SQLAlchemy has worked out what the flush will write.
A write it made there that locks something every writer shares (a version row of the page
cache or of the inspector's dashboard, a year's 受理编号 series; on SQLite, the database's
write lock, taken by the transaction's first statement) would be held while this process
builds the flush's statements, and every other writer would wait that long too. Such a
listener hands the work to `defer` instead. It runs on the flush's connection just before
the flush's first INSERT, UPDATE or DELETE, in the order it was handed over:

- still before any row the flush writes, so writers lock rows in the same order as
  before (no new deadlock), only later in time;
- in the flush's transaction, so it commits or rolls back with the rows;
- in a flush that writes no row after all, at the flush's end.

A listener that must write before the flush does (`portal.inspection.figures` giving back
a deleted work order's share) calls `run_now` first, so the order stays the same.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, Session, object_session

_PENDING = "first_write_pending"  # session.info: the work waiting for the first row


def defer(session: Session, work: Callable[[Connection], None]) -> None:
    """Run `work(connection)` just before the next flush writes its first row. The work
    belongs to the session's transaction (begun here if need be: on SQLite that takes no
    lock yet): if it rolls back first, the work is dropped."""
    if not session.in_transaction():
        session.begin()
    session.info.setdefault(_PENDING, []).append(work)


def run_now(session: Session, connection: Connection | None = None) -> None:
    """Run the work waiting for the first row now, on `connection` (the session's)."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    connection = connection if connection is not None else session.connection()
    for work in pending:
        work(connection)


def _before_row(_mapper, connection: Connection, target) -> None:
    session = object_session(target)
    if session is not None and _PENDING in session.info:
        run_now(session, connection)


def _after_flush(session: Session, _flush_context) -> None:
    run_now(session)  # the flush wrote no row: the work is done all the same


def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the transaction, not a savepoint within it
        session.info.pop(_PENDING, None)  # e.g. a flush that failed before its first row


def install(target) -> None:
    """Listen on `target` (the application's scoped session), and on every mapper's row
    writes; idempotent."""
    for name in ("before_insert", "before_update", "before_delete"):
        if not event.contains(Mapper, name, _before_row):
            event.listen(Mapper, name, _before_row)
    # First among the after_flush listeners: those write with the work already done.
    if not event.contains(target, "after_flush", _after_flush):
        event.listen(target, "after_flush", _after_flush, insert=True)
    if not event.contains(target, "after_transaction_end", _forget):
        event.listen(target, "after_transaction_end", _forget)
