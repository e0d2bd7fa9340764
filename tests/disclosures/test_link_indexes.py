"""Lookups of documents that must not read every document at county scale, checked on
SQLite's plans after ANALYZE. A 公开目录 entry's documents and the document that
superseded an old one are found through partial indexes on the documents that have the
link (migration 0029): with a plain index, the statistics count every document without
one as one key and the planner read every published document instead (74 ms at
100,000). The API's newest documents come from the date index (migration 0030)."""

from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict

from portal.api import paging as api_paging
from portal.api import resources
from portal.catalogue import queries as catalogue_queries
from portal.database import is_postgresql
from portal.disclosures import queries
from portal.disclosures.models import Disclosure, Status
from tests.query_plans import grow, plan_of, plans_of


@pytest.fixture
def many_documents(app, published):
    if is_postgresql():
        pytest.skip("the planner's choice on PostgreSQL depends on its own statistics")
    grow(Disclosure.__table__, published().id, {"index_number"})


def test_an_entrys_documents_are_found_by_index(many_documents):
    plan = plan_of(lambda: catalogue_queries.entry_documents(SimpleNamespace(id=1)))
    assert "ix_disclosures_catalogue_entry_id" in plan and "SCAN" not in plan, plan


def test_the_successor_of_a_superseded_document_is_found_by_index(many_documents):
    old = SimpleNamespace(id=1, status=Status.SUPERSEDED)
    plan = plan_of(lambda: queries.successor_of(old))
    assert "ix_disclosures_supersedes_id" in plan and "SCAN" not in plan, plan


def test_the_apis_newest_documents_come_from_the_date_index(app, many_documents):
    """Published and superseded documents newest first: read from the date index, never
    all sorted to take a page (400 ms at 100,000 documents)."""
    with app.test_request_context("/api/v1/disclosures"):
        listing = resources.disclosures_listing(MultiDict())
        plan = plans_of(lambda: api_paging.page(listing, MultiDict()))[0]  # the page's rows
    assert "ix_disclosures_published_at" in plan and "TEMP B-TREE" not in plan, plan
