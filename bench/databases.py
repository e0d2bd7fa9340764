"""The benchmark's databases: the seeded SQLite file cached per schema revision (and the
copy each run writes to), a throw-away PostgreSQL server, and reading either."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench.processes import _port_range, free_port
from bench.settings import DATA, PASSWORD, ROOT, SECRET_KEY, log

# The PostgreSQL settings a county deploys with (README, PostgreSQL 设置).
SETTINGS_FILE = ROOT / "docs" / "deploy" / "postgresql.conf"


def schema_revision() -> str:
    """The head revision and a digest of every migration file: a cached database is reused
    only at the very same schema (a renumbered or edited migration makes a new one)."""
    import hashlib

    from alembic.script import ScriptDirectory

    digest = hashlib.sha256()
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    heads = "+".join(sorted(ScriptDirectory(str(ROOT / "migrations")).get_heads()))
    return f"{heads}-{digest.hexdigest()[:8]}"


def database_url(db: Path | str) -> str:
    """A SQLite file (Path) or a PostgreSQL URL (str)."""
    return db if isinstance(db, str) else f"sqlite:///{db}"


def rows(db: Path | str, sql: str, **params) -> list[tuple]:
    """The rows of one statement (`:name` parameters) on either database."""
    if isinstance(db, str):
        import sqlalchemy as sa

        engine = sa.create_engine(db)
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(sa.text(sql), params)]
        finally:
            engine.dispose()
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def portal_env(db_path: Path | str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_DATABASE_URL=database_url(db_path), PORTAL_SECRET_KEY=SECRET_KEY,
               PORTAL_INSTANCE_PATH=str(DATA / "instance"), PORTAL_RATELIMIT_ENABLED="0")
    return env


def flask(*args: str, db_path: Path | str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], cwd=ROOT,
                   env=portal_env(db_path), check=True)


def bench_seed(*args: str, db_path: Path | str) -> None:
    subprocess.run([sys.executable, "-m", "bench.seed", *args], cwd=ROOT,
                   env=portal_env(db_path), check=True)


def seeded_database(size: str) -> Path:
    """bench/.data/<size>-<revision>.db, seeded once; a failed seed leaves nothing behind."""
    cached = DATA / f"{size}-{schema_revision()}.db"
    if cached.exists() and os.environ.get("BENCH_RESEED") != "1":
        log(f"{size}: reusing {cached.name}")
        return cached
    DATA.mkdir(parents=True, exist_ok=True)
    building = cached.with_suffix(".building")
    for path in (building, *building.parent.glob(building.name + "-*")):
        path.unlink(missing_ok=True)
    log(f"{size}: migrating and seeding (this is done once per schema revision)")
    started = time.monotonic()
    flask("db", "upgrade", db_path=building)
    bench_seed("--size", size, "--password", PASSWORD, db_path=building)
    conn = sqlite3.connect(building)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()  # the last connection removes the -wal and -shm files
    building.replace(cached)
    log(f"{size}: seeded in {time.monotonic() - started:.0f} s")
    return cached


class Postgres:
    """A throw-away PostgreSQL server for the run (.ci/postgres.sh), one database per
    size, seeded afresh. It runs with the deployment's settings (docs/deploy/postgresql.conf:
    its memory, and commits flushed to disk), not the test suite's unflushed ones."""

    def __init__(self) -> None:
        env = dict(os.environ, PG_CONF=str(SETTINGS_FILE))
        if _port_range() is not None:
            env["PG_PORT"] = str(free_port())
        script = (f"source {ROOT / '.ci' / 'postgres.sh'} >&2 && "
                  'echo "$PG_DATA|$PG_BIN|$PORTAL_TEST_DATABASE_URL"')
        out = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True,
                             check=True).stdout.strip().splitlines()[-1]
        self.data, self.bin, self.url = out.split("|")
        log(f"postgresql: started in {self.data}")

    def seeded(self, size: str) -> str:
        import sqlalchemy as sa

        name = f"bench_{size}"
        engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        url = self.url.rsplit("/", 1)[0] + f"/{name}"
        forget_derived_files()
        log(f"{size} (postgresql): migrating and seeding")
        started = time.monotonic()
        flask("db", "upgrade", db_path=url)
        bench_seed("--size", size, "--password", PASSWORD, db_path=url)
        self._analyze(url)
        log(f"{size} (postgresql): seeded in {time.monotonic() - started:.0f} s")
        return url

    @staticmethod
    def _analyze(url: str) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        engine.dispose()

    def stop(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bin}/pg_ctl", "-D",
                        self.data, "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(self.data, ignore_errors=True)
        log("postgresql: stopped and removed")


def working_copy(cached: Path) -> Path:
    """The benchmark writes (logins, submissions); it works on a copy of the cached seed."""
    work = DATA / "work.db"
    for path in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
        path.unlink(missing_ok=True)
    forget_derived_files()
    shutil.copyfile(cached, work)
    return work


def forget_derived_files() -> None:
    """A database made afresh under a URL used before (work.db, bench_<size> on the same
    port) numbers its versions from the start again: pages and snapshots the portal kept
    as files for the earlier one must go, as `flask restore` removes them."""
    from portal.pagecache import DERIVED_FOLDERS

    for name in DERIVED_FOLDERS:
        shutil.rmtree(DATA / "instance" / name, ignore_errors=True)
