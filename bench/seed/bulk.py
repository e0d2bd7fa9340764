"""Chunked Core inserts with explicit ids, and the engine settings for a bulk load.

Every table gets ids chosen here (one past the largest in use), so rows can point at each
other without RETURNING a million ids; on PostgreSQL the id sequences are moved past them
afterwards (`finish`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from itertools import islice
from operator import itemgetter

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from portal.timeutil import UTCDateTime

CHUNK = 5_000


def next_id(conn: Connection, table: sa.Table) -> int:
    return (conn.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1


def chunks(rows: Iterable, size: int = CHUNK) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Loader:
    """Writes rows chunk by chunk, committing after each, and reports progress."""

    def __init__(self, conn: Connection, on_progress: Callable[[int], None] | None = None):
        self.conn = conn
        self.on_progress = on_progress or (lambda _n: None)
        self.is_postgresql = conn.dialect.name == "postgresql"
        self.touched: set[sa.Table] = set()

    def insert(self, table: sa.Table, rows: list[dict], *, progress: bool = False) -> None:
        if not rows:
            return
        if self.is_postgresql:
            self.conn.execute(sa.insert(table), rows)
        else:
            _sqlite_executemany(self.conn, table, rows)
        self.touched.add(table)
        if progress:
            self.on_progress(len(rows))

    def execute_many(self, statement, rows: list[dict]) -> None:
        if rows:
            self.conn.execute(statement, rows)

    def commit(self) -> None:
        self.conn.commit()

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the ids written here."""
        if self.is_postgresql:
            for table in self.touched:
                if "id" in table.c and table.c.id.autoincrement in (True, "auto"):
                    # table names from our metadata, not input
                    self.conn.execute(sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # nosec B608
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"))
        self.conn.commit()


def _utc_text(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite DATETIME text for an aware datetime, stored as naive UTC."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _date_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _json_text(value) -> str | None:
    if value is None:
        return None
    return "[]" if value == [] else json.dumps(value)


def _converter(column: sa.Column):
    """How a Python value becomes what SQLAlchemy's SQLite dialect would store. Booleans
    need nothing: sqlite3 stores True and False as 1 and 0."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return _utc_text
    if isinstance(kind, sa.Date):
        return _date_text
    if isinstance(kind, sa.JSON):
        return _json_text
    return None  # str, int, bool, str enums (their values are str) go as they are


def _sqlite_executemany(conn: Connection, table: sa.Table, rows: list[dict]) -> None:
    """The DBAPI's executemany with values converted here: a million rows through
    SQLAlchemy's per-value bind processing would cost more than the load itself."""
    names = list(rows[0])
    values = [list(row) for row in map(itemgetter(*names), rows)] if len(names) > 1 \
        else [[row[names[0]]] for row in rows]
    for position, name in enumerate(names):
        convert = _converter(table.c[name])
        if convert is not None:
            for row in values:
                row[position] = convert(row[position])
    # table and column names from our metadata; every value is a bound parameter
    statement = (f"INSERT INTO {table.name} ({', '.join(names)}) "  # nosec B608
                 f"VALUES ({', '.join('?' for _ in names)})")
    conn.exec_driver_sql(statement, [tuple(row) for row in values])


@contextmanager
def load_settings(conn: Connection):
    """SQLite: no fsync and a large page cache while loading (a crash means seeding again),
    foreign keys checked by the seed's own construction rather than per row; restored
    afterwards, since the pool hands this connection out again. Nothing on PostgreSQL."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.execute("PRAGMA synchronous=OFF")
    raw.execute("PRAGMA cache_size=-262144")
    raw.execute("PRAGMA temp_store=MEMORY")
    try:
        yield
    finally:
        conn.rollback()  # after a failure, so the settings can be restored
        raw.execute("PRAGMA cache_size=-2000")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA foreign_keys=ON")
