"""Revision 0032 gives PostgreSQL's search vectors a copy of their documents' filter
values; on upgrade an index already built is filled in from search_documents, so the
filters keep finding what they found (SQLite: nothing changes)."""

from flask_migrate import downgrade, upgrade

from portal.extensions import db
from portal.search import index
from portal.search.tokens import query_tokens


def _hits(words: str, **filters) -> list[tuple[str, int]]:
    page = index.search(index.SearchQuery(tokens=query_tokens(words), size=50, **filters))
    return sorted((hit.kind, hit.ref_id) for hit in page.items)


def test_an_existing_index_keeps_its_filters_across_the_upgrade(corpus, orgs):
    year = index.indexed_years()[0]
    queries = [("低保", {"kind": "notice"}), ("低保", {"category": "service"}),
               ("法治政府", {"organization": orgs["other_town"]}),
               ("工程项目", {"village": orgs["village_b"]}), ("低保", {"year": year}),
               ("低保", {"year": 2001})]
    before = [_hits(words, **filters) for words, filters in queries]
    assert all(before[:5]) and not before[5]
    db.session.remove()
    downgrade(revision="0031")
    upgrade(revision="heads")
    assert [_hits(words, **filters) for words, filters in queries] == before
