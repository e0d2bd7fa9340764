"""Copying the database out and back, per engine.

SQLite: the online backup API copies a consistent snapshot while the site keeps
writing (WAL: the copy never blocks writers); restore writes a temporary file beside the
target, checks it, then renames it over the target. PostgreSQL: `pg_dump -Fc` inside an
exported snapshot, so the manifest's audit head and schema revision describe exactly
the dumped data; restore with `pg_restore --clean --if-exists` in one transaction.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from portal.attachments.storage import fsync_folder
from portal.audit.models import GENESIS_HASH
from portal.backup.archive import BadArchive, Manifest, extract
from portal.errors import DomainError
from portal.extensions import db

# Tables whose rows mean "someone's data lives here": every record belongs to an
# organization, every action leaves an audit event. Migrations seed other tables.
DATA_TABLES = ("organizations", "users", "audit_events")
FACT_QUERIES = {
    "revision": "SELECT version_num FROM alembic_version",
    "head": "SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1",
    "checkpoint": "SELECT last_purged_hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1",
    "events": "SELECT count(*) FROM audit_events",
}
BUSY_TIMEOUT_MS = 30000


class ToolFailed(DomainError):
    status = 500


@dataclass
class Snapshot:
    """What the copied data says about itself (written into the manifest)."""

    schema_revision: str
    audit_head: str
    audit_events: int


def _facts(run) -> Snapshot:
    """`run(sql)` returns the first column of the first row (or None)."""
    head = run(FACT_QUERIES["head"]) or run(FACT_QUERIES["checkpoint"]) or GENESIS_HASH
    return Snapshot(schema_revision=run(FACT_QUERIES["revision"]) or "", audit_head=head,
                    audit_events=int(run(FACT_QUERIES["events"]) or 0))


class SqliteDatabase:
    engine = "sqlite"
    member = "database.sqlite3"

    def __init__(self, url: sa.URL):
        self.path = Path(url.database or "")

    def dump(self, target: Path) -> Snapshot:
        source = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # one step: a consistent snapshot, writers not blocked
            return _facts(lambda sql: (copy.execute(sql).fetchone() or [None])[0])
        finally:
            copy.close()
            source.close()

    def is_empty(self) -> bool:
        if not self.path.is_file() or self.path.stat().st_size == 0:
            return True
        with sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000) as conn:
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            # table names from the fixed DATA_TABLES list, not input
            return not any(conn.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone()  # nosec B608
                           for table in DATA_TABLES if table in tables)

    def restore(self, archive: Path, manifest: Manifest) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(f".{self.path.name}.restore")
        extract(archive, manifest, {manifest.database_member: temp})
        try:
            verdict = integrity_of(temp)
            if verdict != "ok":
                raise BadArchive(f"备份中的数据库未通过完整性检查：{verdict}")
            db.engine.dispose()
            # The old file's write-ahead log belongs to the old data.
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            os.replace(temp, self.path)
            fsync_folder(self.path.parent)
        finally:
            temp.unlink(missing_ok=True)

    def integrity(self) -> str:
        return integrity_of(self.path)


def integrity_of(path: Path) -> str:
    """PRAGMA integrity_check of a SQLite file: "ok" or the problems found."""
    try:
        with sqlite3.connect(path) as conn:
            rows = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        return str(error)
    return "ok" if rows == ["ok"] else "; ".join(rows[:5])


def pg_tool(name: str) -> str:
    """Debian's pg_dump/pg_restore: the wrapper on PATH, else the newest versioned one."""
    found = shutil.which(name) or next(iter(sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise ToolFailed(f"找不到 {name}。请安装 PostgreSQL 客户端（Debian：apt-get install "
                         "postgresql-client），版本须与服务器一致。")
    return found


class PostgresDatabase:
    engine = "postgresql"
    member = "database.pgdump"

    def __init__(self, url: sa.URL):
        self.url = url

    def _libpq(self) -> tuple[str, dict]:
        """A libpq connection URL without the password, and the environment carrying it
        (so it never appears in a process listing)."""
        env = dict(os.environ)
        if self.url.password:
            env["PGPASSWORD"] = str(self.url.password)
        plain = self.url.set(drivername="postgresql", password=None)
        return plain.render_as_string(hide_password=False), env

    def _run(self, command: list[str], what: str) -> None:
        _url, env = self._libpq()
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise ToolFailed(f"{what}失败：{result.stderr.strip()[-1500:]}")

    def dump(self, target: Path) -> Snapshot:
        url, _env = self._libpq()
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot_id = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
                facts = _facts(lambda sql: conn.exec_driver_sql(sql).scalar())
                self._run([pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot_id}",
                           f"--file={target}", f"--dbname={url}"], "pg_dump 导出")
        return facts

    def is_empty(self) -> bool:
        with db.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            # table names from the fixed DATA_TABLES list, not input
            return not any(conn.exec_driver_sql(f'SELECT 1 FROM "{table}" LIMIT 1').first()  # nosec B608
                           for table in DATA_TABLES if table in tables)

    def restore(self, archive: Path, manifest: Manifest) -> None:
        url, _env = self._libpq()
        with tempfile.TemporaryDirectory(prefix="portal-restore-") as work:
            dump = Path(work) / self.member
            extract(archive, manifest, {manifest.database_member: dump})
            db.engine.dispose()
            self._run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
                       "--no-privileges", "--single-transaction", "--exit-on-error",
                       f"--dbname={url}", str(dump)], "pg_restore 恢复")

    def integrity(self) -> str:
        return "不适用（PostgreSQL）"


def for_app() -> SqliteDatabase | PostgresDatabase:
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        return SqliteDatabase(url)
    if url.get_backend_name() == "postgresql":
        return PostgresDatabase(url)
    raise ToolFailed(f"不支持备份 {url.get_backend_name()} 数据库。")
