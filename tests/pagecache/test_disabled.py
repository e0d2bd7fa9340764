"""PAGE_CACHE_ENABLED = False: every request renders (what the benchmark's cold rows
measure), and changes still show at once."""

from __future__ import annotations

import pytest

from portal.disclosures import services
from portal.extensions import db
from tests.pagecache.querycount import counting_queries


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PAGE_CACHE_ENABLED": False}


def test_every_request_renders_and_nothing_is_kept(app, client, published, staff):
    doc = published(title="第四批低保名单")
    for _ in range(2):
        db.session.expire_all()  # as in a fresh request: nothing already loaded
        with counting_queries() as statements:
            page = client.get(f"/disclosures/{doc.id}")
        assert page.status_code == 200 and "第四批低保名单" in page.get_data(as_text=True)
        assert statements
        assert "ETag" not in page.headers
    assert len(app.extensions["pagecache"][0]) == 0
    services.withdraw(staff["reviewer"], doc.id, "名单有误")
    assert client.get(f"/disclosures/{doc.id}").status_code == 404
