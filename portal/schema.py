"""The database's schema revision and the one this code ships (`migrations/`), for the
readiness check, the backup manifest and `flask db downgrade`.

A migration whose downgrade drops tables or columns holding records says so in
`DOWNGRADE_DROPS` (and what to run afterwards in `DOWNGRADE_THEN`); `flask db downgrade`
(portal/schema_cli.py) refuses such a step without `--yes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
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


class UnknownRevision(ValueError):
    pass


@dataclass(frozen=True)
class DataLoss:
    """One migration step whose downgrade drops records (its DOWNGRADE_DROPS)."""

    revision: str
    drops: tuple[str, ...]
    then: str | None


def downgrade_path(current: str | None, target: str) -> list[Script]:
    """The migrations whose downgrade runs going from `current` to `target` (a revision,
    `-N` or `base`), newest first. The history is one line (tests/test_migrations.py).

    Raises UnknownRevision for a target that is not below `current`."""
    path: list[Script] = []
    script = scripts().get_revision(current) if current else None
    steps = int(target[1:]) if re.fullmatch(r"-\d+", target) else None
    if steps is None and target != "base":
        try:
            wanted = scripts().get_revision(target)
        except CommandError as error:
            raise UnknownRevision(target) from error
        if wanted is None:
            raise UnknownRevision(target)
        target = wanted.revision
    while script is not None and (steps is None or len(path) < steps):
        if script.revision == target:
            return path
        path.append(script)
        down = script.down_revision
        script = scripts().get_revision(down) if isinstance(down, str) else None
    if steps is None and target != "base":
        raise UnknownRevision(target)
    return path


def data_lost(path: list[Script]) -> list[DataLoss]:
    """The steps of `path` that drop records."""
    return [DataLoss(script.revision, tuple(script.module.DOWNGRADE_DROPS),
                     getattr(script.module, "DOWNGRADE_THEN", None))
            for script in path if getattr(script.module, "DOWNGRADE_DROPS", ())]
