"""Gap-free yearly serials (受理编号, 索引号) that two processes can never hand out twice.

The counter row is created with INSERT … ON CONFLICT DO NOTHING and then locked (by the
UPDATE that increments it, or SELECT … FOR UPDATE), so the first two requests of a year
cannot both create it (on PostgreSQL the second would otherwise fail with a unique
violation); SQLite's write lock serializes the same steps.
"""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db


def next_value(model, connection=None, **keys) -> int:
    """Increment and return the counter of `model` identified by `keys` (its unique
    columns), creating it at zero first. Runs in the caller's transaction: the session's,
    or `connection` (inside a flush, `portal.first_write`).

    The increment is one UPDATE … RETURNING, which takes the row's lock (PostgreSQL) or
    runs under the write lock (SQLite); only the year's first number creates the row."""
    bump, params = _increment(model, tuple(keys)), {f"key_{k}": v for k, v in keys.items()}
    run = db.session if connection is None else connection
    value = run.scalar(bump, params)
    if value is None:
        dialect = (db.session.get_bind() if connection is None else connection).dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        run.execute(insert(model).values(**keys, last_value=0)
                    .on_conflict_do_nothing(index_elements=list(keys)))
        value = run.scalar(bump, params)
    return value


@functools.cache
def _increment(model, names: tuple[str, ...]):
    """The UPDATE … RETURNING of `next_value`, built once per counter and key columns
    (every submission runs it); the keys' values are parameters `key_<name>`."""
    return (update(model)
            .where(*(getattr(model, name) == bindparam(f"key_{name}") for name in names))
            .values(last_value=model.last_value + 1).returning(model.last_value)
            .execution_options(synchronize_session=False))


def raise_to(model, value: int, **keys) -> None:
    """Make the counter of `model` identified by `keys` at least `value`, so that no later
    `next_value` hands out a number already taken elsewhere (a 索引号 carried over from an
    earlier site). Runs in the caller's transaction."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(model).values(**keys, last_value=0)
                       .on_conflict_do_nothing(index_elements=list(keys)))
    stmt = select(model).filter_by(**keys).with_for_update()
    counter = db.session.scalars(stmt.execution_options(populate_existing=True)).one()
    counter.last_value = max(counter.last_value, value)
