"""Search is limited per client address: a script of random words cannot occupy every
worker, while residents (and a neighbour on another address) keep searching."""

from __future__ import annotations

import re

import pytest

SEARCH_LIMIT = 3


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_SEARCH": f"{SEARCH_LIMIT} per minute"}


def test_searches_beyond_the_limit_get_a_chinese_429_and_a_neighbour_still_searches(client):
    for word in ("低保", "路灯", "医保")[:SEARCH_LIMIT]:
        assert client.get("/search", query_string={"q": word}).status_code == 200
    response = client.get("/search", query_string={"q": "补贴"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    # When to try again, as the clock shows it; the words typed stay in the search box.
    assert re.search(r"请约 1 分钟后（\d\d:\d\d 以后）再试", page)
    assert re.search(r'<input id="site-search-q"[^>]* value="补贴"', page)
    assert 0 < int(response.headers["Retry-After"]) <= 60
    neighbour = client.get("/search", query_string={"q": "补贴"},
                           environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert neighbour.status_code == 200
    # A search the page cache answers costs no search and is not counted.
    assert client.get("/search", query_string={"q": "低保"}).status_code == 200
