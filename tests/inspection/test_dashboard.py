"""The inspector's figures against the hand-computed year in conftest.py."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.inquiries import queries, workflow
from portal.inquiries.models import InquiryType
from portal.inspection import dashboard
from tests.inquiries.timetravel import beijing, end_of_beijing_day


def test_totals_and_percentiles(year_of_work, inspector):
    board = dashboard.timeliness(dashboard.scope_paths(inspector), 2026)
    total = board.total
    assert (total.total, total.replied, total.replied_on_time) == (4, 3, 2)
    assert total.on_time_rate == pytest.approx(2 / 3)
    assert (total.median_sign_hours, total.p90_sign_hours) == (4, 30)
    assert (total.median_reply_days, total.p90_reply_days) == (2, 20)
    assert (total.overdue, total.due_soon) == (1, 0)


def test_grouped_by_month_type_organization_and_handler(year_of_work, inspector):
    tables = dashboard.timeliness(dashboard.scope_paths(inspector), 2026).tables
    months = {row.label: (row.total, row.on_time_rate) for row in tables["month"]}
    assert months == {"2026-03": (2, 0.5), "2026-04": (2, 1.0)}
    types = {row.label: row.total for row in tables["type"]}
    assert types == {"咨询": 2, "投诉": 1, "求助": 1}
    orgs = {row.label: row.total for row in tables["organization"]}
    assert orgs == {"双塔镇": 3, "双塔镇财政所": 1}
    handlers = {row.label: row.replied for row in tables["handler"]}
    assert handlers == {"handler": 2, "finance": 1, "未签收": 0}


def test_other_towns_inspector_sees_nothing(year_of_work, make_user, orgs):
    from portal.auth.models import Role

    outsider = make_user("other-jijian", (Role.INSPECTOR, orgs["other_town"]))
    assert dashboard.timeliness(dashboard.scope_paths(outsider), 2026).total.total == 0


def test_dashboard_page_with_chart_and_drill_down(client, login, year_of_work, inspector):
    login(inspector)
    page = client.get("/inspect/?year=2026").get_data(as_text=True)
    assert "66.7%" in page and "<svg" in page and "按月答复按时率" in page
    assert "2026-03：50%" in page  # the chart's text description
    drill = client.get("/inspect/inquiries?year=2026&month=2026-03").get_data(as_text=True)
    assert "A" in drill and year_of_work["B"].number in drill
    assert year_of_work["C"].number not in drill
    timeline = client.get(f"/staff/inquiries/{year_of_work['B'].id}").get_data(as_text=True)
    assert "答复 B" in timeline


def test_exports_are_audited_and_open_in_excel(client, login, year_of_work, inspector):
    login(inspector)
    response = client.get("/inspect/export/timeliness-month.csv?year=2026")
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[1][0] == "分组" and rows[2][:2] == ["2026-03", "2"]
    response = client.get("/inspect/export/timeliness-type.xlsx?year=2026")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet["A2"].value == "分组" and sheet.max_row == 2 + 3 + 1
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "inspection.export")).all()
    assert [e.after["format"] for e in events] == ["csv", "xlsx"]
    assert client.get("/inspect/export/nothing.csv").status_code == 404


def test_inspector_cannot_change_anything_but_supervise(client, login, year_of_work,
                                                        inspector):
    login(inspector)
    inquiry = year_of_work["D"]
    for path in (f"/staff/inquiries/{inquiry.id}/sign", f"/staff/inquiries/{inquiry.id}/reply",
                 "/staff/disclosures/new", "/staff/villages/new"):
        assert client.post(path, data={"text": "x"}).status_code == 403
    denied = db.session.scalars(select(AuditEvent).where(
        AuditEvent.result == "denied", AuditEvent.actor_name == "jijian")).all()
    assert len(denied) == 4


def test_a_consultation_past_its_allowance_is_counted_overdue(year_of_work, travel, submit,
                                                              handlers, inspector):
    """Two 依申请公开 received Mon 2026-02-02, due Fri 03-06: 02-03..06 (4), 02-09..13 (9),
    Sat 02-14 上班 (10), 春节 02-15..23 off, 02-24..27 (14), Sat 02-28 上班 (15),
    03-02..06 (20). From 02-03 one consults a third party, the other waits for a 补正.
    On 04-10 the consultation's 15 working days are long spent — 03-06 + 15 = 03-27
    (03-09..13, 16..20, 23..27) — so it is overdue with D; the 补正 wait never is."""
    handler = handlers["handler"]
    travel.set(beijing(date(2026, 2, 2), 9))
    consulting, waiting = (submit(title=title, type=InquiryType.INFO_REQUEST).inquiry
                           for title in ("征求意见中", "待补正"))
    travel.set(beijing(date(2026, 2, 3), 9))
    for inquiry in (consulting, waiting):
        workflow.sign(handler, inquiry.id)
    workflow.start_consultation(handler, consulting.id, "县财政局")
    workflow.request_correction(handler, waiting.id, "请写明所需信息的文号。")
    assert consulting.reply_due_at == end_of_beijing_day(date(2026, 3, 27))
    travel.set(beijing(date(2026, 4, 10), 10))

    board = dashboard.timeliness(dashboard.scope_paths(inspector), 2026)
    assert board == dashboard.compute(dashboard.scope_paths(inspector), 2026, travel.now)[0]

    assert (board.total.total, board.total.overdue) == (6, 2)  # D and the consultation
    by_type = {row.label: row.overdue for row in board.tables["type"]}
    assert by_type["依申请公开"] == 1 and by_type["咨询"] == 1
    overdue = {i.id for i in queries.queue(handler, "overdue", size=100).items}
    assert overdue == {year_of_work["D"].id, consulting.id}
    waiting_queue = {i.id for i in queries.queue(handler, "waiting", size=100).items}
    assert waiting_queue == {waiting.id}


def test_the_supervise_forms_propose_an_answer_date_five_working_days_ahead(
        client, login, year_of_work, inspector, orgs, travel):
    import html
    import re
    from datetime import date

    from portal.extensions import db
    from portal.inspection import supervision
    from portal.timeutil import local_today
    from portal.villages import schedule
    from portal.workdays.calendar import working_days_between

    db.session.add_all(schedule.default_rules(orgs["village_a"], date(2026, 1, 1)))
    db.session.commit()  # a village behind with its postings: the page offers 督办
    login(inspector)
    dashboard_page = client.get("/inspect/?year=2026").get_data(as_text=True)
    supervise = html.unescape(re.search(r'href="(/inspect/supervise/village\?[^"]+)"',
                                        dashboard_page).group(1))
    proposed = set()
    for path in (supervise, f"/staff/inquiries/{year_of_work['D'].id}"):
        page = client.get(path).get_data(as_text=True)
        found = set(re.findall(r'name="answer_due_on"[^>]*value="([^"]+)"', page))
        assert found, path
        proposed |= found
    assert proposed == {supervision.default_answer_due().isoformat()}
    assert working_days_between(local_today(), supervision.default_answer_due()) == 5


def test_the_audit_page_asks_to_copy_the_head_not_to_run_a_command(client, login, inspector):
    login(inspector)
    page = client.get("/inspect/audit").get_data(as_text=True)
    assert "复制下来" in page and "flask" not in page
    head = page.split('<code class="hash">', 1)[1].split("</code>", 1)[0]
    checked = client.get("/inspect/audit", query_string={"expect_head": head})
    assert "先前导出的链头仍在链中" in checked.get_data(as_text=True)
