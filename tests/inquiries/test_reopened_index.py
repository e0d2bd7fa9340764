"""The reopened orders of a page of work orders (the public replies page loads them with
`selectinload(Inquiry.reopenings)`) are found through a partial index on the orders that
have an original (migration 0029). With a plain index, SQLite's statistics count every
original as one key and the planner reads every work order instead (27 ms at 100,000)."""

import pytest
import sqlalchemy as sa

from portal.database import is_postgresql
from portal.extensions import db
from portal.inquiries.models import Inquiry
from tests.query_plans import grow, plan_of


def test_the_reopened_orders_of_a_page_are_found_by_index(app, submit):
    if is_postgresql():
        pytest.skip("the planner's choice on PostgreSQL depends on its own statistics")
    grow(Inquiry.__table__, submit().inquiry.id, {"number", "submission_key", "tracking_hash"})
    plan = plan_of(lambda: db.session.scalars(
        sa.select(Inquiry).where(Inquiry.reopened_from_id.in_([1, 2, 3]))
        .order_by(Inquiry.id)).all())  # the statement selectinload(Inquiry.reopenings) runs
    assert "ix_inquiries_reopened_from_id" in plan and "SCAN" not in plan, plan
