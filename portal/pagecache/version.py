"""The shared invalidation signal for every worker's page cache.

Writing: a `before_flush` listener on the application's session bumps the single
`content_versions` row whenever the flush inserts, changes or deletes anything residents
can read (disclosures, village notices, consultations, execution tasks, the catalogue,
organizations, stored files, and inquiries whose reply is or was published). It runs
inside the flush, so the bump commits — or rolls back — together with the publication,
withdrawal or edit itself, whichever service, CLI command or import made it.
Over-counting (a draft saved) only costs a cache refill. Bulk Core writes that bypass the
session (the bench seed) must call `bump` themselves or run before the workers start.

Reading: `VersionReader.read()` runs one primary-key SELECT on a connection of its own in
autocommit mode, so every request sees the latest committed version without opening a
transaction. A page rendered afterwards can only show content as new as that version or
newer, never older, so a page stored under version N never shows a document withdrawn in N.
"""

from __future__ import annotations

import logging
import os
import threading

from sqlalchemy import case, event, insert, inspect, update
from sqlalchemy.orm import Session

from portal.inquiries.models import Inquiry
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


def _is_public(obj) -> bool:
    if isinstance(obj, Inquiry):
        return _is_published_reply(obj)
    return type(obj).__module__ in PUBLIC_MODULES


def _is_published_reply(inquiry: Inquiry) -> bool:
    """An inquiry shows publicly only as a published reply (list, search); the many
    changes to other work orders leave the pages alone."""
    history = inspect(inquiry).attrs.reply_published.history
    return bool(inquiry.reply_published) or any(history.deleted)


def touches_public_content(session: Session) -> bool:
    if any(_is_public(obj) for obj in session.new) or any(
            _is_public(obj) for obj in session.deleted):
        return True
    return any(_is_public(obj) and session.is_modified(obj) for obj in session.dirty)


def now_epoch() -> float:
    """The clock for versions, validators and the cache's day: the application's clock."""
    return utcnow().timestamp()


def bump(connection) -> None:
    """Advance the version; `changed_epoch` moves to now, or one second past its last
    value when several changes fall in the same second."""
    now = int(now_epoch())
    result = connection.execute(
        update(_TABLE).where(_TABLE.c.id == SINGLETON_ID).values(
            version=_TABLE.c.version + 1,
            changed_epoch=case((_TABLE.c.changed_epoch >= now, _TABLE.c.changed_epoch + 1),
                               else_=now)))
    if result.rowcount == 0:  # the row is made by migration 0011; a bare schema lacks it
        connection.execute(insert(_TABLE).values(id=SINGLETON_ID, version=1,
                                                 changed_epoch=now))


def on_before_flush(session: Session, _flush_context, _instances) -> None:
    if touches_public_content(session):
        bump(session.connection())


def install(target) -> None:
    """Listen on `target` (the application's scoped session); idempotent."""
    if not event.contains(target, "before_flush", on_before_flush):
        event.listen(target, "before_flush", on_before_flush)


class VersionReader:
    """Reads (version, changed_epoch) cheaply: one dedicated autocommit connection per
    process and thread, kept open; a broken one is dropped and reopened next time."""

    def __init__(self, engine_of) -> None:
        self._engine_of = engine_of  # called inside a request: the app's engine
        self._engine = None  # kept, so the WSGI fast path can read without an app context
        self._local = threading.local()

    @property
    def ready(self) -> bool:
        """Whether a request has already given us the engine (the WSGI fast path cannot)."""
        return self._engine is not None

    def read(self) -> tuple[int, int] | None:
        """The current version, or None when it cannot be read (then nothing is cached)."""
        try:
            cursor = self._connection().cursor()
            try:
                cursor.execute(_READ_SQL)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except Exception:  # the cache is an optimisation: never fail the page for it
            log.exception("content version unreadable; serving uncached")
            self._discard()
            return None
        return (int(row[0]), int(row[1])) if row else None

    def _connection(self):
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # never share one across a fork
            local.connection, local.pid = None, os.getpid()
        if local.connection is None:
            if self._engine is None:
                self._engine = self._engine_of()
            engine = self._engine
            connection = engine.raw_connection()
            if engine.dialect.name == "postgresql":
                connection.driver_connection.autocommit = True
            # SQLite connections already run in autocommit (portal.database).
            local.connection = connection
        return local.connection

    def _discard(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            try:
                connection.invalidate()
            except Exception:
                log.debug("closing a broken version connection failed", exc_info=True)
