"""PostgreSQL connections: checked before use without a round trip, and no transaction
around the anonymous visitors' public pages.

Dropped connections. After a server restart, an idle-session timeout or an
administrator's `pg_terminate_backend`, the server tells each connection it drops: it
sends an error and closes its end, so the idle socket becomes readable. A healthy idle
connection has nothing to read (the portal LISTENs to nothing). So each checkout from the
pool polls the socket without waiting, and a connection that is readable, or that the
driver already knows is closed, is replaced: the pool answers `DisconnectionError` with a
fresh connection, before the request sends anything. This replaces `pool_pre_ping`, which
spent a round trip (`SELECT 1`) on every request. A server that vanished without closing
its sockets (a host cut off) is not seen this way, nor by a ping in less than TCP's
timeout; that request gets 503 (portal.error_pages) and the pool replaces the connection.

Public reads. An anonymous visitor's GET of a page the page cache may answer
(`portal.pagecache.anonymous_page_read`), as a request being served (not a request
context a command pushes to build links), runs its first transaction in autocommit: no
BEGIN and no ROLLBACK, two of the three or four round trips such a page needs. Its reads
see what they saw before: under READ COMMITTED each statement of a transaction sees what
was committed when the statement began, as each autocommit statement does.

Such a view may not write, since the cache answers it without running it: a flush there
raises RuntimeError before anything is written. A transaction that follows the first
(an error page recording the refusal, after `portal.error_pages.note_refusal` rolled the
first back) is a transaction again. The connection gets its transactions back on its way
into the pool, before another request can draw it, and one found in autocommit at
checkout is replaced. The autocommit transaction ends with the request, so nothing after
it in the same application context (a test's) runs in autocommit.

Result columns. SQLAlchemy keeps the result columns of each compiled statement and asks
the driver only whether a result has rows; psycopg's `cursor.description` built a Column
(name, type, sizes) for every column of every result to answer, 23 of them for a
document's page. The portal's cursors (`LeanCursor`) answer with a description that builds
them when read; raw SQL, which SQLAlchemy describes from the driver, reads them as before.
"""

from __future__ import annotations

import select
from collections.abc import Iterator, Sequence

import psycopg
from flask import Flask, g, has_request_context
from psycopg import Column, pq
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

_PUBLIC_READ = "portal_public_read"


def configure(app: Flask, engine) -> None:
    from portal.database import end_reads_keeping_loaded
    from portal.extensions import db
    from portal.pagecache import anonymous_page_read

    @event.listens_for(engine, "connect")
    def lean_cursors(dbapi_connection, _record):
        dbapi_connection.cursor_factory = LeanCursor

    @event.listens_for(engine, "checkout")
    def replace_dropped(dbapi_connection, _record, _proxy):
        if dropped(dbapi_connection):
            raise DisconnectionError("the server closed this connection")

    @app.before_request
    def note_public_read():
        """Only for a request being served: not for a request context that a command
        pushes to build links, nor for a test's."""
        if anonymous_page_read():
            g.portal_public_read = True

    @event.listens_for(engine, "begin")
    def read_without_transaction(connection):
        # The request's first transaction only: one that follows (an error page's
        # audit record, after note_refusal's rollback) is a transaction again.
        if has_request_context() and g.pop("portal_public_read", False):
            connection.connection.driver_connection.autocommit = True
            connection.info[_PUBLIC_READ] = True
            g.portal_public_read_begun = True

    @event.listens_for(engine, "checkin")
    def restore_transactions(dbapi_connection, record):
        if record.info.pop(_PUBLIC_READ, False) and dbapi_connection is not None:
            try:
                dbapi_connection.autocommit = False
            except psycopg.Error:  # closed: dropped() replaces it at the next checkout
                return

    if not event.contains(db.session, "before_flush", refuse_writes):
        event.listen(db.session, "before_flush", refuse_writes, insert=True)

    @app.teardown_request
    def end_public_read(_error):
        if g.pop("portal_public_read_begun", False):
            end_reads_keeping_loaded(db.session())


def refuse_writes(session, _flush_context, _instances) -> None:
    if session.connection().info.get(_PUBLIC_READ):
        raise RuntimeError("a public page's view may not write: the page cache answers "
                           "it without running it")


def dropped(dbapi_connection) -> bool:
    """Whether an idle pooled psycopg connection is unusable: closed, broken, left in
    autocommit, or with something from the server waiting (its goodbye, or end of file)."""
    if dbapi_connection.closed or dbapi_connection.broken or dbapi_connection.autocommit:
        return True
    poller = select.poll()
    try:
        poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


_ROWS = frozenset({pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE,
                   pq.ExecStatus.TUPLES_CHUNK})


class LeanCursor(psycopg.Cursor):
    """psycopg's cursor, its `description` built when read (see the module's text)."""

    @property
    def description(self) -> Sequence[Column] | None:
        result = self.pgresult
        if result and (result.nfields or result.status in _ROWS):  # as psycopg decides
            return _Description(_Result(result, self._encoding, self.adapters))
        return None


class _Result:
    """What a Column reads from its cursor, kept: the cursor moves on to other results."""

    __slots__ = ("_encoding", "adapters", "pgresult")

    def __init__(self, pgresult, encoding: str, adapters) -> None:
        self.pgresult, self._encoding, self.adapters = pgresult, encoding, adapters


class _Description(Sequence):
    """A result's Column objects, built on the first read of one."""

    __slots__ = ("_columns", "_result")

    def __init__(self, result: _Result) -> None:
        self._result, self._columns = result, None

    def _built(self) -> list[Column]:
        if self._columns is None:
            self._columns = [Column(self._result, index)  # type: ignore[arg-type]
                             for index in range(self._result.pgresult.nfields)]
        return self._columns

    def __len__(self) -> int:
        return self._result.pgresult.nfields

    def __getitem__(self, index):
        return self._built()[index]

    def __iter__(self) -> Iterator[Column]:
        return iter(self._built())

    def __eq__(self, other) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a list's is None too

    def __repr__(self) -> str:
        return repr(self._built())
