"""The report page as inspectors and editors use it, its downloads and the appeals page."""

import csv
import io
import re
from datetime import date
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from portal.annual_report import appeals
from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.annual_report.conftest import read_xlsx
from tests.annual_report.test_report import EXPECTED_2026

URL = "/inspect/annual-report/2026"


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


def _cell(html: str, row: str, column: str) -> int:
    match = re.search(rf'data-row="{row}" data-column="{column}">(\d+)<', html)
    assert match, (row, column)
    return int(match.group(1))


def test_inspector_reads_the_whole_report(year_2026, staff, client, login):
    login(staff["inspector"])
    response = client.get(URL)
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "双塔镇2026年政府信息公开工作年度报告" in html
    for heading in ("一、总体情况", "二、主动公开政府信息情况",
                    "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
                    "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        assert f">{heading}</h2>" in html
    assert html.count("<caption>") == 3
    assert '<th scope="row" colspan="3">一、本年新收政府信息公开申请数量</th>' in html
    assert '<th scope="rowgroup" rowspan="8">（三）不予公开</th>' in html
    assert "第二十条第（八）项" in html and "本年收费金额（单位：万元）" in html
    assert "手工填报" in html
    assert _cell(html, "new", "total") == 25
    assert _cell(html, "deny-6", "commercial") == 1
    assert _cell(html, "carried_out", "citizen") == 1
    assert "勾稽关系校验" in html and "<strong>通过</strong>" in html
    assert "2027-01-31" in html and "还有 16 天" in html
    assert "乡镇人民政府的年度报告于次年 1 月 31 日前公布" in html
    assert "保存报告" not in html  # inspectors read only
    assert "下载 XLSX" in html


def test_past_deadline_is_shown(staff, client, login, travel):
    travel.to(date(2027, 2, 3))
    login(staff["inspector"])
    assert "已过报送期限" in client.get(URL).get_data(as_text=True)


def test_index_opens_last_years_report(staff, client, login, travel):
    login(staff["inspector"])
    response = client.get("/inspect/annual-report/?org=shuangta-finance")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/inspect/annual-report/2026?org=shuangta-finance")
    assert client.get("/inspect/annual-report/?year=2025").headers["Location"].endswith("/2025")


def test_future_year_is_refused_in_chinese(staff, client, login, travel):
    login(staff["inspector"])
    response = client.get("/inspect/annual-report/2028")
    assert response.status_code == 400
    assert "应为 2008 年至 2027 年之间" in response.get_data(as_text=True)


def test_reviewer_edits_narrative_and_figures(staff, client, login, travel):
    login(staff["reviewer"])
    assert "保存报告" in client.get(URL).get_data(as_text=True)

    response = client.post(URL, data={"overview": "全年主动公开信息 120 条。",
                                      "problems": "", "other_matters": "无",
                                      "penalty_decisions": "31", "fee_amount": "1.25"})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<p>全年主动公开信息 120 条。</p>" in html
    # typed over the enforcement registers' count, and marked so
    assert '<td class="num" colspan="3">31<span class="small">（人工修正，登记数 0）</span></td>' \
        in html
    assert '<td class="num" colspan="3">1.25</td>' in html
    event = _events("annual_report.save")[-1]
    assert event.actor_id == staff["reviewer"].id and event.after["penalty_decisions"] == 31


def test_bad_figure_is_shown_next_to_its_field(staff, client, login, travel):
    login(staff["admin"])
    response = client.post(URL, data={"penalty_decisions": "三十"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="penalty_decisions-error"' in html
    assert "行政处罚·本年处理决定数量应为不小于 0 的整数。" in html
    assert _events("annual_report.save") == []


def test_inspector_cannot_save(staff, client, login, travel):
    login(staff["inspector"])
    response = client.post(URL, data={"overview": "篡改"})
    assert response.status_code == 403
    assert _events("annual_report.save") == []
    assert _events("route:annual_report.save")[-1].result == "denied"


def test_reviewer_of_another_town_cannot_see_or_edit_this_town(staff, client, login, travel):
    login(staff["other_reviewer"])
    assert client.get(f"{URL}?org=shuangta").status_code == 403
    assert client.post(f"{URL}?org=shuangta", data={"overview": "x"}).status_code == 403
    assert client.post(f"{URL}/export?org=shuangta", data={"format": "xlsx"}).status_code == 403
    denials = [e for e in db.session.scalars(select(AuditEvent)) if e.result == "denied"]
    assert {e.action for e in denials} >= {"annual_report.view", "annual_report.save"}
    assert _events("annual_report.export") == []
    # their own town's report is theirs to read
    own = client.get(URL).get_data(as_text=True)
    assert "花园乡2026年政府信息公开工作年度报告" in own


def test_xlsx_download_has_the_numbers_and_is_audited(year_2026, staff, client, login):
    login(staff["inspector"])
    response = client.post(f"{URL}/export", data={"format": "xlsx"})

    assert response.status_code == 200
    assert response.mimetype == ("application/vnd.openxmlformats-officedocument"
                                 ".spreadsheetml.sheet")
    disposition = response.headers["Content-Disposition"]
    assert "filename=2026-shuangta-annual-report.xlsx" in disposition
    assert unquote(disposition.split("UTF-8''")[1]) == "2026-shuangta-政府信息公开年度报告.xlsx"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    three, four, sheet = read_xlsx(response.data)
    assert sheet["A1"].value == "双塔镇2026年政府信息公开工作年度报告"
    assert three["一、本年新收政府信息公开申请数量"] == EXPECTED_2026["new"]
    assert three["二、上年结转政府信息公开申请数量"] == EXPECTED_2026["carried_in"]
    assert three["（二）部分公开（区分处理的，只计这一情形，不计其他情形）"] == \
        EXPECTED_2026["partial"]
    assert three["6.属于四类过程性信息"] == EXPECTED_2026["deny-6"]
    assert three["1.本机关不掌握相关政府信息"] == EXPECTED_2026["unable-1"]
    assert three["（七）总计"] == EXPECTED_2026["answered_total"]
    assert three["四、结转下年度继续办理"] == EXPECTED_2026["carried_out"]
    assert four == [0] * 15
    event = _events("annual_report.export")[-1]
    assert event.actor_id == staff["inspector"].id
    assert event.after == {"organization": "shuangta", "year": 2026, "format": "xlsx",
                           "check_passed": True, "status": "draft", "digest": None}


def test_csv_download(year_2026, staff, client, login):
    login(staff["county_inspector"])
    response = client.post(f"{URL}/export?org=shuangta", data={"format": "csv"})
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))

    assert rows[0] == ["表", "项目", "列", "数值"]
    assert ["三", "一、本年新收政府信息公开申请数量", "总计", "25"] in rows
    assert ["三", "三、本年度办理结果·（三）不予公开·4.保护第三方合法权益", "法律服务机构", "1"] \
        in rows
    assert ["三", "勾稽关系校验", "", "通过"] in rows
    assert ["二", "第二十条第（八）项·行政事业性收费", "本年收费金额（单位：万元）", "0"] in rows
    assert _events("annual_report.export")[-1].after["format"] == "csv"


def test_html_download_is_a_standalone_page(year_2026, staff, client, login):
    login(staff["inspector"])
    response = client.post(f"{URL}/export", data={"format": "html"})
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert "<title>双塔镇2026年政府信息公开工作年度报告</title>" in html
    assert "<link" not in html and "<script" not in html and "/static/" not in html


def test_unknown_export_format(staff, client, login, travel):
    login(staff["inspector"])
    response = client.post(f"{URL}/export", data={"format": "pdf"})
    assert response.status_code == 400
    assert "不支持的导出格式" in response.get_data(as_text=True)


# --- appeals page -----------------------------------------------------------------------------

def test_handler_records_and_updates_a_case(staff, client, login, travel):
    login(staff["handler"])
    page = client.get(f"{URL}/appeals").get_data(as_text=True)
    assert "登记案件" in page and '<option value="shuangta-cun">' in page

    response = client.post(f"{URL}/appeals", data={
        "organization": "shuangta", "kind": "litigation_direct", "result": "pending",
        "filed_on": "2026-06-01", "note": "起诉至县法院"})
    assert response.status_code == 303
    appeal = appeals.list_appeals(staff["handler"], 2026).appeals[0]

    response = client.post(f"{URL}/appeals/update", data={
        "appeal_id": str(appeal.id), "result": "upheld", "decided_on": "2026-10-20",
        "note": "判决驳回诉讼请求"})
    assert response.status_code == 303
    report = client.get(URL).get_data(as_text=True)
    assert '<td class="num">1</td>' in report
    assert [e.action for e in _events("info_appeal.record") + _events("info_appeal.update")] \
        == ["info_appeal.record", "info_appeal.update"]


def test_case_with_a_bad_date_order_comes_back_with_the_message(staff, client, login, travel):
    login(staff["admin"])
    response = client.post(f"{URL}/appeals", data={
        "organization": "shuangta", "kind": "review", "result": "upheld",
        "filed_on": "2026-06-01", "decided_on": "2026-05-01"})
    assert response.status_code == 400
    assert "审结日期应在申请复议或起诉之日与今天之间" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["inspector", "reviewer"])
def test_readers_see_the_cases_but_no_forms(staff, client, login, travel, role):
    appeals.record_appeal(staff["handler"], appeals.AppealInput(
        organization="shuangta", kind="review", filed_on=date(2026, 4, 1)))
    login(staff[role])
    page = client.get(f"{URL}/appeals").get_data(as_text=True)
    assert "行政复议" in page and "2026-04-01" in page
    assert "登记案件" not in page and "更新</button>" not in page
    assert client.post(f"{URL}/appeals", data={}).status_code == 403
