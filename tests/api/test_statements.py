"""Every public list served to programs and people — the JSON API's documents, notices and
replies, GeoReport's request list and the reply list — loads what it shows of each item
with the page: the same statements for two items as for six. (GeoReport's list of 1,000
ran 1,161 statements before, half a second; the API's page of 20 notices ran 49.)"""

import pytest

from portal.disclosures.models import Category
from portal.villages.models import NoticeCategory
from tests.pagecache.querycount import counting_queries

REPLY_URLS = ["/open311/v2/requests.json", "/open311/v2/requests.xml", "/api/v1/replies",
              "/inquiries/replies"]


def _statements(client, url: str) -> int:
    with counting_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


@pytest.fixture
def uncached(app):
    app.config["PAGE_CACHE_ENABLED"] = False


@pytest.mark.parametrize("url", REPLY_URLS)
def test_more_replies_run_no_more_statements(uncached, client, answer, url):
    for number in range(2):
        answer(f"村口路灯不亮（{number}）", "晚上走路看不见。", "已经修好，请再看看。",
               village=("village_a", "village_b")[number])
    few = _statements(client, url)
    for number in range(4):
        answer(f"水渠堵了（{number}）", "下雨就漫到路上。", "已安排清淤。",
               village=("village_a", "village_b")[number % 2])
    assert _statements(client, url) == few


def test_more_documents_run_no_more_statements(uncached, client, publish):
    for number in range(2):
        publish("town", f"关于秋收工作的通知（{number}）", "<p>各村做好秋收。</p>",
                Category.SERVICE)
    few = _statements(client, "/api/v1/disclosures")
    for number in range(4):
        publish("town", f"关于防汛工作的通知（{number}）", "<p>各村做好防汛。</p>",
                Category.DECISION)
    assert _statements(client, "/api/v1/disclosures") == few


def test_more_notices_run_no_more_statements(uncached, client, post_notice):
    for village in ("village_a", "village_b"):
        post_notice(village, NoticeCategory.VILLAGE, "村民代表会议决定", "<p>修路。</p>")
    few = _statements(client, "/api/v1/village-notices")
    for number in range(4):
        post_notice(("village_a", "village_b")[number % 2], NoticeCategory.VILLAGE,
                    f"村务公开（{number}）", "<p>公开事项。</p>")
    assert _statements(client, "/api/v1/village-notices") == few


def test_the_open_data_package_runs_no_more_statements_for_more_records(
        uncached, client, publish, post_notice, answer):
    """Built from every public record after each change: one statement per record made
    the package of 100,000 documents take minutes."""
    def add(count: int, offset: int) -> None:
        for number in range(offset, offset + count):
            village = ("village_a", "village_b")[number % 2]
            publish("town", f"关于秋收工作的通知（{number}）", "<p>各村做好秋收。</p>",
                    Category.SERVICE)
            post_notice(village, NoticeCategory.VILLAGE, f"村务公开（{number}）",
                        "<p>公开事项。</p>")
            answer(f"村口路灯不亮（{number}）", "晚上走路看不见。", "已经修好。", village=village)

    add(2, 0)
    few = _statements(client, "/open-data/")
    add(4, 2)
    assert _statements(client, "/open-data/") == few
