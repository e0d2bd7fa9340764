"""Each worker keeps at most PAGE_CACHE_MAX_BYTES of rendered pages, dropping the least
recently used first; PAGE_CACHE_ENABLED = False renders every request."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.pagecache.store import Entry, PageStore
from tests.pagecache.querycount import counting_queries

TAG = (1, "2026-12-03")


def _entry(size: int) -> Entry:
    return Entry(b"x" * size, "text/html", '"e"')


def test_the_least_recently_used_page_goes_first_once_the_bytes_are_spent():
    store = PageStore(max_bytes=3000)
    for name in ("a", "b", "c"):
        store.put((name,), TAG, _entry(1000))
    assert store.get(("a",), TAG) is not None  # a is now the most recently used
    store.put(("d",), TAG, _entry(1000))
    assert store.get(("b",), TAG) is None
    assert all(store.get((name,), TAG) is not None for name in ("a", "c", "d"))


def test_a_page_larger_than_the_whole_budget_is_not_kept_and_evicts_nothing():
    store = PageStore(max_bytes=3000)
    store.put(("a",), TAG, _entry(1000))
    store.put(("huge",), TAG, _entry(5000))
    assert store.get(("huge",), TAG) is None
    assert store.get(("a",), TAG) is not None


def test_replacing_a_page_counts_only_its_new_size():
    store = PageStore(max_bytes=3000)
    for _ in range(10):
        store.put(("a",), TAG, _entry(1000))
    store.put(("b",), TAG, _entry(1000))
    store.put(("c",), TAG, _entry(1000))
    assert len(store) == 3


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PAGE_CACHE_MAX_BYTES": 1, "PAGE_CACHE_SHARED": False}


def test_the_configured_budget_applies_to_the_application(app, client, published):
    doc = published(title="低保名单")
    client.get(f"/disclosures/{doc.id}")
    db.session.expire_all()
    with counting_queries() as statements:
        assert "低保名单" in client.get(f"/disclosures/{doc.id}").get_data(as_text=True)
    assert statements  # rendered again: nothing fits in one byte
    assert len(app.extensions["pagecache"][0]) == 0
