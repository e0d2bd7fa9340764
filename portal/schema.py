"""The database's schema revision and the one this code ships (`migrations/`), for the
readiness check, the backup manifest and `flask db downgrade`."""

from __future__ import annotations

from functools import lru_cache

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from portal import bundled


@lru_cache(maxsize=1)
def scripts() -> ScriptDirectory:
    return ScriptDirectory(str(bundled("migrations")))


def code_head() -> str:
    """The newest migration this code ships."""
    return scripts().get_current_head() or ""


def database_revision(connection: Connection) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
