"""The staff pages and forms, the 综治中心's reports and exports, and the public figures
(counts only, small cells pooled)."""

import io
import re
from collections import Counter
from datetime import date

import openpyxl
import sqlalchemy as sa

from portal.disputes import figures
from portal.disputes.models import DailyCheck, Dispute
from portal.extensions import db
from tests.disputes.conftest import check


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_grid_worker_files_a_nil_report_and_sees_it_on_the_ledger(client, login, staff,
                                                                    orgs):
    login(staff["grid_a"])
    form = client.get("/staff/disputes/checks/new").get_data(as_text=True)
    assert "王堂村" not in form  # only their own village is offered

    response = client.post("/staff/disputes/checks/new", data={
        "village": orgs["village_a"].id, "check_date": "2026-03-10", "result": "nil"})
    assert response.status_code == 303

    html = client.get("/staff/disputes/").get_data(as_text=True)
    assert "零报告" in html


def test_a_check_dated_tomorrow_is_refused_with_the_input_kept(client, login, staff, orgs):
    login(staff["grid_a"])
    response = client.post("/staff/disputes/checks/new", data={
        "village": orgs["village_a"].id, "check_date": "2026-03-11", "result": "nil",
        "note": "三组走访"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "晚于今天" in html and "三组走访" in html
    assert _count(DailyCheck) == 0


def test_a_dispute_without_a_village_is_refused_and_nothing_saved(client, login, staff):
    login(staff["center"])
    response = client.post("/staff/disputes/new", data={
        "village": "", "type": "land", "reported_on": "2026-03-09",
        "parties": "甲、乙", "summary": "地界纠纷", "responsible": "王调解"})
    assert response.status_code == 400
    assert "请选择所在村" in response.get_data(as_text=True)
    assert _count(Dispute) == 0


def test_a_dispute_is_recorded_mediated_and_resolved_through_the_pages(client, login, staff,
                                                                       orgs):
    login(staff["grid_a"])
    response = client.post("/staff/disputes/new", data={
        "village": orgs["village_a"].id, "type": "marriage", "reported_on": "2026-03-09",
        "parties": "赵某某与钱某某", "summary": "离婚后子女抚养争执", "responsible": "王调解"})
    assert response.status_code == 303
    page = response.headers["Location"]
    html = client.get(page).get_data(as_text=True)
    assert "赵某某与钱某某" in html and "开始调解" in html and "上交" not in html.split("操作")[1]

    client.post(f"{page}/mediate", data={})
    assert "记录化解" in client.get(page).get_data(as_text=True)
    refused = client.post(f"{page}/resolve", data={"closed_on": "2026-03-08", "outcome": "和解"})
    assert refused.status_code == 400 and "不能早于排查发现日期" in refused.get_data(as_text=True)
    done = client.post(f"{page}/resolve", data={"closed_on": "2026-03-10", "outcome": "和解"})
    assert done.status_code == 303
    assert "用时 1 天" in client.get(page).get_data(as_text=True)


def test_another_village_grid_worker_cannot_open_the_dispute(client, login, staff, record):
    dispute = record()
    login(staff["grid_b"])
    assert client.get(f"/staff/disputes/{dispute.id}").status_code == 403


def test_the_weekly_report_counts_checks_disputes_and_days(client, login, staff, orgs,
                                                           record):
    for day in (2, 3, 5, 6, 8):  # the week of Monday 2026-03-02; the 4th and 7th missed
        check(staff, orgs["village_a"], date(2026, 3, day),
              result="found" if day == 2 else "nil")
    record(close="resolve", closed_on=date(2026, 3, 6))  # found on the 2nd: 4 days
    record(type="land", reported_on=date(2026, 3, 3))
    login(staff["center"])

    html = client.get("/staff/disputes/reports/weekly?on=2026-03-04").get_data(as_text=True)
    assert "2026-03-02 至 2026-03-08" in html
    assert "尚未开始报送日摸排：王堂村" in html

    response = client.get("/staff/disputes/reports/weekly.xlsx?on=2026-03-04")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["按村"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    # 村, 应报, 已报, 零报告 (the 3rd's nil report turned by the dispute found that day),
    # 漏报, 新排查, 化解, 上交, 期末在办, 平均用时
    assert rows["双塔村"] == ("双塔村", 7, 5, 3, 2, 2, 1, 0, 1, 4)
    csv_text = client.get("/staff/disputes/reports/monthly.csv?on=2026-03-04").data
    assert "按类型" in csv_text.decode("utf-8-sig")


def test_reports_are_for_the_governance_center_only(client, login, staff):
    login(staff["grid_a"])
    assert client.get("/staff/disputes/reports/weekly").status_code == 403
    assert client.get("/staff/disputes/reports/weekly.csv").status_code == 403


def test_the_public_sees_counts_never_parties_and_no_cell_of_one_or_two(client, staff, orgs,
                                                                        record):
    for _ in range(4):
        record(close="resolve")
    record(type="land", close="resolve")  # one 土地 dispute: pooled
    record(village=orgs["village_b"], by="grid_b", close="escalate")  # one in 王堂村

    html = client.get("/disputes/?year=2026").get_data(as_text=True)

    assert "张三丰" not in html and "宅基地边界" not in html and "王调解" not in html
    assert "土地纠纷" not in html and "王堂村" not in html
    assert "其他类型（合并不足 3 件的类型）" in html
    cells = [int(n) for n in re.findall(r'data-label="件数">(\d+)<', html)]
    assert cells and all(n >= figures.SMALL for n in cells)
    assert "上交 <strong>不足 3</strong>" in html


def test_pooling_takes_the_next_smallest_cell_when_one_small_cell_would_stand_alone():
    cells = figures.pooled(Counter({"a": 10, "b": 4, "c": 1}),
                           {"a": "甲", "b": "乙", "c": "丙"}, "其他")
    assert cells == [figures.Cell("甲", 10), figures.Cell("其他", 5)]
    assert figures.pooled(Counter({"a": 10, "b": 2, "c": 1}),
                          {"a": "甲", "b": "乙", "c": "丙"}, "其他") == [
        figures.Cell("甲", 10), figures.Cell("其他", 3)]



def test_a_dispute_is_corrected_through_its_form(client, login, staff, record):
    dispute = record()
    login(staff["grid_a"])
    form = client.get(f"/staff/disputes/{dispute.id}/edit").get_data(as_text=True)
    assert "张三丰" in form and '<option selected value="homestead">' in form
    response = client.post(f"/staff/disputes/{dispute.id}/edit", data={
        "village": str(dispute.village_id), "type": "neighbour", "reported_on": "2026-03-02",
        "parties": "张三丰与李四光", "summary": "院墙纠纷", "responsible": "王调解"})
    assert response.status_code == 303
    assert "邻里纠纷" in client.get(f"/staff/disputes/{dispute.id}").get_data(as_text=True)


def test_a_report_for_an_impossible_or_future_day_shows_this_week(client, login, staff):
    login(staff["center"])
    for on in ("0001-01-01", "9999-12-31", "2026-13-01", "明天"):
        html = client.get(f"/staff/disputes/reports/weekly?on={on}").get_data(as_text=True)
        assert "2026-03-09 至 2026-03-15" in html, on
    assert client.get("/staff/disputes/reports/monthly.xlsx?on=0001-01-01").status_code == 200


def test_a_town_with_two_disputes_in_a_year_shows_no_cell_of_two(client, staff, record):
    record(close="resolve")
    record(close="resolve")

    html = client.get("/disputes/?year=2026").get_data(as_text=True)

    assert "发现矛盾纠纷 <strong>不足 3</strong> 件" in html
    cells = re.findall(r'data-label="件数">([^<]+)<', html)
    assert cells and all(c == "不足 3" or int(c) >= figures.SMALL for c in cells)


def test_the_ledger_shows_every_open_dispute_and_the_closed_ones_of_a_chosen_year(
        client, login, staff, record, orgs):
    old_open = record(reported_on=date(2025, 12, 30), summary="去年发现、仍在调解。")
    old_closed = record(reported_on=date(2025, 11, 3), close="resolve",
                        closed_on=date(2025, 11, 20))
    this_year = record(close="resolve")
    login(staff["center"])

    page = client.get("/staff/disputes/").get_data(as_text=True)
    assert f"/staff/disputes/{old_open.id}\"" in page
    assert f"/staff/disputes/{this_year.id}\"" in page
    assert f"/staff/disputes/{old_closed.id}\"" not in page
    assert 'href="/staff/disputes/?year=2025"' in page

    earlier = client.get("/staff/disputes/?year=2025").get_data(as_text=True)
    assert f"/staff/disputes/{old_closed.id}\"" in earlier
    assert f"/staff/disputes/{old_open.id}\"" in earlier  # still open: always listed
    assert f"/staff/disputes/{this_year.id}\"" not in earlier

    for wrong in ("abc", "1999", "2099", "-1"):
        response = client.get(f"/staff/disputes/?year={wrong}")
        assert response.status_code == 200
        assert f"/staff/disputes/{this_year.id}\"" in response.get_data(as_text=True)
