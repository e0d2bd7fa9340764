"""No public page runs a query per row: 3 rows cost what 30 rows cost."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from portal.disclosures import revisions, services
from portal.disclosures.models import Category
from tests.pagecache.querycount import queries_for
from tests.sample_files import PDF

MAX_QUERIES = 12


@pytest.fixture
def many_published(published, orgs):
    """many(n) → n more published documents, spread over departments and categories."""
    organizations = [orgs["office"], orgs["finance"], orgs["town"], orgs["village_b"]]
    categories = list(Category)
    counter = iter(range(1000))

    def run(n: int):
        for _ in range(n):
            i = next(counter)
            published(title=f"文件{i:03d}", organization=organizations[i % len(organizations)],
                      category=categories[i % len(categories)])

    return run


@pytest.mark.parametrize(("url", "limit"), [
    ("/", MAX_QUERIES), ("/disclosures/", MAX_QUERIES),
    ("/disclosures/?category=result", MAX_QUERIES), ("/disclosures/?org=shuangta", MAX_QUERIES),
    ("/feeds/disclosures.atom", MAX_QUERIES),
    ("/sitemap.xml", 20),  # one latest-date query per list it names
])
def test_disclosure_pages_run_no_query_per_document(client, many_published, url, limit):
    many_published(3)
    few = queries_for(client, url)
    many_published(27)
    assert queries_for(client, url) == few
    assert few <= limit


def test_detail_runs_no_query_per_attachment(client, published, staff):
    doc = published()

    def attach(n: int):
        files = [FileStorage(io.BytesIO(PDF), filename=f"附件{i}.pdf",
                             content_type="application/pdf") for i in range(n)]
        services.add_attachments(staff["editor"], doc.id, files)
        revisions.approve(staff["reviewer"], doc.id)

    attach(3)
    few = queries_for(client, f"/disclosures/{doc.id}")
    attach(17)  # 20 is the most a document may have
    assert queries_for(client, f"/disclosures/{doc.id}") == few
    assert few <= MAX_QUERIES


def test_village_board_runs_no_query_per_notice(client, published_notice):
    for i in range(3):
        published_notice(title=f"公示{i}")
    few = queries_for(client, "/villages/shuangta-cun/")
    index_few = queries_for(client, "/villages/")
    for i in range(3, 30):
        published_notice(title=f"公示{i}")
    assert queries_for(client, "/villages/shuangta-cun/") == few
    assert queries_for(client, "/villages/") == index_few
    assert max(few, index_few) <= MAX_QUERIES


def test_village_notice_page_runs_a_fixed_number_of_queries(client, published_notice):
    notice = published_notice()
    count = queries_for(client, f"/villages/shuangta-cun/notices/{notice.id}")
    assert count <= MAX_QUERIES
