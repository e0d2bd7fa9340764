"""A 公开目录 entry's documents and the document that superseded an old one are found
through partial indexes on the documents that have the link (migration 0029). With a
plain index, SQLite's statistics count every document without one as one key and the
planner reads every published document instead (74 ms at 100,000)."""

from types import SimpleNamespace

import pytest

from portal.catalogue import queries as catalogue_queries
from portal.database import is_postgresql
from portal.disclosures import queries
from portal.disclosures.models import Disclosure, Status
from tests.query_plans import grow, plan_of


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
