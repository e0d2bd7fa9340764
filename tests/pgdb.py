"""One PostgreSQL database per xdist worker, emptied back to the migrated template between
tests instead of cloned afresh for each.

Cloning the 11 MB template costs the server 150–300 ms per test, which made the suite on
PostgreSQL three times slower than on SQLite. Emptying the worker's database in one
transaction (delete the rows of every table that has any, put back the rows the migrations
seeded, set every sequence back) takes about 30 ms. A test that changed the schema (a
migration test going down and up, a test dropping a trigger) leaves a different catalogue
fingerprint; the database is then dropped and cloned again, so every test still starts
from exactly the template.

The seeded rows are kept in the worker's database itself (schema `template_seed`), so a
test that dumps that database (the backup tests) carries them along; nothing reads them there.

Each test gets its own URL (`application_name` differs) because the page cache and the
shared dashboard files are keyed by the database URL: two tests must never share them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import sqlalchemy as sa

SEED_SCHEMA = "template_seed"

# Everything a test could change in the schema, by name, so that a dropped-and-recreated
# table with the same shape still matches.
FINGERPRINT = """
SELECT md5(string_agg(item, ',' ORDER BY item)) FROM (
  SELECT 'c:' || relname || ':' || relkind::text FROM pg_class
   WHERE relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'a:' || c.relname || ':' || a.attname || ':' || a.atttypid || ':' || a.attnotnull
         || ':' || a.attisdropped || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0
  UNION ALL
  SELECT 't:' || tgrelid::regclass || ':' || tgname || ':' || tgenabled::text || ':' || tgtype
    FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
  SELECT 'k:' || conrelid::regclass || ':' || conname || ':' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'i:' || indexrelid::regclass || ':' || pg_get_indexdef(indexrelid) FROM pg_index
    JOIN pg_class c ON c.oid = indexrelid WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'f:' || proname || ':' || md5(prosrc) FROM pg_proc
   WHERE pronamespace = 'public'::regnamespace
) AS catalogue(item)
"""


class WorkerDatabase:
    """The database one xdist worker's tests run on, reset to the template after each."""

    def __init__(self, name: str, template: str, admin: Callable[..., None],
                 url_of: Callable[[str], str]):
        self.name, self.template = name, template
        self._admin, self._url_of = admin, url_of
        self._uses = itertools.count()
        self._nonempty_sql = ""
        self._reset_sql: list[str] = []
        self._fingerprint: str | None = None
        self._clone()

    def url(self) -> str:
        url = sa.engine.make_url(self._url_of(self.name))
        name = f"{self.name}_{next(self._uses)}"
        return url.update_query_dict({"application_name": name}).render_as_string(
            hide_password=False)

    def reset(self) -> None:
        """Back to the template: in place when the schema is untouched, else a new clone."""
        self._admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()")
        engine = sa.create_engine(self._url_of(self.name), poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                if conn.exec_driver_sql(FINGERPRINT).scalar_one() != self._fingerprint:
                    conn.close()
                    self._clone()
                    return
                # The audit tables refuse DELETE by trigger, and foreign keys are triggers
                # too: a replica session fires none, so the order of the deletes is free.
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                for table in conn.exec_driver_sql(self._nonempty_sql).scalars():
                    conn.exec_driver_sql(f'DELETE FROM public."{table}"')
                for statement in self._reset_sql:
                    conn.exec_driver_sql(statement)
                conn.commit()
        finally:
            engine.dispose()

    def drop(self) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")

    def _clone(self) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)",
                    f"CREATE DATABASE {self.name} TEMPLATE {self.template}")
        engine = sa.create_engine(self._url_of(self.name), poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as conn:
                self._prepare(conn)
        finally:
            engine.dispose()

    def _prepare(self, conn: sa.Connection) -> None:
        """Copy the seeded rows aside and work out the statements that reset the database."""
        tables = conn.exec_driver_sql("SELECT tablename FROM pg_tables "
                                      "WHERE schemaname = 'public' ORDER BY 1").scalars().all()
        conn.exec_driver_sql(f"CREATE SCHEMA {SEED_SCHEMA}")
        seeded = []
        for table in tables:
            if conn.exec_driver_sql(f'SELECT EXISTS (SELECT 1 FROM "{table}")').scalar_one():
                conn.exec_driver_sql(
                    f'CREATE TABLE {SEED_SCHEMA}."{table}" AS SELECT * FROM public."{table}"')
                seeded.append(table)
        sequences = conn.exec_driver_sql(
            "SELECT sequencename, coalesce(last_value, start_value), last_value IS NOT NULL "
            "FROM pg_sequences WHERE schemaname = 'public'").all()
        # Deleting the few rows a test wrote is far cheaper than TRUNCATE, which gives every
        # one of the 300 tables and indexes a new file.
        self._nonempty_sql = " UNION ALL ".join(
            f"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM public.\"{table}\")"
            for table in tables)
        self._reset_sql = [
            *(f'INSERT INTO public."{table}" SELECT * FROM {SEED_SCHEMA}."{table}"'
              for table in seeded),
            *(f"SELECT setval('public.\"{name}\"', {value}, {called})"
              for name, value, called in sequences),
        ]
        self._fingerprint = conn.exec_driver_sql(FINGERPRINT).scalar_one()
