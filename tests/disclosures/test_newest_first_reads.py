"""The newest-first lists start reading at the newest dated document. Documents without a
publication date (drafts, documents under review) are many at county scale, and
PostgreSQL's b-tree keeps NULLs after every date: walking the date index backwards read
every one of them before the first published document (about 2,000 rows for each list
page at 100,000 documents) unless the statement asks for dated rows only. Checked on
PostgreSQL's EXPLAIN ANALYZE, which counts the rows a scan read and threw away."""

import pytest
from werkzeug.datastructures import MultiDict

from portal.api import paging as api_paging
from portal.api import resources
from portal.database import is_postgresql
from portal.disclosures import public_reads, queries
from portal.paging import PageRequest
from tests.query_plans import discarded_rows


@pytest.fixture
def undated_first(published_then_drafts):
    if not is_postgresql():
        pytest.skip("SQLite keeps NULLs before every value: its backward walk meets them last")


def test_the_public_list_reads_no_undated_document(app, undated_first):
    first = public_reads.public_rows(size=20)
    assert len(first.items) == 20
    assert discarded_rows(lambda: public_reads.public_rows(size=20)) == [0]
    assert discarded_rows(lambda: public_reads.public_rows(
        page=PageRequest(number=3), size=20)) == [0]
    assert discarded_rows(lambda: public_reads.public_rows(
        page=PageRequest(after=first.next_cursor), size=20)) == [0]


def test_the_feeds_list_reads_no_undated_document(app, undated_first):
    assert discarded_rows(lambda: queries.public_listing(size=20)) == [0]


def test_the_apis_newest_documents_read_no_undated_document(app, undated_first):
    with app.test_request_context("/api/v1/disclosures"):
        listing = resources.disclosures_listing(MultiDict())
        counts = discarded_rows(lambda: api_paging.page(listing, MultiDict()))
    assert counts[0] == 0, counts  # the page's rows (then their corrections and files)
