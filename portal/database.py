"""Engine behaviour per backend.

SQLite is the embedded engine: WAL so readers never wait for the writer, a busy timeout,
and `BEGIN IMMEDIATE` for transactions that will write, so two writers queue on the lock
instead of failing half-way with "database is locked" (a writer still waiting after
SQLITE_BUSY_TIMEOUT_MS gets "database is locked", which the error handler answers with
503 and Retry-After: nothing was written). Requests with a safe method (GET,
HEAD, OPTIONS) begin deferred read transactions; everything else — form posts, CLI
commands, services called directly — begins immediate.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from flask import Flask, has_request_context, request
from sqlalchemy import event

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_read_only: ContextVar[bool] = ContextVar("read_only", default=False)


def _wants_write() -> bool:
    if _read_only.get():
        return False
    return not (has_request_context() and request.method in SAFE_METHODS)


@contextmanager
def read_only() -> Iterator[None]:
    """For commands that only read (`audit verify`, `audit head`): begin deferred, so a
    long check on a live SQLite site does not hold the write lock and stall writers."""
    token = _read_only.set(True)
    try:
        yield
    finally:
        _read_only.reset(token)


@contextmanager
def reads_first() -> Iterator[None]:
    """Reads that prepare a write (looking up the place, a form's token, the deadlines in
    force), in a transaction of their own: deferred on SQLite, so the write transaction
    that follows (BEGIN IMMEDIATE) holds the database's write lock for the writes only,
    and other residents' submissions wait less. It ends without expiring what it loaded,
    which is then as current as any read made just before a write.

    Inside a transaction already begun it is that transaction (nothing to split). The
    reads may not change anything: a pending change raises RuntimeError. Reads that raise
    are rolled back, so their error (a lost connection: 503) is the one the caller sees."""
    from portal.extensions import db

    session = db.session()
    if session.in_transaction() or _read_only.get():
        yield
        return
    token = _read_only.set(True)
    try:
        yield
    except BaseException:
        _read_only.reset(token)
        session.rollback()  # failed reads keep nothing; a commit on a lost connection fails
        raise
    _read_only.reset(token)
    _end_reads(session)


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds, for a service whose caller shows
    what it just wrote (a resident's receipt): every attribute is what the commit stored,
    and reading it back would cost a transaction of its own."""
    from portal.extensions import db

    _commit_without_expiring(db.session())


def _commit_without_expiring(session) -> None:
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def end_reads_keeping_loaded(session) -> None:
    """End the session's transaction, if any, keeping what it loaded; one holding changes
    not yet flushed is rolled back instead."""
    if not session.in_transaction():
        return
    if session.new or session.dirty or session.deleted:
        session.rollback()
    else:
        _commit_without_expiring(session)


def _end_reads(session) -> None:
    """End the read transaction, keeping what it loaded; roll back and refuse if the
    reads changed anything."""
    if session.new or session.dirty or session.deleted:
        session.rollback()
        raise RuntimeError("reads_first: the reads changed the session")
    _commit_without_expiring(session)  # nothing to write: only ends the read transaction


def forget_connections(app: Flask, *, close: bool = False) -> None:
    """Drop every pooled connection: the engines' and the rate limiter's. After a fork
    they are not closed (`dispose(close=False)`), so a socket or SQLite handle is never
    used by two processes; the page cache's version connection is per process already
    (portal.pagecache.version). With `close` (a worker leaving) each is closed, the
    version connection too."""
    from portal.extensions import db, limiter

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=close)
    storage = getattr(limiter, "_storage", None)
    engine = getattr(storage, "_engine", None)
    if engine is not None:
        engine.dispose(close=close)
    cache = app.extensions.get("pagecache")
    if close and cache is not None:
        _store, reader, _today = cache
        reader.release()


def configure_engine(app: Flask, engine) -> None:
    if engine.dialect.name == "postgresql":
        from portal import pgconnections

        pgconnections.configure(app, engine)
    if engine.dialect.name != "sqlite":
        return
    busy_timeout_ms = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])

    _keep_private(engine.url.database)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        if _wants_write():  # may wait for the lock and fail: SQLAlchemy wraps the error
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:  # takes no lock, so cannot fail busy: straight to the driver, on every read
            connection.connection.driver_connection.execute("BEGIN")


def _keep_private(database: str | None) -> None:
    """The SQLite file and its journal are readable by the owner only (0600); the file is
    created empty here, before the first connection, so it never exists more open."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    for path in (Path(database), Path(f"{database}-wal"), Path(f"{database}-shm")):
        if path == Path(database) and not path.exists():
            path.touch(mode=0o600)
        if path.exists() and path.stat().st_mode & 0o077:
            path.chmod(0o600)


def is_postgresql() -> bool:
    from portal.extensions import db

    return db.engine.dialect.name == "postgresql"


def release_sessions_safely(app: Flask) -> None:
    """Close the request's session without letting a dead connection turn a finished
    page into a 500.

    When PostgreSQL restarts (or drops the connection) after the view has built its
    response, the ROLLBACK that closing the session sends fails. The response is already
    right — a read completed, or a write committed — so the failure is logged and the
    session discarded; the pool replaces the connection at its next checkout
    (portal.pgconnections). Registered after Flask-SQLAlchemy, so it runs before that
    extension's own teardown.
    """
    from sqlalchemy.exc import DBAPIError

    from portal.extensions import db

    @app.teardown_appcontext
    def close_session(_error):
        try:
            db.session.remove()
        except DBAPIError as error:
            app.logger.warning("database connection lost while closing the session: %s",
                               error)
            db.session.registry.clear()
