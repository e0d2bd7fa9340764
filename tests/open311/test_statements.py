"""Every public view of published replies — GeoReport's request list, the JSON API and
the reply list — loads what it shows of each reply with the page: the same statements
for two replies as for six (GeoReport's list of 1,000 ran 1,161 before, half a second)."""

import pytest

from tests.pagecache.querycount import counting_queries

URLS = ["/open311/v2/requests.json", "/open311/v2/requests.xml", "/api/v1/replies",
        "/inquiries/replies"]


def _statements(client, url: str) -> int:
    with counting_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


@pytest.mark.parametrize("url", URLS)
def test_more_replies_run_no_more_statements(app, client, answer, url):
    app.config["PAGE_CACHE_ENABLED"] = False
    for number in range(2):
        answer(f"村口路灯不亮（{number}）", "晚上走路看不见。", "已经修好，请再看看。")
    few = _statements(client, url)
    for number in range(4):
        answer(f"水渠堵了（{number}）", "下雨就漫到路上。", "已安排清淤。", village="village_b")
    assert _statements(client, url) == few
