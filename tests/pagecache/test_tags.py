"""Invalidation by what a page shows: a change leaves every page that does not show it
cached, in every worker, and no page showing a withdrawn document is served once the
withdrawal has committed."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest

from portal import create_app
from portal.disclosures import services
from portal.disclosures.models import Category
from portal.extensions import db
from portal.logs import JsonFormatter
from tests.pagecache.querycount import counting_queries


def _rendered(client, url: str) -> tuple[bool, str]:
    """(whether the page was rendered rather than served from a cache, its text)."""
    db.session.expire_all()  # as in a fresh request: nothing already loaded
    with counting_queries() as statements:
        page = client.get(url)
    assert page.status_code in (200, 404)
    return bool(statements), page.get_data(as_text=True) if page.status_code == 200 else ""


@contextmanager
def inside(app):
    """Requests to `app` (another worker: a second application on the same database and
    instance folder), its connections released afterwards."""
    with app.app_context():
        yield app.test_client()
        db.session.remove()
        db.engine.dispose()


def test_publishing_in_one_category_leaves_another_categorys_list_cached(
        client, published, orgs):
    published(title="道路养护资金使用情况", category=Category.EXECUTION)
    execution = "/disclosures/?category=execution"
    client.get(execution)
    assert _rendered(client, execution)[0] is False  # kept

    published(title="关于调整低保标准的决定", category=Category.DECISION)
    rendered, text = _rendered(client, execution)
    assert rendered is False and "道路养护资金使用情况" in text
    rendered, text = _rendered(client, "/disclosures/?category=decision")
    assert rendered is True and "关于调整低保标准的决定" in text
    rendered, text = _rendered(client, "/disclosures/")
    assert rendered is True and "关于调整低保标准的决定" in text


def test_withdrawing_one_document_leaves_another_documents_page_cached(client, published,
                                                                       staff):
    kept = published(title="第五批危房改造名单")
    gone = published(title="第六批危房改造名单")
    for doc in (kept, gone):
        client.get(f"/disclosures/{doc.id}")
    services.withdraw(staff["reviewer"], gone.id, "名单需复核")
    assert _rendered(client, f"/disclosures/{kept.id}")[0] is False
    assert client.get(f"/disclosures/{gone.id}").status_code == 404


@pytest.mark.parametrize("path", ["/disclosures/{id}", "/disclosures/", "/",
                                  "/disclosures/?category=result", "/disclosures/?org={org}"])
def test_a_withdrawn_document_is_never_served_by_another_worker(app_config, client, published,
                                                                staff, orgs, path):
    doc = published(title="第七批低保名单")
    url = path.format(id=doc.id, org=orgs["town"].slug)
    assert "第七批低保名单" in client.get(url).get_data(as_text=True)  # stored, shared
    worker = create_app(app_config)
    with inside(worker) as other:
        other.get("/feeds/")  # the other worker has served something before
        assert "第七批低保名单" in other.get(url).get_data(as_text=True)
        for _ in range(2):  # its own copy, then the one in memory
            assert _rendered(other, url)[0] is False

    services.withdraw(staff["reviewer"], doc.id, "名单有误")
    with inside(worker) as other:
        for _ in range(2):
            page = other.get(url)
            assert "第七批低保名单" not in page.get_data(as_text=True)
            assert page.status_code == (404 if path == "/disclosures/{id}" else 200)
    assert "第七批低保名单" not in client.get(url).get_data(as_text=True)


def test_a_unit_list_follows_a_publication_by_a_unit_below_it(client, published, orgs):
    published(title="双塔镇防汛工作方案")  # the units' and years' filters are settled
    county_list = f"/disclosures/?org={orgs['county'].slug}"
    client.get(county_list)
    published(title="双塔镇秸秆禁烧通告")  # by the town, under the county
    assert "双塔镇秸秆禁烧通告" in client.get(county_list).get_data(as_text=True)


def test_a_units_first_publication_joins_every_lists_unit_filter(client, published, orgs):
    published(title="道路养护资金使用情况", category=Category.EXECUTION)
    execution = "/disclosures/?category=execution"
    assert "财政所" not in client.get(execution).get_data(as_text=True)
    published(title="财政所防汛资金预案", category=Category.DECISION, organization=orgs["finance"])
    assert "财政所" in client.get(execution).get_data(as_text=True)


def test_the_request_line_says_whether_the_page_came_from_the_cache(client, published,
                                                                     caplog):
    doc = published(title="第八批低保名单")
    url = f"/disclosures/{doc.id}"
    with caplog.at_level("INFO", logger="portal.request"):
        for _ in range(2):
            client.get(url)
        client.get(url, headers={"Cookie": "x=1"})  # the Flask hook, not the fast path
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records
             if r.name == "portal.request" and getattr(r, "path", None) == url]
    assert [line.get("cache") for line in lines] == ["miss", "hit", "hit"]


def test_a_withdrawal_set_without_reading_the_status_first_still_moves_the_pages(
        client, published):
    """A change written onto a document whose status was never loaded in this session
    (expired by a commit, say) still knows the status it had: the page goes at once."""
    from portal.disclosures.models import Disclosure, Status

    doc = published(title="第八批低保名单")
    url = f"/disclosures/{doc.id}"
    assert "第八批低保名单" in client.get(url).get_data(as_text=True)
    db.session.expire_all()
    stale = db.session.get(Disclosure, doc.id, populate_existing=True)
    db.session.expire(stale, ["status"])  # the old status not loaded
    stale.status = Status.WITHDRAWN
    db.session.commit()
    assert client.get(url).status_code == 404
