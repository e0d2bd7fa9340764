"""依申请公开 (条例第三十至三十六条): the 7-day 补正 notice, the clock restarting when the
correction arrives, third-party consultation, the single extension of at most 20 working
days, the outcome code of the reply, and 视为放弃 after the correction period."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.errors import Conflict, InvalidTransition, ValidationError
from portal.extensions import db
from portal.inquiries import clocks, extension_requests, submission, workflow
from portal.inquiries.models import InquiryType, Status
from portal.inquiries.outcomes import OUTCOMES
from portal.workdays import services as workdays
from tests.inquiries.timetravel import (
    TimeMachine,
    beijing,
    cheap_password_hashing,
    end_of_beijing_day,
)

INFO = InquiryType.INFO_REQUEST


@pytest.fixture(autouse=True)
def _fast_users(monkeypatch):
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def travel(app, monkeypatch):
    return TimeMachine(monkeypatch)


@pytest.fixture
def processing(travel, submit, handlers):
    """A 依申请公开 received Tue 2026-03-10 10:00 (reply due 04-08), signed and in hand."""
    travel.to(date(2026, 3, 10), 10)
    receipt = submit(type=INFO)
    workflow.sign(handlers["handler"], receipt.inquiry.id)
    workflow.start_processing(handlers["handler"], receipt.inquiry.id)
    assert receipt.inquiry.reply_due_at == end_of_beijing_day(date(2026, 4, 8))
    return receipt.inquiry


@pytest.fixture
def awaiting(processing, travel, handlers):
    """…and asked for a correction on Thu 03-12 (correction period ends 04-02)."""
    travel.to(date(2026, 3, 12), 11)
    workflow.request_correction(handlers["handler"], processing.id, "请写明所需信息的文号。")
    return processing


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


# --- 补正 -------------------------------------------------------------------------------

@pytest.mark.parametrize(("submitted", "due"), [
    (date(2026, 3, 10), date(2026, 3, 19)),
    (date(2026, 9, 30), date(2026, 10, 15)),  # 10-08, 09, 10 (Sat), 12 … 15
    (date(2026, 2, 12), date(2026, 2, 28)),  # 13, 14 (Sat), 24 … 27, 28 (Sat)
])
def test_correction_must_be_requested_within_seven_working_days(travel, submit, submitted,
                                                                due):
    travel.to(submitted, 10)
    inquiry = submit(type=INFO).inquiry
    assert inquiry.correction_request_due_at == end_of_beijing_day(due)


def test_other_types_have_no_correction_request_deadline(travel, submit):
    assert submit(type=InquiryType.CONSULT).inquiry.correction_request_due_at is None


def test_correction_request_pauses_and_states_the_resident_deadline(awaiting, travel):
    assert awaiting.status is Status.AWAITING_RESIDENT
    assert awaiting.paused_since == travel.now
    assert awaiting.correction_due_at == end_of_beijing_day(date(2026, 4, 2))
    notice = awaiting.events[-1]
    assert notice.public and "2026-04-02" in notice.message
    assert notice.data == {"late_request": False}


def test_correction_requested_after_seven_days_is_flagged_late(processing, travel, handlers):
    travel.to(date(2026, 3, 20), 9)  # the notice was due by 03-19
    workflow.request_correction(handlers["handler"], processing.id, "请写明所需信息的文号。")

    assert processing.events[-1].data == {"late_request": True}
    assert _audit("inquiry.request_correction")[-1].after["late_request"] is True


def test_resident_correction_restarts_the_twenty_days(awaiting, travel):
    travel.to(date(2026, 3, 20), 14)  # Fri; 20 working days on, past 清明 (04-06)
    submission.supplement(awaiting.id, "所需信息为双政〔2025〕12号文件。")

    assert awaiting.status is Status.PROCESSING
    assert awaiting.clock_start_on == date(2026, 3, 20)
    assert awaiting.reply_due_at == end_of_beijing_day(date(2026, 4, 20))
    assert awaiting.paused_since is None and awaiting.correction_due_at is None
    event = awaiting.events[-1]
    assert event.actor_id is None and event.public
    assert event.data == {"source": "resident", "new_due": "2026-04-20"}
    audit = _audit("inquiry.correction_received")[-1]
    assert audit.actor_id is None and audit.after["status"] == "processing"


def test_correction_recorded_by_staff_restarts_the_twenty_days(awaiting, travel, handlers):
    travel.to(date(2026, 3, 25), 16)
    workflow.record_correction(handlers["handler"], awaiting.id, "申请人到窗口补交了说明。")

    assert awaiting.status is Status.PROCESSING
    assert awaiting.reply_due_at == end_of_beijing_day(date(2026, 4, 23))
    assert awaiting.events[-1].data["source"] == "staff"
    assert _audit("inquiry.correction_received")[-1].actor_id == handlers["handler"].id


def test_supplement_is_refused_when_nothing_was_asked(processing):
    with pytest.raises(Conflict):
        submission.supplement(processing.id, "补充说明。")
    assert processing.status is Status.PROCESSING


def test_other_types_resume_with_the_waited_days_added(travel, submit, handlers):
    travel.to(date(2026, 3, 10), 10)
    inquiry = submit(type=InquiryType.CONSULT).inquiry  # due 03-17
    workflow.sign(handlers["handler"], inquiry.id)
    travel.to(date(2026, 3, 12), 10)
    workflow.request_correction(handlers["handler"], inquiry.id, "请补充家庭住址。")
    travel.to(date(2026, 3, 19), 10)  # 13, 16, 17, 18, 19: five working days waited
    submission.supplement(inquiry.id, "住址为双塔村 12 号。")

    assert inquiry.clock_start_on == date(2026, 3, 10)
    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 3, 24))


# --- 征求第三方意见 -------------------------------------------------------------------------

def test_consultation_time_is_added_back(processing, travel, handlers):
    travel.to(date(2026, 3, 12), 10)
    workflow.start_consultation(handlers["handler"], processing.id, "县财政局")
    assert processing.status is Status.CONSULTING
    travel.to(date(2026, 3, 26), 17)  # ten working days later
    workflow.end_consultation(handlers["handler"], processing.id, "同意公开。")

    assert processing.status is Status.PROCESSING
    assert processing.paused_days == 10
    assert processing.reply_due_at == end_of_beijing_day(date(2026, 4, 22))
    assert processing.events[-2].data["new_due"] == "2026-04-22"


def test_consultation_over_national_day_adds_only_working_days(travel, submit, handlers):
    handler = handlers["handler"]
    travel.to(date(2026, 9, 29), 10)
    inquiry = submit(type=INFO).inquiry
    workflow.sign(handler, inquiry.id)
    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 11, 2))
    travel.to(date(2026, 9, 30), 10)
    workflow.start_consultation(handler, inquiry.id, "县自然资源局")
    travel.to(date(2026, 10, 9), 10)  # only 10-08 and 10-09 were working days
    workflow.end_consultation(handler, inquiry.id, "无异议。")

    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 11, 4))


def test_consultation_ended_the_same_day_moves_nothing(processing, travel, handlers):
    workflow.start_consultation(handlers["handler"], processing.id, "县财政局")
    travel.advance(hours=5)
    workflow.end_consultation(handlers["handler"], processing.id, "同意公开。")
    assert processing.reply_due_at == end_of_beijing_day(date(2026, 4, 8))


# --- 延期 -------------------------------------------------------------------------------

@pytest.mark.parametrize("days", [0, 21, -3])
def test_extension_outside_one_to_twenty_days_is_refused(processing, handlers, days):
    with pytest.raises(ValidationError):
        extension_requests.request_extension(handlers["handler"], processing.id, days, "材料较多。")
    db.session.rollback()
    assert processing.extensions == []


def test_one_extension_of_twenty_days_then_no_more(processing, travel, handlers):
    travel.to(date(2026, 4, 1), 10)
    extension_requests.request_extension(handlers["handler"], processing.id, 20, "需调取历史档案。")
    extension_requests.decide_extension(handlers["reviewer"], processing.id, True, "同意")

    # 04-08 + 20 working days: 劳动节 05-01..05-05 off, Sat 05-09 works.
    assert processing.reply_due_at == end_of_beijing_day(date(2026, 5, 9))
    notice = processing.events[-1]
    assert notice.public and "2026-05-09" in notice.message and "reviewer" in notice.message
    with pytest.raises(Conflict):
        extension_requests.request_extension(handlers["handler"], processing.id, 1, "还需要一天。")
    db.session.rollback()
    assert len(processing.extensions) == 1


def test_a_refused_extension_does_not_use_up_the_one_allowed(processing, handlers):
    extension_requests.request_extension(handlers["handler"], processing.id, 20, "需调取历史档案。")
    extension_requests.decide_extension(handlers["reviewer"], processing.id, False, "理由不充分。")
    extension_requests.request_extension(handlers["handler"], processing.id, 5, "档案在县档案馆。")
    extension_requests.decide_extension(handlers["reviewer"], processing.id, True, "同意")

    assert processing.extension_days == 5
    assert processing.reply_due_at == end_of_beijing_day(date(2026, 4, 15))


def test_other_types_are_capped_at_fifteen_days(travel, submit, handlers):
    inquiry = submit(type=InquiryType.COMPLAINT).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    with pytest.raises(ValidationError):
        extension_requests.request_extension(handlers["handler"], inquiry.id, 16, "需要现场核查。")
    db.session.rollback()
    extension_requests.request_extension(handlers["handler"], inquiry.id, 15, "需要现场核查。")
    assert inquiry.pending_extension.days == 15


def test_a_second_request_waits_for_the_first_decision(processing, handlers):
    extension_requests.request_extension(handlers["handler"], processing.id, 5, "需调取历史档案。")
    with pytest.raises(Conflict):
        extension_requests.request_extension(handlers["handler2"], processing.id, 5, "再延一次。")


# --- 答复 and its outcome ---------------------------------------------------------------

@pytest.mark.parametrize("outcome", ["", "yes", "deny-9", "other"])
def test_reply_needs_an_outcome_from_the_annual_report_list(processing, handlers, outcome):
    with pytest.raises(ValidationError):
        workflow.reply(handlers["handler"], processing.id, "经审查，答复如下。", outcome=outcome)
    db.session.rollback()
    assert processing.status is Status.PROCESSING and processing.replied_at is None


@pytest.mark.parametrize("outcome", sorted(OUTCOMES))
def test_every_listed_outcome_is_accepted_and_recorded(processing, handlers, outcome):
    workflow.reply(handlers["handler"], processing.id, "经审查，答复如下。", outcome=outcome)
    assert processing.status is Status.REPLIED and processing.outcome == outcome
    assert _audit("inquiry.reply")[-1].after["outcome"] == outcome


def test_other_types_store_no_outcome(travel, submit, handlers):
    inquiry = submit(type=InquiryType.CONSULT).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    workflow.reply(handlers["handler"], inquiry.id, "请到便民服务中心办理。", outcome="grant")
    assert inquiry.outcome == ""


# --- 视为放弃 ----------------------------------------------------------------------------

def test_abandonment_is_refused_on_the_last_day_of_the_period(awaiting, travel, handlers):
    travel.set(beijing(date(2026, 4, 2), 23, 30))
    with pytest.raises(ValidationError):
        workflow.treat_as_abandoned(handlers["handler"], awaiting.id)
    db.session.rollback()
    assert awaiting.status is Status.AWAITING_RESIDENT and awaiting.outcome == ""


def test_abandonment_after_the_period_closes_with_other_1(awaiting, travel, handlers):
    now = travel.to(date(2026, 4, 3), 9)
    workflow.treat_as_abandoned(handlers["handler"], awaiting.id)

    assert awaiting.status is Status.CLOSED and awaiting.outcome == "other-1"
    assert awaiting.replied_at == awaiting.closed_at == now
    assert awaiting.paused_since is None and "视为放弃申请" in awaiting.reply_text
    assert not clocks.is_overdue(awaiting, now)
    audit = _audit("inquiry.abandon")[-1]
    assert (audit.before, audit.after) == ({"status": "awaiting_resident"},
                                           {"status": "closed"})


def test_abandonment_is_only_for_information_requests(travel, submit, handlers):
    travel.to(date(2026, 3, 10), 10)
    inquiry = submit(type=InquiryType.COMPLAINT).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    workflow.request_correction(handlers["handler"], inquiry.id, "请提供商家名称。")
    travel.to(date(2026, 6, 1), 10)

    with pytest.raises(ValidationError):
        workflow.treat_as_abandoned(handlers["handler"], inquiry.id)
    db.session.rollback()
    assert inquiry.status is Status.AWAITING_RESIDENT


def test_new_holiday_moves_the_correction_deadlines(awaiting, travel, submit, handlers):
    fresh = submit(type=INFO).inquiry  # Thu 03-12: the notice is due by 03-23
    assert fresh.correction_request_due_at == end_of_beijing_day(date(2026, 3, 23))

    workdays.set_override(handlers["admin"], date(2026, 3, 17), False, "临时停工")

    # The resident's correction period (due 04-02) and the notice period both count 03-17.
    assert awaiting.correction_due_at == end_of_beijing_day(date(2026, 4, 3))
    assert fresh.correction_request_due_at == end_of_beijing_day(date(2026, 3, 24))


def test_correction_before_signing_does_not_skip_sign_for(travel, submit, handlers):
    inquiry = submit(type=INFO).inquiry
    try:
        workflow.request_correction(handlers["handler"], inquiry.id, "请写明所需信息的文号。")
    except InvalidTransition:
        return  # also a fix: only a signed work order asks for a correction
    submission.supplement(inquiry.id, "所需信息为双政〔2025〕12号文件。")

    signed = inquiry.handler_id is not None and inquiry.signed_at is not None
    assert inquiry.status is Status.RECEIVED or (inquiry.status is Status.PROCESSING and signed)


def test_the_information_does_not_exist_template_follows_article_36_item_4(app):
    """条例第三十六条（四）：经检索没有所申请公开信息的，告知申请人该政府信息不存在. Item （五）
    (不属于本行政机关负责公开) is another reply, with its own wording."""
    from portal.inquiries import reply_templates

    bodies = {t.name: t.body for t in reply_templates.templates_for(InquiryType.INFO_REQUEST)}
    body = bodies["信息不存在告知书"]
    assert "第三十六条第（四）项" in body
    assert "经检索没有所申请公开信息的，告知申请人该政府信息不存在" in body
    assert "您申请公开的政府信息不存在" in body
    assert "不掌握" not in body and "第三十六条第四项" not in body
    assert "负责公开" not in body  # （五）'s case is not this one
