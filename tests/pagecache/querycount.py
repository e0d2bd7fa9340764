"""Count the SQL statements a page runs (a `before_cursor_execute` listener)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from portal.extensions import db


@contextmanager
def counting_queries():
    statements: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def queries_for(client, url: str) -> int:
    """Statements one anonymous GET of `url` runs (rendered, not served from the cache:
    the data it shows was just changed, so the content version moved)."""
    db.session.expire_all()  # as in a fresh request: nothing already loaded
    with counting_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)
