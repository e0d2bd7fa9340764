"""The live overdue and due-soon counts read the partial index of clocked work orders, so
they never walk a year's closed orders (SQLite: the plan names the index; a query whose
statuses are bound parameters could not use it)."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from portal.database import is_postgresql
from portal.extensions import db
from portal.inquiries.models import Inquiry
from portal.inspection import aggregates, dashboard
from portal.timeutil import year_bounds


def test_the_clock_counts_read_the_partial_index(app, orgs):
    if is_postgresql():
        pytest.skip("the planner's choice on PostgreSQL depends on its statistics")
    start, end = year_bounds(2026)
    captured = []

    @sa.event.listens_for(db.engine, "before_cursor_execute")
    def capture(_conn, _cursor, statement, parameters, _context, _many):
        captured.append((statement, parameters))

    try:
        aggregates.clock_counts([dashboard.in_scope(Inquiry.organization_id, [orgs["county"].path]),
                                 Inquiry.received_at >= start, Inquiry.received_at < end],
                                datetime(2026, 6, 1, tzinfo=UTC))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    statement, parameters = next(c for c in captured if "GROUP BY" in c[0])
    raw = db.session.connection().connection.driver_connection
    plan = " ".join(row[-1] for row in raw.execute("EXPLAIN QUERY PLAN " + statement,
                                                    parameters))
    assert "ix_inquiries_clocked" in plan, plan
