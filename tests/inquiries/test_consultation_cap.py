"""征求第三方意见 stops the reply clock for at most the case's allowance (条例第三十二、
三十三条; 15 working days unless the SLA table was stricter at receipt). Past it the clock
runs again, and a case still consulting can be overdue, in Python and in the queues' SQL.

Dates worked out by hand on the State Council's 2026 arrangement: 清明 04-04..04-06 (Mon
04-06 off), 劳动节 05-01..05-05 (Fri 05-01, Mon 05-04, Tue 05-05 off), Sat 05-09 a working
day. The start day is not counted (开始的当日不计入); a pause counts the working days after
the day it began, up to and including the day it ended.
"""

from datetime import date

import pytest

from portal.errors import Conflict
from portal.extensions import db
from portal.inquiries import clocks, policy, queries, workflow
from portal.inquiries.models import InquiryType, SlaPolicy, Status
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


def _received(travel, submit, handlers, day=date(2026, 3, 10)):
    travel.to(day, 10)
    inquiry = submit(type=INFO).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    workflow.start_processing(handlers["handler"], inquiry.id)
    return inquiry


@pytest.fixture
def consulting(travel, submit, handlers):
    """A 依申请公开 received Tue 03-10 10:00, due Wed 04-08 (03-11..13, 16..20, 23..27,
    30..04-03 = 18, 04-07 = 19, 04-08 = 20), consulting a third party from Thu 03-12.

    As if the consultation took the whole 15 days: 04-08 + 15 = Wed 04-29 (04-09, 10,
    13..17, 20..24, 27, 28, 29)."""
    inquiry = _received(travel, submit, handlers)
    travel.to(date(2026, 3, 12), 10)
    workflow.start_consultation(handlers["handler"], inquiry.id, "县财政局")
    return inquiry


def _ids(actor, queue: str) -> set[int]:
    return {i.id for i in queries.queue(actor, queue, size=100).items}


def test_while_consulting_the_deadline_is_the_capped_one(consulting):
    assert consulting.status is Status.CONSULTING
    assert consulting.reply_due_at == end_of_beijing_day(date(2026, 4, 29))
    notice = consulting.events[-1]
    assert notice.public and "最长 15 个工作日" in notice.message
    assert "2026-04-29" in notice.message and "第三十二条" in notice.message


def test_a_consultation_past_the_allowance_is_overdue_while_still_consulting(
        consulting, travel, handlers):
    handler = handlers["handler"]
    on_time = travel.set(beijing(date(2026, 4, 29), 23, 59))
    assert not clocks.is_overdue(consulting, on_time)
    assert clocks.due_state(consulting, on_time) == "paused"
    assert consulting.id in _ids(handler, "waiting")

    late = travel.set(beijing(date(2026, 4, 30), 0, 0, 1))
    assert clocks.is_overdue(consulting, late)
    assert clocks.due_state(consulting, late) == "overdue"
    assert consulting.id in _ids(handler, "overdue")
    assert consulting.id not in _ids(handler, "waiting")


def test_a_53_day_consultation_adds_only_15(consulting, travel, handlers):
    """03-12 to Fri 05-29: 13 working days in March (13, 16..20, 23..27, 30, 31), 21 in
    April (1..3, 7..10, 13..17, 20..24, 27..30), 19 in May (6..8, Sat 9, 11..15, 18..22,
    25..29) = 53; only 15 are left out of the reply period, so the deadline stays 04-29
    and the reply on 05-29 is late."""
    travel.to(date(2026, 5, 29), 10)
    workflow.end_consultation(handlers["handler"], consulting.id, "第三方逾期未提出意见。")

    assert consulting.paused_days == 15
    assert consulting.reply_due_at == end_of_beijing_day(date(2026, 4, 29))
    ended = consulting.events[-2]
    assert ended.data["new_due"] == "2026-04-29" and "超出部分计入答复期限" in ended.message
    workflow.reply(handlers["handler"], consulting.id, "经征求意见，予以公开。", outcome="grant")
    assert consulting.replied_on_time is False


def test_a_short_consultation_adds_the_days_it_took(consulting, travel, handlers):
    """03-12 to Thu 03-26: ten working days (13, 16..20, 23..26); 04-08 + 10 = 04-22."""
    travel.to(date(2026, 3, 26), 17)
    workflow.end_consultation(handlers["handler"], consulting.id, "同意公开。")

    assert consulting.paused_days == 10
    assert consulting.reply_due_at == end_of_beijing_day(date(2026, 4, 22))
    assert "超出部分" not in consulting.events[-2].message


@pytest.mark.parametrize(("day", "soon"), [(date(2026, 4, 24), False),
                                           (date(2026, 4, 27), True)])
def test_due_soon_two_working_days_before_the_capped_deadline(consulting, travel, handlers,
                                                              day, soon):
    """Fri 04-24 + 2 working days = Tue 04-28, before 04-29; Mon 04-27 + 2 = 04-29."""
    now = travel.to(day, 10)
    assert clocks.is_due_soon(consulting, now) is soon
    assert (consulting.id in _ids(handlers["handler"], "due_soon")) is soon


def test_the_allowance_is_shared_by_all_consultations_of_the_case(consulting, travel,
                                                                 handlers):
    """First consultation 03-12..03-26: 10 days, deadline 04-22. The second, from Fri
    03-27, may stop the clock for the 5 left: 04-22 + 5 = 04-29 (04-23, 24, 27, 28, 29).
    Ended on Fri 04-24 after 19 days (03-30, 31, 04-01..03, 07..10, 13..17, 20..24), it
    adds 5; a third is refused."""
    handler = handlers["handler"]
    travel.to(date(2026, 3, 26), 17)
    workflow.end_consultation(handler, consulting.id, "同意公开。")
    travel.to(date(2026, 3, 27), 10)
    workflow.start_consultation(handler, consulting.id, "县自然资源局")
    assert consulting.reply_due_at == end_of_beijing_day(date(2026, 4, 29))
    travel.to(date(2026, 4, 24), 10)
    workflow.end_consultation(handler, consulting.id, "无异议。")
    assert consulting.paused_days == 15
    assert consulting.reply_due_at == end_of_beijing_day(date(2026, 4, 29))

    travel.to(date(2026, 4, 27), 10)
    with pytest.raises(Conflict) as refused:
        workflow.start_consultation(handler, consulting.id, "县住建局")
    db.session.rollback()

    assert "已用满 15 个工作日" in refused.value.message
    assert "《政府信息公开条例》第三十二条" in refused.value.message
    assert consulting.status is Status.PROCESSING
    assert consulting.reply_due_at == end_of_beijing_day(date(2026, 4, 29))


def test_a_consultation_cannot_begin_after_the_deadline(travel, submit, handlers):
    inquiry = _received(travel, submit, handlers)
    travel.set(beijing(date(2026, 4, 9), 0, 0, 1))
    events = len(inquiry.events)

    with pytest.raises(Conflict) as refused:
        workflow.start_consultation(handlers["handler"], inquiry.id, "县财政局")
    db.session.rollback()

    assert refused.value.message.startswith("答复期限已于 2026-04-08 届满")
    assert "第三十三条" in refused.value.message
    assert inquiry.status is Status.PROCESSING and inquiry.paused_since is None
    assert inquiry.pauses == [] and len(inquiry.events) == events
    assert clocks.is_overdue(inquiry, travel.now)


def test_the_allowance_is_the_one_promised_at_receipt(travel, submit, handlers):
    """After the admin sets 10, a case received later gets 04-08 + 10 = Wed 04-22
    (04-09, 10, 13..17, 20, 21, 22); the first keeps 15 and 04-29."""
    promised = _received(travel, submit, handlers)
    row = db.session.scalars(db.select(SlaPolicy).where(SlaPolicy.inquiry_type == INFO,
                                                        SlaPolicy.clock == "consultation")).one()
    policy.update_policy(handlers["admin"], row.id, 10)
    later = _received(travel, submit, handlers)
    travel.to(date(2026, 3, 12), 10)
    for inquiry in (promised, later):
        workflow.start_consultation(handlers["handler"], inquiry.id, "县财政局")

    assert promised.reply_due_at == end_of_beijing_day(date(2026, 4, 29))
    assert later.reply_due_at == end_of_beijing_day(date(2026, 4, 22))


def test_a_new_holiday_moves_the_capped_deadline(consulting, handlers):
    """Mon 04-20 made a holiday: 04-08 + 15 = Thu 04-30 (04-09, 10, 13..17, 21..24, 27..30)."""
    workdays.set_override(handlers["admin"], date(2026, 4, 20), False, "临时停工")
    assert consulting.reply_due_at == end_of_beijing_day(date(2026, 4, 30))


def test_a_holiday_inside_a_finished_consultation_moves_nothing(consulting, travel,
                                                                handlers):
    """Consulted 03-12..03-26 (deadline 04-22); Mon 03-16 then made a holiday: the clock
    was stopped that day anyway, so the pause counts 9 and the deadline stays 04-22."""
    travel.to(date(2026, 3, 26), 17)
    workflow.end_consultation(handlers["handler"], consulting.id, "同意公开。")

    workdays.set_override(handlers["admin"], date(2026, 3, 16), False, "补录停工日")

    assert consulting.paused_days == 9
    assert consulting.reply_due_at == end_of_beijing_day(date(2026, 4, 22))


def test_a_holiday_during_a_long_consultation_keeps_the_allowance_at_15(consulting, travel,
                                                                       handlers):
    """Consulting 03-12..05-29 (53 days); Wed 04-01 then made a holiday: 52 days inside
    the pause, still only 15 left out. 20 + 15 = 35 working days from 03-10: 03-11..04-29
    held 35 with 04-01; without it the 35th is Thu 04-30."""
    travel.to(date(2026, 5, 29), 10)
    workflow.end_consultation(handlers["handler"], consulting.id, "第三方逾期未提出意见。")

    workdays.set_override(handlers["admin"], date(2026, 4, 1), False, "补录停工日")

    assert consulting.paused_days == 15
    assert consulting.reply_due_at == end_of_beijing_day(date(2026, 4, 30))


def test_staff_and_applicant_see_the_latest_reply_date(app, client, login, travel, submit,
                                                       handlers):
    travel.to(date(2026, 3, 10), 10)
    receipt = submit(type=INFO)
    workflow.sign(handlers["handler"], receipt.inquiry.id)
    travel.to(date(2026, 3, 12), 10)
    workflow.start_consultation(handlers["handler"], receipt.inquiry.id, "县财政局")

    applicant = app.test_client()
    applicant.post("/inquiries/track", data={"code": receipt.tracking_code})
    page = applicant.get("/inquiries/track/status").get_data(as_text=True)
    assert "最长 15 个工作日），最迟 2026-04-29" in page
    login(handlers["handler"])
    page = client.get(f"/staff/inquiries/{receipt.inquiry.id}").get_data(as_text=True)
    assert "最长 15 个工作日），最迟 2026-04-29" in page
