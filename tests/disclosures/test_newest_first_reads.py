"""The newest-first lists start reading at the newest dated document. Documents without a
publication date (drafts, documents under review) are many at county scale, and
PostgreSQL's b-tree keeps NULLs after every date: walking the date index backwards read
every one of them before the first published document (about 2,000 rows for each list
page at 100,000 documents) unless the statement asks for dated rows only. Checked on
PostgreSQL's EXPLAIN ANALYZE, which counts the rows a scan read and threw away."""

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from portal.api import paging as api_paging
from portal.api import resources
from portal.database import is_postgresql
from portal.disclosures import public_reads, queries, services
from portal.disclosures.models import Disclosure
from portal.extensions import db
from portal.paging import PageRequest
from tests.query_plans import grow


@pytest.fixture
def undated_first(app, published, staff, draft_input):
    """3,001 published documents and, made after them, 3,001 drafts (no date yet)."""
    if not is_postgresql():
        pytest.skip("SQLite keeps NULLs before every value: its backward walk meets them last")
    grow(Disclosure.__table__, published().id, {"index_number"})
    draft = services.create_draft(staff["editor"], draft_input(title="尚未发布的草稿"))
    grow(Disclosure.__table__, draft.id, set())


def discarded(run) -> list[int]:
    """For each SELECT `run()` executes, the rows PostgreSQL's scans read and discarded
    (`Rows Removed by Filter`, over the whole plan), from EXPLAIN ANALYZE."""
    captured = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        captured.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    raw = db.session.connection().connection.driver_connection
    counts = []
    for statement, parameters in captured:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        (plan,), = raw.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement,
                               parameters).fetchall()
        counts.append(_removed(plan[0]["Plan"]))
    return counts


def _removed(node: dict) -> int:
    return node.get("Rows Removed by Filter", 0) + sum(
        _removed(child) for child in node.get("Plans", []))


def test_the_public_list_reads_no_undated_document(app, undated_first):
    first = public_reads.public_rows(size=20)
    assert len(first.items) == 20
    assert discarded(lambda: public_reads.public_rows(size=20)) == [0]
    assert discarded(lambda: public_reads.public_rows(
        page=PageRequest(number=3), size=20)) == [0]
    assert discarded(lambda: public_reads.public_rows(
        page=PageRequest(after=first.next_cursor), size=20)) == [0]


def test_the_feeds_list_reads_no_undated_document(app, undated_first):
    assert discarded(lambda: queries.public_listing(size=20)) == [0]


def test_the_apis_newest_documents_read_no_undated_document(app, undated_first):
    with app.test_request_context("/api/v1/disclosures"):
        listing = resources.disclosures_listing(MultiDict())
        counts = discarded(lambda: api_paging.page(listing, MultiDict()))
    assert counts[0] == 0, counts  # the page's rows (then their corrections and files)
