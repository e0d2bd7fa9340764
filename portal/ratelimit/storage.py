"""Rate-limit counters in the application's own SQL database, shared by every worker.

A `limits` storage (fixed-window strategy only) over one table,
`rate_limit_counters (key, count, expires_at)`, created by migration 0003. Each
`incr` is one atomic statement, `INSERT … ON CONFLICT (key) DO UPDATE … RETURNING count`
(SQLite ≥ 3.35 and PostgreSQL), so two workers counting the same client at the same
moment both see a distinct, correct total — no Redis or memcached needed.

The storage has its own engine, not the request's `db.session`: the limiter counts in
`before_request` and the count must be committed at once, whatever the request does
afterwards. On SQLite that engine uses WAL and a busy timeout, and writes begin with
`BEGIN IMMEDIATE`, so concurrent workers queue for the write lock instead of failing;
reads begin deferred and never wait for a writer.

Expired rows are purged opportunistically: about one `incr` in `purge_one_in` (200)
also deletes every row whose window has ended. A row that outlives its window is
harmless meanwhile — every read and the upsert itself treat it as absent.

URI: ``portal-sql+`` followed by a SQLAlchemy URL, e.g.
``portal-sql+sqlite:////srv/portal/instance/portal.db`` or
``portal-sql+postgresql+psycopg://portal:***@127.0.0.1/portal``.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable
from typing import ClassVar

import sqlalchemy as sa
from limits.storage import Storage
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

SCHEME = "portal-sql"
DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg",
           "postgresql+psycopg2")
KEY_LENGTH = 255
PURGE_ONE_IN = 200
SQLITE_BUSY_TIMEOUT_MS = 10_000

# Engine execution option marking the engine whose transactions will write.
_WRITE_OPTION = "portal_ratelimit_write"

_UPSERT = sa.text("""
    INSERT INTO rate_limit_counters (key, count, expires_at)
    VALUES (:key, :fresh, :expires_at)
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN rate_limit_counters.expires_at <= :now THEN :fresh
                     ELSE rate_limit_counters.count + :amount END,
        expires_at = CASE WHEN rate_limit_counters.expires_at <= :now THEN :expires_at
                          ELSE rate_limit_counters.expires_at END
    RETURNING count
""")
_SELECT = sa.text(
    "SELECT count, expires_at FROM rate_limit_counters WHERE key = :key AND expires_at > :now")
_PURGE = sa.text("DELETE FROM rate_limit_counters WHERE expires_at < :now")
_CLEAR = sa.text("DELETE FROM rate_limit_counters WHERE key = :key")
_RESET = sa.text("DELETE FROM rate_limit_counters")
_CHECK = sa.text("SELECT 1 FROM rate_limit_counters LIMIT 1")

logger = logging.getLogger(__name__)


def storage_uri(database_url: str) -> str:
    """The storage URI counting in the database at `database_url` (a SQLAlchemy URL)."""
    return f"{SCHEME}+{database_url}"


def row_key(key: str) -> str:
    """The key as stored: keys longer than the column keep a readable head and a hash."""
    if len(key) <= KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[:KEY_LENGTH - len(digest) - 1]}#{digest}"


class SQLStorage(Storage):
    """`limits` storage over the `rate_limit_counters` table (fixed window only).

    Options (Flask-Limiter passes `RATELIMIT_STORAGE_OPTIONS` through): `engine_options`
    for `create_engine`; `purge_one_in` (0 = never purge); `clock`, for tests.
    """

    STORAGE_SCHEME: ClassVar[list[str]] = [f"{SCHEME}+{driver}" for driver in DRIVERS]

    def __init__(self, uri: str, wrap_exceptions: bool = False, *,
                 engine_options: dict | None = None,
                 purge_one_in: int = PURGE_ONE_IN,
                 clock: Callable[[], float] = time.time,
                 **_options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        url = sa.engine.make_url(uri.removeprefix(f"{SCHEME}+"))
        self._engine = sa.create_engine(url, **(engine_options or {}))
        if self._engine.dialect.name == "sqlite":
            _configure_sqlite(self._engine)
        self._writer = self._engine.execution_options(**{_WRITE_OPTION: True})
        self.purge_one_in = purge_one_in
        self.clock = clock

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` to the key's count and return the new count; a key that is
        missing or whose window has ended starts a new window of `expiry` seconds."""
        now = self.clock()
        with self._writer.begin() as conn:
            # A count given back (amount -1) after its window ended starts the next at 0.
            count = conn.execute(_UPSERT, {"key": row_key(key), "amount": amount,
                                           "fresh": max(amount, 0), "now": now,
                                           "expires_at": now + expiry}).scalar_one()
        if self.purge_one_in and random.randrange(self.purge_one_in) == 0:
            self.purge_expired()
        return count

    def get(self, key: str) -> int:
        row = self._current(key)
        return row.count if row else 0

    def get_expiry(self, key: str) -> float:
        """When the key's window ends (seconds since the epoch); now if it has none."""
        row = self._current(key)
        return row.expires_at if row else self.clock()

    def check(self) -> bool:
        try:
            with self._engine.connect() as conn:
                conn.execute(_CHECK)
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int:
        with self._writer.begin() as conn:
            return conn.execute(_RESET).rowcount

    def clear(self, key: str) -> None:
        with self._writer.begin() as conn:
            conn.execute(_CLEAR, {"key": row_key(key)})

    def purge_expired(self) -> None:
        """Delete rows whose window has ended. Best effort: a failure is only logged,
        since the count that mattered is already committed."""
        try:
            with self._writer.begin() as conn:
                conn.execute(_PURGE, {"now": self.clock()})
        except SQLAlchemyError:
            logger.warning("could not purge expired rate-limit counters", exc_info=True)

    def dispose(self) -> None:
        """Close the storage's pooled connections."""
        self._engine.dispose()

    def _current(self, key: str) -> sa.Row | None:
        with self._engine.connect() as conn:
            return conn.execute(_SELECT, {"key": row_key(key), "now": self.clock()}).first()


def _configure_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let the "begin" listener below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        write = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
