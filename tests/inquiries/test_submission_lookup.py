"""The idempotency lookup stays an index search however skewed the statistics are."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.inquiries import tracking
from tests.conftest import PG_ADMIN_URL


@pytest.mark.skipif(bool(PG_ADMIN_URL), reason="SQLite's query planner")
def test_a_resubmitted_form_is_found_by_index_when_most_rows_have_no_key(submit):
    """Inquiries filed by staff or through Open311 carry no form token. With statistics
    that say so (ANALYZE over such rows), the lookup of a resubmitted form (a double
    click, a retry) must still search the unique index: a scan of a million rows made
    every such resubmission take seconds."""
    token = tracking.new_submission_token()
    receipt = submit()
    db.session.execute(db.text("ANALYZE"))  # creates sqlite_stat1
    db.session.execute(db.text("DELETE FROM sqlite_stat1 WHERE tbl = 'inquiries'"))
    db.session.execute(db.text(  # a million rows, all without a key
        "INSERT INTO sqlite_stat1 (tbl, idx, stat) SELECT 'inquiries', name, "
        "'1000000 1000000' FROM sqlite_master WHERE tbl_name = 'inquiries' AND type = 'index'"))
    db.session.commit()
    db.session.execute(db.text("ANALYZE sqlite_schema"))  # the planner rereads them
    seen: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "submission_key = ?" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        first = submit(token=token, title="另一件留言")
        again = submit(token=token, title="另一件留言")
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert first.inquiry.number != receipt.inquiry.number
    assert again.duplicate and again.inquiry.id == first.inquiry.id
    connection = db.session.connection()
    plans = [" ".join(str(step[3]) for step in connection.exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, ("x",)).all()) for statement in seen]
    assert plans and all("USING" in plan and "INDEX" in plan for plan in plans), plans

