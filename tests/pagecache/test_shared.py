"""Pages one worker rendered serve the others (files under the instance folder), and
never once the content version has moved on."""

from __future__ import annotations

from portal import create_app
from portal.disclosures import services
from portal.extensions import db
from tests.pagecache.querycount import counting_queries


def test_a_page_rendered_by_one_worker_serves_another(app, app_config, client, published,
                                                      staff):
    doc = published(title="第三批低保名单")
    path = f"/disclosures/{doc.id}"
    assert client.get(path).status_code == 200  # rendered here, written for the others
    other = create_app(app_config)
    other_client = other.test_client()
    with other.app_context():
        other_client.get("/")  # the other worker has served something before
        with counting_queries() as statements:
            page = other_client.get(path)
        assert page.status_code == 200 and "第三批低保名单" in page.get_data(as_text=True)
        assert statements == []  # not rendered again
        db.engine.dispose()

    services.withdraw(staff["reviewer"], doc.id, "名单有误")
    with other.app_context():
        assert other_client.get(path).status_code == 404
        db.engine.dispose()
