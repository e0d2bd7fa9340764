"""The shared invalidation signal for every worker's page cache.

Writing: a `before_flush` listener on the application's session works out which tags of
public pages the flush changes (`portal.pagecache.tags`: a document, its category and
unit lists, a village's board, …) and bumps each tag's row in `content_tags`, and the
single `content_versions` row with them, as the flush writes its first row
(`portal.first_write`). It runs inside the flush, so the bumps commit —
or roll back — together with the publication, withdrawal or edit itself, whichever
service, CLI command or import made it. Over-counting only costs a cache refill. Bulk
Core writes that bypass the session (the bench seed) must call `bump_tags` themselves or
run before the workers start.

Reading: `VersionReader.read()` runs one primary-key SELECT on a connection of its own in
autocommit mode, so every request sees the latest committed version without opening a
transaction; while the host's write signal (`portal.pagecache.signal`) shows that nothing
can have committed since, the last version read is used again, for at most a second.
A stored page last found current at that version is served at once; else
`read_tags()` reads its tags' versions (one statement) and the page is served only if
none moved. A page is stored only if the content version read before it was rendered is
still the current one when its tags are read, so the tag versions it keeps are those of
what it shows: a page never shows a document withdrawn after it was stored.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from time import monotonic

from flask import current_app, has_app_context
from sqlalchemy import case, event, insert, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history
from sqlalchemy.pool import Pool

from portal import first_write
from portal.inquiries.models import Inquiry
from portal.pagecache import signal as write_signal
from portal.pagecache.models import SINGLETON_ID, ContentVersion
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

# Model modules whose rows appear on public pages.
PUBLIC_MODULES = frozenset({
    "portal.disclosures.models",
    "portal.villages.models",
    "portal.consultations.models",
    "portal.execution.models",
    "portal.catalogue.models",
    "portal.organizations.models",
    "portal.attachments.models",
})
_TABLE = ContentVersion.__table__
# An integer constant, not input.
_READ_SQL = f"SELECT version, changed_epoch FROM content_versions WHERE id = {SINGLETON_ID}"  # nosec B608
_VERSION_SQL = f"SELECT '', version FROM content_versions WHERE id = {SINGLETON_ID}"  # nosec B608
# PostgreSQL, prepared once per connection: the tags as one text array parameter.
_TAGS_SQL = (f"{_VERSION_SQL} UNION ALL SELECT tag, version FROM content_tags "  # nosec B608
             "WHERE tag = ANY($1::text[])")


def _text_array(values: list[str]) -> str:
    """PostgreSQL's text form of a text[]: each element quoted, `\\` and `"` escaped."""
    quoted = (value.replace("\\", "\\\\").replace('"', '\\"') for value in values)
    return "{" + ",".join(f'"{value}"' for value in quoted) + "}"


def _cursor_rows(connection, sql: str, params) -> list[tuple]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _succeeded(result):
    """A libpq result that succeeded, or the error it carries, raised."""
    from psycopg import OperationalError, pq

    if result.status not in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
        raise OperationalError((result.error_message or b"").decode(errors="replace"))
    return result


def _is_published_reply(inquiry: Inquiry) -> bool:
    """An inquiry shows publicly only as a published reply (list, search); the many
    changes to other work orders leave the pages alone."""
    if inquiry.reply_published:
        return True
    # One attribute's history (`inspect(…).attrs` would build every attribute's state:
    # each flush of a new work order passes here).
    return any(get_history(inquiry, "reply_published", PASSIVE_NO_INITIALIZE).deleted)


def now_epoch() -> float:
    """The clock for versions, validators and the cache's day: the application's clock."""
    return utcnow().timestamp()


def bump(connection, *, retracts: bool = True) -> None:
    """Advance the version; `changed_epoch` moves to now, or one second past its last
    value when several changes fall in the same second; `retracted_version` moves with
    the version unless the change only adds (`portal.pagecache.tags`). Every process on
    this host is told first (`signal`): a change is in flight until this connection is
    returned."""
    if has_app_context():
        write_signal.begin_on(connection, current_app.extensions.get("pagecache_signal"))
    now = int(now_epoch())
    retracted = _TABLE.c.version + 1 if retracts else _TABLE.c.retracted_version
    result = connection.execute(
        update(_TABLE).where(_TABLE.c.id == SINGLETON_ID).values(
            version=_TABLE.c.version + 1,
            changed_epoch=case((_TABLE.c.changed_epoch >= now, _TABLE.c.changed_epoch + 1),
                               else_=now),
            retracted_version=retracted))
    if result.rowcount == 0:  # the row is made by migration 0011; a bare schema lacks it
        connection.execute(insert(_TABLE).values(id=SINGLETON_ID, version=1,
                                                 changed_epoch=now, retracted_version=1))


_BUMP_TAG_SQL = text(
    "INSERT INTO content_tags (tag, version) VALUES (:tag, 1) "
    "ON CONFLICT (tag) DO UPDATE SET version = content_tags.version + 1")


def bump_tags(connection, tags, *, retracts: bool = True) -> None:
    """Advance each tag's version (in a fixed order, so two writers never deadlock), and
    the content version with them (`bump`)."""
    if not tags:
        return
    bump(connection, retracts=retracts)
    for tag in sorted(tags):
        connection.execute(_BUMP_TAG_SQL, {"tag": tag[:80]})


def on_before_flush(session: Session, _flush_context, _instances) -> None:
    from portal.pagecache.tags import changed_by

    change = changed_by(session)
    if change.tags:  # when the flush writes its first row (`portal.first_write`)
        first_write.defer(session, functools.partial(
            bump_tags, tags=change.tags, retracts=change.retracts))


def install(target) -> None:
    """Listen on `target` (the application's scoped session), and on every pool's
    checkin for the end of a change in flight; idempotent."""
    if not event.contains(target, "before_flush", on_before_flush):
        event.listen(target, "before_flush", on_before_flush)
    if not event.contains(Pool, "checkin", write_signal.on_checkin):
        event.listen(Pool, "checkin", write_signal.on_checkin)


class VersionReader:
    """Reads (version, changed_epoch) cheaply: one dedicated autocommit connection per
    process and thread, kept open; a broken one is dropped and reopened next time."""

    def __init__(self, engine_of) -> None:
        self._engine_of = engine_of  # called inside a request: the app's engine
        self._engine = None  # kept, so the WSGI fast path can read without an app context
        self._local = threading.local()
        self.lineage = None  # a pagecache.lineage.Lineage, told every state read
        self.signal = None  # a pagecache.signal.WriteSignal: when reading may be skipped

    @property
    def ready(self) -> bool:
        """Whether a request has already given us the engine (the WSGI fast path cannot)."""
        return self._engine is not None

    def read(self) -> tuple[int, int] | None:
        """The current version, or None when it cannot be read (then nothing is cached).
        The last one read is reused while the host's write signal shows that nothing can
        have changed since (`portal.pagecache.signal`), for at most a second."""
        signal, local = self.signal, self._local
        word = None if signal is None else signal.word()
        kept = getattr(local, "kept", None)
        if word is not None and kept is not None and kept[0] == word \
                and monotonic() < kept[2]:
            return kept[1]
        local.kept = None
        state = self._read()
        if word is not None and state is not None:
            if write_signal.idle(word):
                local.kept = (word, state, monotonic() + write_signal.READ_AT_LEAST_EVERY)
            else:
                signal.sweep()
            signal.check_file()
        return state

    def _read(self) -> tuple[int, int] | None:
        try:
            connection = self._connection()
            if self._local.pgconn is not None:
                rows = self._prepared(b"portal_version", _READ_SQL)
            else:
                rows = _cursor_rows(connection, _READ_SQL, ())
        except Exception:  # the cache is an optimisation: never fail the page for it
            log.exception("content version unreadable; serving uncached")
            self._discard()
            return None
        if not rows:
            return None
        state = int(rows[0][0]), int(rows[0][1])
        if self.lineage is not None:
            self.lineage.see(state)
        return state

    def read_tags(self, tags) -> tuple[int, dict[str, int]] | None:
        """The content version and the versions of `tags` (a missing tag is at 0), read in
        one statement, so both belong to the same committed moment; None when unreadable."""
        tags = list(tags)
        try:
            connection = self._connection()
            if self._local.pgconn is not None:
                rows = self._prepared(b"portal_tags", _TAGS_SQL, _text_array(tags))
            else:
                # The marks are placeholders; the tags are passed as parameters.
                mark = "?" if self._engine.dialect.paramstyle == "qmark" else "%s"
                marks = ", ".join([mark] * len(tags))
                sql = (f"{_VERSION_SQL} UNION ALL SELECT tag, version FROM content_tags "  # nosec B608
                       f"WHERE tag IN ({marks})") if tags else _VERSION_SQL
                rows = _cursor_rows(connection, sql, tags)
        except Exception:  # the cache is an optimisation: never fail the page for it
            log.exception("page tags unreadable; serving uncached")
            self._discard()
            return None
        versions = {str(tag): int(version) for tag, version in rows}
        version = versions.pop("", None)
        if version is None:
            return None
        return version, versions

    def _prepared(self, name: bytes, sql: str, *params: str) -> list[tuple]:
        """PostgreSQL: the rows of `sql`, prepared once per connection under `name` and run
        through libpq itself with text parameters. This costs a third less of the
        worker's time than a driver cursor, and it runs for every page served from the
        cache."""
        local = self._local
        if name not in local.prepared:
            _succeeded(local.pgconn.prepare(name, sql.encode(), None))
            local.prepared.add(name)
        result = _succeeded(local.pgconn.exec_prepared(name, [p.encode() for p in params]))
        return [tuple(result.get_value(row, column).decode()
                      for column in range(result.nfields)) for row in range(result.ntuples)]

    def _connection(self):
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # never share one across a fork
            local.connection, local.pid = None, os.getpid()
        if local.connection is None:
            if self._engine is None:
                self._engine = self._engine_of()
            engine = self._engine
            connection = engine.raw_connection()
            local.pgconn, local.prepared = None, set()
            if engine.dialect.name == "postgresql":
                connection.driver_connection.autocommit = True
                local.pgconn = getattr(connection.driver_connection, "pgconn", None)
            # SQLite connections already run in autocommit (portal.database).
            local.connection = connection
        return local.connection

    def release(self) -> None:
        """Close this thread's connection and the write signal's file (gunicorn's master,
        before it forks)."""
        self._discard()
        if self.signal is not None:
            self.signal.release()

    def _discard(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            try:
                connection.invalidate()
            except Exception:
                log.debug("closing a broken version connection failed", exc_info=True)
