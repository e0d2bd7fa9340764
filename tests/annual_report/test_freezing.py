"""定稿、报送、退回修改: a submitted report is a frozen, audited record; later events show as a
reconciliation note, never in the filed figures; the next year carries on from the filed
figures. Dates are Beijing dates, counted by hand."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.annual_report import appeals, freezing, frozen, services
from portal.annual_report.appeals import AppealInput
from portal.annual_report.models import AnnualReport, ReportStatus
from portal.audit.models import AuditEvent
from portal.errors import Conflict, PermissionDenied, ValidationError
from portal.extensions import db
from tests.annual_report.test_report import EXPECTED_2026
from tests.inquiries.timetravel import beijing

TEXT = {"overview": "2026 年，双塔镇坚持以公开为常态。", "problems": "公开栏更新不够及时。",
        "other_matters": "无", "penalty_decisions": "31", "fee_amount": "0.35"}


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


@pytest.fixture
def filed_2026(year_2026, staff, travel):
    """双塔镇's 2026 report, written and 定稿 by the reviewer at 10:00 on 2027-01-18."""
    travel.to(date(2027, 1, 18))
    services.save_report(staff["reviewer"], 2026, None, TEXT)
    freezing.finalize(staff["reviewer"], 2026)
    return year_2026


@pytest.fixture
def later_events(filed_2026, applications, travel):
    """After the 定稿: B1 (answered 2026-01-05, 予以公开) is reopened on 2027-01-20 (a linked
    handling: its 2026 reply stays counted), and L, a letter signed for on 2026-12-30, is
    registered on 2027-01-20."""
    applications.reopen("B1", beijing(date(2027, 1, 20)))
    late = applications.receive("L", beijing(date(2027, 1, 20), 11))
    late.received_at = beijing(date(2026, 12, 30), 16)
    db.session.commit()
    travel.to(date(2027, 1, 25))
    return filed_2026


# --- 定稿 -------------------------------------------------------------------------------------

def test_finalizing_stores_the_whole_report_and_audits_its_digest(filed_2026, staff):
    record = db.session.scalars(select(AnnualReport)).one()
    assert record.status is ReportStatus.FINALIZED
    assert record.finalized_by == staff["reviewer"]
    snap = record.frozen
    assert snap["format"] == 1 and snap["check"] == "通过"
    assert snap["narrative"]["problems"] == "公开栏更新不够及时。"
    assert snap["manual"]["penalty_decisions"] == 31 and snap["manual"]["fee_amount"] == "0.35"
    assert snap["applications"]["counts"]["new"]["total"] == 25
    assert len(snap["applications"]["ledger"]) == 25 + 4
    b1 = filed_2026.made["B1"].number
    assert [b1, "citizen", "carried_in", "grant"] in snap["applications"]["ledger"]
    assert record.frozen_digest == frozen.digest(snap)

    event = _events("annual_report.finalize")[-1]
    assert event.actor_id == staff["reviewer"].id
    assert event.before == {"status": "draft"}
    assert event.after["digest"] == record.frozen_digest
    assert event.after["totals"] == {"new": 25, "carried_in": 4, "answered_total": 25,
                                     "carried_out": 4}


def test_a_frozen_report_shows_its_filed_figures_after_later_events(later_events, staff):
    report = services.get_report(staff["inspector"], 2026)

    assert report.is_frozen and report.status is ReportStatus.FINALIZED
    assert {row: report.applications.row(row) for row in EXPECTED_2026} == EXPECTED_2026
    assert report.check.passed
    assert report.narrative["overview"] == TEXT["overview"]
    assert report.manual["penalty_decisions"] == 31


def test_the_reconciliation_note_names_rows_columns_and_applications(later_events, staff):
    late = later_events.made["L"].number
    report = services.get_report(staff["inspector"], 2026)

    differences = {d.row: d for d in report.reconciliation.differences}
    assert set(differences) == {"一、本年新收政府信息公开申请数量", "四、结转下年度继续办理"}
    new = differences["一、本年新收政府信息公开申请数量"]
    assert [(c.column, c.filed, c.recomputed, c.delta) for c in new.cells] == [
        ("自然人", 5, 6, 1), ("总计", 25, 26, 1)]
    assert new.causes == (late,)
    assert new.text == ("表三“一、本年新收政府信息公开申请数量”：自然人 已报 5、重算 6（+1），"
                        f"总计 已报 25、重算 26（+1）；涉及受理编号：{late}。")
    carried_out = differences["四、结转下年度继续办理"]
    assert [(c.column, c.filed, c.recomputed) for c in carried_out.cells] == [
        ("自然人", 1, 2), ("总计", 4, 5)]
    assert carried_out.causes == (late,)


def test_a_frozen_report_without_later_changes_reconciles(filed_2026, staff):
    report = services.get_report(staff["inspector"], 2026)
    assert report.reconciliation.matches


def test_the_next_year_carries_over_the_filed_figures(later_events, staff, applications):
    applications.answer("B1", "partial", beijing(date(2027, 1, 22)))  # B1's second handling
    applications.travel.to(date(2027, 1, 25))

    report = services.get_report(staff["inspector"], 2027)

    assert report.carried_in_from == 2026
    assert report.applications.row("carried_in") == EXPECTED_2026["carried_out"]
    assert report.applications.row("new") == [2, 0, 0, 0, 0, 0, 2]  # F, and L (missed)
    assert report.missed == (later_events.made["L"].number,)
    assert report.applications.row("grant") == [0, 0, 0, 0, 0, 1, 1]  # E3, 2027-01-06
    assert report.applications.row("partial") == [0] * 7  # B1 was counted in 2026
    assert report.applications.row("carried_out") == [3, 0, 1, 1, 0, 0, 5]
    assert report.check.passed


def test_without_a_frozen_year_the_next_year_counts_from_todays_data(year_2026, staff,
                                                                      applications):
    late = applications.receive("L", beijing(date(2027, 1, 20), 11))
    late.received_at = beijing(date(2026, 12, 30), 16)  # signed for in 2026, registered late
    db.session.commit()
    applications.travel.to(date(2027, 1, 25))
    report = services.get_report(staff["inspector"], 2027)
    assert report.carried_in_from is None
    assert report.applications.row("carried_in") == [2, 0, 1, 1, 0, 1, 5]  # L too


def test_finalizing_a_failing_check_is_refused_naming_the_column(applications, staff):
    applications.receive("X", beijing(date(2026, 3, 2)), "research")
    applications.answer("X", "grant", beijing(date(2026, 3, 3)))
    inquiry = applications.made["X"]
    inquiry.outcome = ""
    db.session.commit()
    applications.travel.to(date(2027, 1, 15))

    with pytest.raises(Conflict) as error:
        freezing.finalize(staff["reviewer"], 2026)
    assert "勾稽关系校验不通过，不能定稿" in error.value.message
    assert "科研机构（一 + 二 = 1，三（七） + 四 = 0）" in error.value.message
    assert inquiry.number in error.value.message
    db.session.rollback()
    assert db.session.scalars(select(AnnualReport)).all() == []
    assert _events("annual_report.finalize") == []


def test_the_current_year_cannot_be_finalized(staff, travel):
    with pytest.raises(Conflict, match="2027 年尚未结束"):
        freezing.finalize(staff["reviewer"], 2027)


@pytest.mark.parametrize("role", ["inspector", "handler", "editor", "other_reviewer"])
def test_only_the_organizations_reviewers_and_admins_finalize(staff, travel, role):
    with pytest.raises(PermissionDenied) as error:
        freezing.finalize(staff[role], 2026, "shuangta")
    assert error.value.action == "annual_report.finalize"


def test_finalizing_twice_is_refused(filed_2026, staff):
    with pytest.raises(Conflict, match="已于 2027-01-18 定稿"):
        freezing.finalize(staff["admin"], 2026)


# --- editing a frozen report ----------------------------------------------------------------

def test_editing_a_finalized_report_is_refused_and_nothing_changes(filed_2026, staff):
    with pytest.raises(Conflict) as error:
        services.save_report(staff["reviewer"], 2026, None, {**TEXT, "overview": "改写"})
    assert error.value.message.startswith("该年度报告已定稿，不能修改；如需更正请")
    assert error.value.action == "annual_report.edit_frozen"
    db.session.rollback()
    record = db.session.scalars(select(AnnualReport)).one()
    assert record.overview == TEXT["overview"]
    assert record.frozen["narrative"]["overview"] == TEXT["overview"]
    assert len(_events("annual_report.save")) == 1


# --- 报送 -------------------------------------------------------------------------------------

def test_submitting_records_the_date(filed_2026, staff, travel):
    travel.to(date(2027, 1, 25))
    record = freezing.submit(staff["admin"], 2026, None, date(2027, 1, 22))

    assert record.status is ReportStatus.SUBMITTED and record.submitted_on == date(2027, 1, 22)
    assert record.submitted_by == staff["admin"]
    event = _events("annual_report.submit")[-1]
    assert event.after["submitted_on"] == "2027-01-22"
    assert event.after["digest"] == record.frozen_digest
    report = services.get_report(staff["inspector"], 2026)
    assert report.status is ReportStatus.SUBMITTED and report.submitted_late_days == 0


def test_a_submission_after_the_deadline_is_shown_as_late(filed_2026, staff, travel):
    travel.to(date(2027, 2, 3))
    freezing.submit(staff["reviewer"], 2026, None, date(2027, 2, 2))
    assert services.get_report(staff["inspector"], 2026).submitted_late_days == 2


@pytest.mark.parametrize(("submitted_on", "message"), [
    (None, "请填写报送日期"),
    (date(2027, 1, 26), "不能晚于今天"),  # today is 2027-01-25
    (date(2027, 1, 17), "不能早于定稿日期（2027-01-18）"),
])
def test_a_bad_submission_date_is_refused(filed_2026, staff, travel, submitted_on, message):
    travel.to(date(2027, 1, 25))
    with pytest.raises(ValidationError, match=message) as error:
        freezing.submit(staff["reviewer"], 2026, None, submitted_on)
    assert error.value.field == "submitted_on"
    db.session.rollback()
    assert db.session.scalars(select(AnnualReport)).one().status is ReportStatus.FINALIZED


def test_a_draft_cannot_be_submitted(staff, travel):
    with pytest.raises(Conflict, match="尚未定稿，请先定稿再报送"):
        freezing.submit(staff["reviewer"], 2026, None, date(2027, 1, 15))


def test_a_submitted_report_is_final(filed_2026, staff, travel):
    freezing.submit(staff["reviewer"], 2026, None, date(2027, 1, 18))
    with pytest.raises(Conflict, match="已报送，不能退回修改"):
        freezing.reopen(staff["admin"], 2026, None, "数字有误")
    with pytest.raises(Conflict) as error:
        services.save_report(staff["admin"], 2026, None, TEXT)
    assert error.value.message.startswith("该年度报告已定稿并报送，不能修改；如需更正")
    with pytest.raises(Conflict, match="已报送"):
        freezing.finalize(staff["admin"], 2026)


# --- 退回修改 ---------------------------------------------------------------------------------

def test_an_admin_reopens_a_finalized_report_with_a_reason(later_events, staff):
    digest = db.session.scalars(select(AnnualReport)).one().frozen_digest
    record = freezing.reopen(staff["admin"], 2026, None, "B1 重新办理，数字需更正。")

    assert record.status is ReportStatus.DRAFT and record.frozen is None
    assert record.reopen_reason == "B1 重新办理，数字需更正。"
    event = _events("annual_report.reopen")[-1]
    assert event.actor_id == staff["admin"].id
    assert event.before["digest"] == digest and event.before["totals"]["new"] == 25
    assert event.after["reason"] == "B1 重新办理，数字需更正。"
    report = services.get_report(staff["inspector"], 2026)
    assert not report.is_frozen and report.reconciliation is None
    assert report.applications.row("new")[-1] == 26  # today's count again
    services.save_report(staff["reviewer"], 2026, None, {**TEXT, "problems": "已更正。"})
    freezing.finalize(staff["reviewer"], 2026)
    assert services.get_report(staff["inspector"], 2026).reconciliation.matches


def test_reopening_needs_a_reason_and_an_admin(filed_2026, staff):
    with pytest.raises(PermissionDenied):
        freezing.reopen(staff["reviewer"], 2026, None, "理由")
    with pytest.raises(ValidationError, match="请填写退回修改的理由") as error:
        freezing.reopen(staff["admin"], 2026, None, "  ")
    assert error.value.field == "reason"
    db.session.rollback()
    assert db.session.scalars(select(AnnualReport)).one().status is ReportStatus.FINALIZED
    assert _events("annual_report.reopen") == []


def test_a_draft_cannot_be_reopened(staff, travel):
    with pytest.raises(Conflict, match="尚未定稿"):
        freezing.reopen(staff["admin"], 2026, None, "理由")


# --- table 四 ---------------------------------------------------------------------------------

def test_a_case_decided_after_the_filing_shows_in_the_note(staff, travel):
    appeal = appeals.record_appeal(staff["handler"], AppealInput(
        organization="shuangta", kind="review", filed_on=date(2026, 11, 2)))
    freezing.finalize(staff["reviewer"], 2026)
    travel.to(date(2027, 1, 20))
    appeals.update_appeal(staff["handler"], appeal.id, "upheld", date(2026, 12, 28),
                          "迟到登记的复议决定")

    report = services.get_report(staff["inspector"], 2026)
    assert report.appeals.cells(appeal.kind) == [0, 0, 0, 1, 1]  # as filed: 尚未审结
    (difference,) = report.reconciliation.differences
    assert difference.table == "四" and difference.row == "行政复议"
    assert [(c.column, c.filed, c.recomputed) for c in difference.cells] == [
        ("结果维持", 0, 1), ("尚未审结", 1, 0)]
    assert difference.causes == (f"登记号 {appeal.id}（2026-11-02 行政复议）",)
