"""PostgreSQL plans a public list's statement once per connection, not at every page view.

A prepared statement gets a generic plan after five executions only when the planner
thinks it no costlier than planning afresh with the values. A LIMIT or OFFSET that is a
parameter makes it assume a tenth of the rows are wanted, so the list's generic plan
looked dear and every view was planned again: half of PostgreSQL's time for a list page
(0.13 against 0.07 ms). The lists' statements carry their page size as a constant and
the first page has no OFFSET; the published status is written in, not bound (a generic
plan for "status = $1" counts on the average status, not on the published ones)."""

import pytest
import sqlalchemy as sa

from portal.database import is_postgresql
from portal.disclosures import public_reads
from portal.disclosures.models import Category
from portal.extensions import db
from portal.paging import PageRequest


@pytest.fixture
def documents(published_then_drafts):
    if not is_postgresql():
        pytest.skip("PostgreSQL's prepared statements")


def _plans() -> list[tuple[int, int]]:
    """(generic, custom) plans of this connection's prepared statements of the list."""
    return [tuple(row) for row in db.session.execute(sa.text(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
        "WHERE NOT from_sql AND statement LIKE '%FROM disclosures%ORDER BY%' "
        "ORDER BY prepare_time"))]


def test_the_first_pages_and_a_page_number_are_planned_once(app, documents):
    first = public_reads.public_rows(size=20)
    assert len(first.items) == 20
    third = public_reads.public_rows(page=PageRequest(number=3), size=20)
    assert {row.id for row in third.items}.isdisjoint({row.id for row in first.items})
    for _ in range(25):
        assert public_reads.public_rows(size=20).items == first.items
        assert public_reads.public_rows(page=PageRequest(number=3), size=20) == third
        assert len(public_reads.public_rows(category=Category.RESULT, size=20).items) == 20
    plans = _plans()
    assert len(plans) == 3, plans
    for generic, custom in plans:
        assert custom <= 5 and generic >= 15, plans
