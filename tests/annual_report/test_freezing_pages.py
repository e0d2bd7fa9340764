"""定稿、报送、退回修改 as reviewers and admins do them on the report page, and the frozen
figures with their reconciliation note on the page, in the downloads and on the command
line."""

import csv
import io
import re
from datetime import date

from sqlalchemy import select

from portal.annual_report import freezing, services
from portal.annual_report.models import AnnualReport, ReportStatus
from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.annual_report.conftest import read_xlsx
from tests.annual_report.test_report import EXPECTED_2026
from tests.inquiries.timetravel import beijing

URL = "/inspect/annual-report/2026"


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


def _record() -> AnnualReport:
    return db.session.scalars(select(AnnualReport)).one()


def _cell(html: str, row: str, column: str) -> int:
    match = re.search(rf'data-row="{row}" data-column="{column}">(\d+)<', html)
    assert match, (row, column)
    return int(match.group(1))


def _finalize_and_change(applications, staff, travel):
    """定稿 on 2027-01-18; L, a letter signed for on 2026-12-30, registered on 2027-01-20;
    now 2027-01-25."""
    travel.to(date(2027, 1, 18))
    freezing.finalize(staff["reviewer"], 2026)
    late = applications.receive("L", beijing(date(2027, 1, 20), 11))
    late.received_at = beijing(date(2026, 12, 30), 16)
    db.session.commit()
    travel.to(date(2027, 1, 25))
    return late.number


def test_reviewer_finalizes_on_the_page(year_2026, staff, client, login, travel):
    login(staff["reviewer"])
    page = client.get(URL).get_data(as_text=True)
    assert "报告状态：编制中" in page and ">定稿</button>" in page and "保存报告" in page

    response = client.post(f"{URL}/finalize")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "报告状态：已定稿" in page and _record().frozen_digest in page
    assert "保存报告" not in page and ">定稿</button>" not in page
    assert "该年度报告已定稿，不能修改；如需更正请" in page
    assert "登记报送" in page and "退回修改</button>" not in page  # reviewers do not reopen
    assert _events("annual_report.finalize")[-1].actor_id == staff["reviewer"].id


def test_a_failing_check_is_refused_on_the_page_naming_the_column(applications, staff, client,
                                                                  login, travel):
    applications.receive("X", beijing(date(2026, 3, 2)), "research")
    applications.answer("X", "grant", beijing(date(2026, 3, 3)))
    applications.made["X"].outcome = ""
    db.session.commit()
    travel.to(date(2027, 1, 15))
    login(staff["admin"])

    response = client.post(f"{URL}/finalize")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "勾稽关系校验不通过，不能定稿：科研机构（一 + 二 = 1，三（七） + 四 = 0）" in html
    assert "报告状态：编制中" in html
    assert db.session.scalars(select(AnnualReport)).all() == []
    assert _events("annual_report.finalize") == []


def test_editing_a_frozen_report_is_refused_and_audited(year_2026, staff, client, login,
                                                        travel):
    freezing.finalize(staff["reviewer"], 2026)
    login(staff["reviewer"])

    response = client.post(URL, data={"overview": "定稿后改写", "penalty_decisions": "99"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "该年度报告已定稿，不能修改；如需更正请由系统管理员退回修改" in html
    assert "定稿后改写" not in html
    # filed as counted: the enforcement registers' counts (none here), not the 99 typed after
    assert _record().overview == "" and _record().frozen["manual"] == {
        "licensing_decisions": 0, "penalty_decisions": 0, "enforcement_decisions": 0}
    assert _events("annual_report.save") == []
    refused = _events("annual_report.edit_frozen")
    assert len(refused) == 1 and refused[0].result == "rejected"


def test_frozen_figures_and_the_note_on_the_page(year_2026, applications, staff, client,
                                                 login, travel):
    late = _finalize_and_change(applications, staff, travel)
    login(staff["inspector"])
    html = client.get(URL).get_data(as_text=True)

    assert _cell(html, "grant", "citizen") == EXPECTED_2026["grant"][0]
    assert _cell(html, "carried_out", "total") == EXPECTED_2026["carried_out"][-1]
    assert "<h2 id=\"ar-reconciliation\">对账说明</h2>" in html
    assert ("表三“一、本年新收政府信息公开申请数量”：自然人 已报 5、重算 6（+1），"
            f"总计 已报 25、重算 26（+1）；涉及受理编号：{late}。") in html
    assert "定稿数字不因此改变" in html


def test_downloads_and_the_command_line_carry_the_frozen_figures_and_the_note(
        year_2026, applications, staff, client, login, travel, runner):
    late = _finalize_and_change(applications, staff, travel)
    login(staff["inspector"])

    three, _four, sheet = read_xlsx(client.post(f"{URL}/export", data={"format": "xlsx"}).data)
    assert three["（一）予以公开"] == EXPECTED_2026["grant"]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("报告状态：已定稿") for t in texts)
    assert "对账说明" in texts and any(late in t and "本年新收" in t for t in texts)

    rows = list(csv.reader(io.StringIO(client.post(f"{URL}/export", data={"format": "csv"})
                                       .data.decode("utf-8-sig"))))
    assert ["三", "三、本年度办理结果·（一）予以公开", "自然人", "2"] in rows
    notes = [row[3] for row in rows if row[1] == "对账说明"]
    assert any(late in note for note in notes)

    html = client.post(f"{URL}/export", data={"format": "html"}).get_data(as_text=True)
    assert "对账说明" in html and late in html and "报告状态：<strong>已定稿</strong>" in html
    assert _events("annual_report.export")[-1].after["digest"] == _record().frozen_digest

    result = runner.invoke(args=["annual-report", "2026", "--format", "csv",
                                 "--org", "shuangta"])
    assert result.exit_code == 0, result.output
    assert "三,三、本年度办理结果·（一）予以公开,自然人,2" in result.output
    assert late in result.output


def test_reviewer_submits_with_the_date(year_2026, staff, client, login, travel):
    freezing.finalize(staff["reviewer"], 2026)
    login(staff["reviewer"])

    response = client.post(f"{URL}/submit", data={"submitted_on": "2027-01-14"})
    assert response.status_code == 400  # before the 定稿 (2027-01-15)
    assert "报送日期不能早于定稿日期（2027-01-15）" in response.get_data(as_text=True)
    assert _record().status is ReportStatus.FINALIZED

    response = client.post(f"{URL}/submit", data={"submitted_on": "2027-01-15"})
    assert response.status_code == 303
    page = client.get(URL).get_data(as_text=True)
    assert "报告状态：已报送" in page and "已于 2027-01-15 报送，在报送期限内" in page
    assert "登记报送" not in page
    assert _record().submitted_on == date(2027, 1, 15)


def test_admin_reopens_with_a_reason_on_the_page(year_2026, staff, client, login, travel):
    freezing.finalize(staff["reviewer"], 2026)
    login(staff["admin"])
    assert "退回修改</button>" in client.get(URL).get_data(as_text=True)

    response = client.post(f"{URL}/reopen", data={"reason": "  "})
    assert response.status_code == 400
    assert "请填写退回修改的理由。" in response.get_data(as_text=True)
    assert _record().status is ReportStatus.FINALIZED

    response = client.post(f"{URL}/reopen", data={"reason": "表二行政处罚数字有误。"})
    assert response.status_code == 303
    page = client.get(URL).get_data(as_text=True)
    assert "报告状态：编制中" in page and "理由：表二行政处罚数字有误。" in page
    assert "保存报告" in page


def test_reviewers_cannot_reopen_and_readers_cannot_finalize(year_2026, staff, client, login,
                                                            travel):
    freezing.finalize(staff["reviewer"], 2026)
    login(staff["reviewer"])
    assert client.post(f"{URL}/reopen", data={"reason": "想改"}).status_code == 403
    client.post("/logout")
    login(staff["inspector"])
    assert client.post(f"{URL}/finalize").status_code == 403
    assert client.post(f"{URL}/submit", data={"submitted_on": "2027-01-15"}).status_code == 403
    assert _record().status is ReportStatus.FINALIZED


def test_a_submitted_report_cannot_be_reopened_on_the_page(year_2026, staff, client, login,
                                                          travel):
    freezing.finalize(staff["reviewer"], 2026)
    freezing.submit(staff["reviewer"], 2026, None, date(2027, 1, 15))
    login(staff["admin"])
    page = client.get(URL).get_data(as_text=True)
    assert "退回修改</button>" not in page
    response = client.post(f"{URL}/reopen", data={"reason": "数字有误"})
    assert response.status_code == 409
    assert "已报送，不能退回修改" in response.get_data(as_text=True)
    assert services.get_report(staff["inspector"], 2026).status is ReportStatus.SUBMITTED


def test_the_register_of_a_frozen_year_says_changes_go_to_the_note(year_2026, staff, client,
                                                                   login, travel):
    freezing.finalize(staff["reviewer"], 2026)
    login(staff["handler"])
    page = client.get(f"{URL}/appeals").get_data(as_text=True)
    assert "2026 年度报告已定稿：此处登记或更新的案件不改变定稿数字" in page
    assert "登记案件" in page  # cases are still recorded


def test_the_next_years_page_says_where_its_carry_over_comes_from(year_2026, staff, client,
                                                                  login, travel):
    freezing.finalize(staff["reviewer"], 2026)
    login(staff["inspector"])
    html = client.get("/inspect/annual-report/2027").get_data(as_text=True)
    assert "取自已定稿的 2026 年度报告" in html
    assert _cell(html, "carried_in", "total") == EXPECTED_2026["carried_out"][-1]
