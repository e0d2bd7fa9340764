"""The town's alert list of villages whose scheduled postings are missing or late."""

from datetime import date

import pytest

from portal.errors import PermissionDenied
from portal.villages import rules
from portal.villages.models import Frequency, NoticeCategory


def test_town_sees_missing_postings_and_sets_rules(client, login, village_staff, orgs,
                                                   published_notice):
    published_notice()  # 双塔村 posted its Q3 村务 notice (today, so after the 10-10 due date)
    rules.set_rule(village_staff["reviewer"], orgs["village_a"], NoticeCategory.VILLAGE,
                   Frequency.QUARTERLY, 10, date(2026, 7, 1))
    rules.set_rule(village_staff["reviewer"], orgs["village_b"], NoticeCategory.VILLAGE,
                   Frequency.QUARTERLY, 10, date(2026, 7, 1))
    login(village_staff["reviewer"])
    page = client.get("/staff/villages/schedule").get_data(as_text=True)
    assert "王堂村" in page and "未公开，已逾期" in page and "2026年第3季度" in page
    assert "双塔村" in page and "迟延公开" in page
    response = client.post("/staff/villages/rules", data={
        "village": str(orgs["village_b"].id), "category": "finance", "frequency": "monthly",
        "grace_days": "5", "active_from": "2026-10-01"})
    assert response.status_code == 303
    response = client.post("/staff/villages/rules", data={
        "village": str(orgs["village_b"].id), "category": "finance", "frequency": "monthly",
        "grace_days": "99", "active_from": "2026-10-01"})
    assert response.status_code == 400 and "宽限天数应为 0 至 60 天" in response.get_data(
        as_text=True)


def test_inspector_sees_the_list_but_clerk_cannot_set_rules(client, login, village_staff,
                                                            orgs):
    login(village_staff["inspector"])
    assert client.get("/staff/villages/schedule").status_code == 200
    with pytest.raises(PermissionDenied):
        rules.set_rule(village_staff["clerk_a"], orgs["village_a"], NoticeCategory.PARTY,
                       Frequency.QUARTERLY, 10, date(2026, 7, 1))
