"""The inspector's dashboard, kept per process while it is still exactly right.

The figures change for two reasons only:
- a committed change to what they are computed from: work orders (and their SLA
  policies), organizations, handlers' display names, the working-day calendar's
  overrides. A `before_flush` listener bumps the work-order version (row
  `WORK_ORDERS_ID` of `content_versions`) in the same transaction as such a change,
  whichever service, CLI command or import made it (as the flush writes its first row,
  `portal.first_write`);
- time: a running work order, or one consulting a third party past its allowance,
  becomes overdue when now passes its sign-for or reply deadline, and 舆情 items become due
  soon two hours before theirs; the day-based due-soon cutoff moves only when the Beijing
  day changes.

A snapshot is therefore stored with the version it was computed under, the instant it was
computed and the first instant at which a figure could change with no database change
(`valid_until`, found in SQL together with the figures). It is served only for the same
version while `computed_at <= now < valid_until`, so what it shows is always what a fresh
computation would show. Each worker process fills its own store.

The version is read in the request's own transaction before the figures are computed, so
a snapshot stored under version N never lacks a change committed as N.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, event, insert, inspect, select, update
from sqlalchemy.orm import Session

from portal import first_write
from portal.pagecache.models import ContentVersion
from portal.timeutil import utcnow

WORK_ORDERS_ID = 2  # row 1 is the public content version (portal.pagecache.version)
# The lists of late disclosures and missed village postings: their own version, so a
# work order changing (every few seconds in a county) does not throw them away.
LISTS_ID = 3
# Model modules the figures are computed from.
DEPENDENT_MODULES = frozenset({
    "portal.inquiries.models",
    "portal.annual_report.models",  # the registered 复议/诉讼 cases of the annual report
    "portal.organizations.models",
    "portal.workdays.models",
})
# Model modules the lists are computed from: disclosures whatever their state (a draft
# past its deadline is late), village notices and posting rules, the units (names,
# publishers, which villages lie under a path), the working-day calendar.
LIST_MODULES = frozenset({
    "portal.disclosures.models",
    "portal.villages.models",
    "portal.organizations.models",
    "portal.workdays.models",
})
# The 督办 notices and the late enforcement decisions: their own version, moved by
# supervision notices, enforcement registers, the units and the working-day calendar.
NOTICES_ID = 4
NOTICE_MODULES = frozenset({
    "portal.enforcement.models",
    "portal.organizations.models",
    "portal.workdays.models",
})
MAX_SNAPSHOTS = 64
_TABLE = ContentVersion.__table__


def _is_dependency(obj, *, modified: bool = False) -> bool:
    if type(obj).__module__ in DEPENDENT_MODULES:
        return True
    from portal.auth.models import User

    if isinstance(obj, User):  # logins change users all the time; only the name is shown
        return not modified or inspect(obj).attrs.display_name.history.has_changes()
    return False


def touches_work_orders(session: Session) -> bool:
    if any(_is_dependency(obj) for obj in session.new) or any(
            _is_dependency(obj) for obj in session.deleted):
        return True
    return any(_is_dependency(obj, modified=True) and session.is_modified(obj)
               for obj in session.dirty)


def _touches(session: Session, listed) -> bool:
    return (any(map(listed, session.new)) or any(map(listed, session.deleted))
            or any(listed(obj) and session.is_modified(obj) for obj in session.dirty))


def touches_lists(session: Session) -> bool:
    return _touches(session, lambda obj: type(obj).__module__ in LIST_MODULES)


def touches_notices(session: Session) -> bool:
    from portal.inspection.models import SupervisionNotice

    return _touches(session, lambda obj: isinstance(obj, SupervisionNotice)
                    or type(obj).__module__ in NOTICE_MODULES)


def bump(connection, row_id: int = WORK_ORDERS_ID) -> None:
    """Advance the work-order version, or another of this module's versions (creating its
    row on a bare schema)."""
    result = connection.execute(_BUMP, {"row_id": row_id})
    if result.rowcount == 0:
        connection.execute(insert(_TABLE).values(id=row_id, version=1, changed_epoch=0))


_BUMP = update(_TABLE).where(_TABLE.c.id == bindparam("row_id")).values(
    version=_TABLE.c.version + 1)  # built once: every change to a work order runs it
_VERSIONS_READ = select(ContentVersion.id, ContentVersion.version)  # every dashboard view
_UNCOMMITTED = "work_orders_changed"  # session.info: this transaction bumped the version
_VERSIONS = "snapshot_versions"  # session.info: the versions this transaction read


def on_before_flush(session: Session, _flush_context, _instances) -> None:
    """Bump each version the flush changes: when it writes its first row, not now
    (`portal.first_write`); every writer of work orders waits on row 2."""
    for touches, row_id in ((touches_work_orders, WORK_ORDERS_ID),
                            (touches_lists, LISTS_ID), (touches_notices, NOTICES_ID)):
        if touches(session):
            first_write.defer(session, functools.partial(bump, row_id=row_id))
            session.info[_UNCOMMITTED] = True


def on_transaction_over(session: Session) -> None:
    session.info.pop(_UNCOMMITTED, None)


def forget_versions(session: Session, _transaction) -> None:
    """Whatever ends a transaction (commit, rollback, close), the next one reads again."""
    session.info.pop(_VERSIONS, None)


def install(target) -> None:
    """Listen on `target` (the application's scoped session); idempotent."""
    for name, listener in (("before_flush", on_before_flush),
                           ("after_commit", on_transaction_over),
                           ("after_rollback", on_transaction_over),
                           ("after_transaction_end", forget_versions)):
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)


def current_version(row_id: int = WORK_ORDERS_ID) -> int:
    """The committed work-order version (or another of this module's versions), read in
    the current transaction: all versions in one query, the first time one is asked for;
    a commit or a rollback forgets them."""
    from portal.extensions import db

    versions = db.session.info.get(_VERSIONS)
    if versions is None:
        versions = {row_id: version for row_id, version in db.session.execute(_VERSIONS_READ)}
        db.session.info[_VERSIONS] = versions
    return versions.get(row_id) or 0


@dataclass(frozen=True)
class Snapshot:
    version: object
    computed_at: datetime
    valid_until: datetime
    value: object

    def serves(self, version, now: datetime) -> bool:
        return self.version == version and self.computed_at <= now < self.valid_until


class SnapshotStore:
    """A small thread-safe LRU of snapshots, one per key (scope paths, year), in front of
    the files shared by the host's workers (`portal.inspection.shared`), if any."""

    def __init__(self, limit: int = MAX_SNAPSHOTS, shared=None) -> None:
        self._items: OrderedDict[tuple, Snapshot] = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit
        self.shared = shared

    def get(self, key: tuple, version, now: datetime):
        with self._lock:
            snapshot = self._items.get(key)
            if snapshot is None or not snapshot.serves(version, now):
                return None
            self._items.move_to_end(key)
            return snapshot.value

    def put(self, key: tuple, snapshot: Snapshot) -> None:
        with self._lock:
            self._items[key] = snapshot
            self._items.move_to_end(key)
            while len(self._items) > self._limit:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
        if self.shared is not None:
            self.shared.clear()


def public_version() -> int:
    """The committed public content version (portal.pagecache), in this transaction."""
    from portal.pagecache.models import SINGLETON_ID

    return current_version(SINGLETON_ID)


class Codec(NamedTuple):
    """How a snapshot's value becomes the text of a shared file and back."""

    dumps: Callable[[object], str]
    loads: Callable[[str], object]


TEXT = Codec(lambda value: value, lambda text: text)  # rendered HTML (Markup kept)


def cached(key: tuple, compute, *, public: bool = False, version_id: int = WORK_ORDERS_ID,
           shared: Codec | None = None):
    """The snapshot for `key`, or `compute(now)` → (value, valid_until), stored, for the
    version `version_id` (the work orders', `LISTS_ID` or `NOTICES_ID`). With `public`,
    the value also depends on public content, so both versions must match. With a
    `shared` codec (`TEXT` for rendered HTML), the host's other workers read what one of
    them computed, and wait for it rather than compute it too. Outside an application
    that set up a store, always computes."""
    from flask import current_app, has_app_context

    now = utcnow()
    store = current_app.extensions.get("dashboard_snapshots") if has_app_context() else None
    if store is None:
        return compute(now)[0]
    from portal.extensions import db

    if db.session.info.get(_UNCOMMITTED):  # figures with changes that may yet roll back
        return compute(now)[0]
    version = current_version(version_id)
    if public:
        version = (version, public_version())
    value = store.get(key, version, now)
    if value is not None:
        return value
    files = store.shared if shared is not None else None
    found = None if files is None else files.get(key, version, now)
    if files is not None and found is None:
        with files.computing(key):
            now = utcnow()  # the wait may have been long
            found = files.get(key, version, now)
            if found is None:
                value, valid_until = compute(now)
                text = shared.dumps(value)
                files.put(key, version, now, valid_until, text)
                value = shared.loads(text)  # kept as the other workers keep it (compact)
    elif files is None:
        value, valid_until = compute(now)
    if found is not None:
        text, now, valid_until = found
        value = shared.loads(text)
    store.put(key, Snapshot(version, now, valid_until, value))
    return value


def init_app(app) -> None:
    from portal.extensions import db
    from portal.inspection import shared

    install(db.session)
    app.extensions["dashboard_snapshots"] = SnapshotStore(shared=shared.for_app(app))
