"""What SQLite plans for the statements a piece of code runs, on tables grown to the size
where the planner's statistics decide (`grow` + ANALYZE, as a live site runs it), and
how many rows PostgreSQL's scans read only to discard them."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db

COPIES = 3000  # enough rows for the planner to prefer only an index it trusts


def grow(table: sa.Table, row_id: int, unique: set[str]) -> None:
    """COPIES more rows like row `row_id` of `table` (`unique` columns suffixed), then
    ANALYZE and commit."""
    columns = [column.name for column in table.columns if column.name != "id"]
    values = [f"{name} || '-' || n" if name in unique else name for name in columns]
    db.session.execute(sa.text(
        f"WITH RECURSIVE copy(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM copy "
        f"WHERE n < {COPIES}) INSERT INTO {table.name} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {table.name}, copy WHERE {table.name}.id = :id"),
        {"id": row_id})
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def statements_of(run) -> list[tuple]:
    """(statement, parameters) of each statement `run()` executes, in order."""
    captured = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        captured.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    return captured


def plans_of(run) -> list[str]:
    """SQLite's plan for each statement `run()` executes, in order (steps joined with
    " | ")."""
    captured = statements_of(run)  # first: the code runs as it would on its own
    raw = db.session.connection().connection.driver_connection
    return [" | ".join(row[-1] for row in raw.execute("EXPLAIN QUERY PLAN " + statement,
                                                      parameters))
            for statement, parameters in captured]


def discarded_rows(run) -> list[int]:
    """PostgreSQL: for each SELECT `run()` executes, the rows its scans read and threw
    away (`Rows Removed by Filter` over the whole plan), from EXPLAIN ANALYZE."""
    captured = statements_of(run)
    raw = db.session.connection().connection.driver_connection
    counts = []
    for statement, parameters in captured:
        if statement.lstrip().upper().startswith("SELECT"):
            (plan,), = raw.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement,
                                   parameters).fetchall()
            counts.append(_removed(plan[0]["Plan"]))
    return counts


def _removed(node: dict) -> int:
    return node.get("Rows Removed by Filter", 0) + sum(
        _removed(child) for child in node.get("Plans", []))


def plan_of(run) -> str:
    """SQLite's plans for all the statements `run()` executes, joined with " | "."""
    return " | ".join(plans_of(run))
