"""What residents see of a revision: the approved version until a reviewer approves it, on
every public channel; then the new one, with its dated 更正说明 when it was substantive."""

import re
from html import unescape

from portal.disclosures import revisions
from portal.timeutil import local_today
from tests.test_access_matrix import _sign_in

ORIGINAL_TITLE = "双塔镇2026年度法治政府建设情况报告"


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_approval_reaches_the_page_api_feed_and_search(client, published, staff,
                                                      draft_input):
    doc = published()
    for _ in range(2):  # the second visit comes from the page cache
        assert ORIGINAL_TITLE in text_of(client.get(f"/disclosures/{doc.id}"))
    revision = revisions.propose(staff["editor"], doc.id, draft_input(
        title="更正后的报告", body_html="<p>补助标准为每人每月350元。</p>"),
        revisions.Correction(substantive=True, note="补助标准数字有误，由300元更正为350元。"))
    assert ORIGINAL_TITLE in text_of(client.get(f"/disclosures/{doc.id}"))
    assert client.get(f"/api/v1/disclosures/{doc.id}").get_json()["title"] == ORIGINAL_TITLE
    assert "更正后的报告" not in text_of(client.get("/feeds/disclosures.atom"))

    reviewer = client.application.test_client()
    _sign_in(reviewer, staff["reviewer"])
    response = reviewer.post(f"/staff/disclosures/{doc.id}/revision/approve",
                             data={"comment": "同意", "seen": revision.digest})
    assert response.status_code == 302

    today = local_today().isoformat()
    page = text_of(client.get(f"/disclosures/{doc.id}"))
    assert "更正后的报告" in page and ORIGINAL_TITLE not in page
    assert f"{today} 更正：补助标准数字有误，由300元更正为350元。" in re.sub(r"<[^>]+>", "", page)
    assert "最后修订" in page
    api = client.get(f"/api/v1/disclosures/{doc.id}").get_json()
    assert api["title"] == "更正后的报告"
    assert api["corrections"] == [{"date": today,
                                   "note": "补助标准数字有误，由300元更正为350元。"}]
    assert "更正后的报告" in text_of(client.get("/feeds/disclosures.atom"))
    assert "更正后的报告" in text_of(client.get("/search?q=更正后的报告"))


def test_a_non_substantive_revision_shows_only_the_revision_date(client, published, staff,
                                                                draft_input):
    doc = published()
    revisions.propose(staff["editor"], doc.id, draft_input(title="改正错别字后的报告"))
    revisions.approve(staff["reviewer"], doc.id)
    page = text_of(client.get(f"/disclosures/{doc.id}"))
    assert "最后修订" in page and "更正：" not in page
    assert client.get(f"/api/v1/disclosures/{doc.id}").get_json()["corrections"] == []
