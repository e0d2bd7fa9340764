"""延期 only before the deadline it extends (条例第三十三条): asked for and approved while
the reply period runs; after it, refused with the rule named and nothing saved; a reply
after the deadline is late for ever, and a wait begun after it moves nothing.

Dates worked out by hand on the State Council's 2026 arrangement: 清明 04-04..04-06
(Mon 04-06 off), 劳动节 05-01..05-05 with Sat 05-09 a working day. The start day is not
counted (开始的当日不计入).
"""

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.errors import Conflict
from portal.extensions import db
from portal.inquiries import clocks, extension_requests, queries, submission, workflow
from portal.inquiries.models import ExtensionRequest, Inquiry, InquiryEvent, InquiryType
from tests.inquiries.timetravel import (
    TimeMachine,
    beijing,
    cheap_password_hashing,
    end_of_beijing_day,
)

INFO = InquiryType.INFO_REQUEST
RULE = "（《政府信息公开条例》第三十三条：延长答复期限须在期限届满前决定）"
TOO_LATE_TO_APPROVE = f"答复期限已于 2026-04-08 届满，不能再批准延期{RULE}"
TOO_LATE_TO_ASK = f"答复期限已于 2026-04-08 届满，不能再申请延期{RULE}"


@pytest.fixture(autouse=True)
def _fast_users(monkeypatch):
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def travel(app, monkeypatch):
    return TimeMachine(monkeypatch)


@pytest.fixture
def application(travel, submit, handlers):
    """A 依申请公开 received Tue 2026-03-10 10:00 and taken in hand that day.

    Reply due Wed 04-08: 20 working days from 03-11 — 03-11..13 (3), 03-16..20 (8),
    03-23..27 (13), 03-30..04-03 (18), Mon 04-06 is 清明, 04-07 (19), 04-08 (20)."""
    travel.to(date(2026, 3, 10), 10)
    inquiry = submit(type=INFO).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    workflow.start_processing(handlers["handler"], inquiry.id)
    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 4, 8))
    return inquiry


def _state(inquiry_id: int) -> tuple:
    """What a refused operation must leave as it was, read past the session's objects."""
    inquiry = db.session.execute(select(Inquiry.reply_due_at, Inquiry.extension_days)
                                 .where(Inquiry.id == inquiry_id)).one()
    requests = db.session.execute(select(ExtensionRequest.approved, ExtensionRequest.decided_at)
                                  .where(ExtensionRequest.inquiry_id == inquiry_id)).all()
    events = db.session.scalar(select(func.count()).where(InquiryEvent.inquiry_id == inquiry_id))
    audit = db.session.scalar(select(func.count()).select_from(AuditEvent))
    return (*inquiry, requests, events, audit)


def test_approval_after_the_deadline_is_refused_and_the_reply_stays_late(application,
                                                                        travel, handlers):
    """Asked for on the last day, 04-08; the reviewer comes to it on 04-15, a week after
    the period ended; the reply on 04-20 is late."""
    travel.to(date(2026, 4, 8), 10)
    extension_requests.request_extension(handlers["handler"], application.id,
        10, "需调取历史档案。")
    travel.to(date(2026, 4, 15), 10)
    before = _state(application.id)

    with pytest.raises(Conflict) as refused:
        extension_requests.decide_extension(handlers["reviewer"], application.id, True, "同意")
    db.session.rollback()

    assert refused.value.message == TOO_LATE_TO_APPROVE
    assert _state(application.id) == before
    assert application.pending_extension is not None
    assert clocks.is_overdue(application, travel.now)
    travel.to(date(2026, 4, 20), 10)
    workflow.reply(handlers["handler"], application.id, "所申请的信息见附件。", outcome="grant")
    assert application.replied_on_time is False


def test_a_request_after_the_deadline_is_refused(application, travel, handlers):
    travel.set(beijing(date(2026, 4, 9), 0, 0, 1))
    before = _state(application.id)

    with pytest.raises(Conflict) as refused:
        extension_requests.request_extension(handlers["handler"], application.id, 5, "材料较多。")
    db.session.rollback()

    assert refused.value.message == TOO_LATE_TO_ASK
    assert _state(application.id) == before
    assert application.extensions == []


def test_asked_and_approved_in_the_last_minute_counts(application, travel, handlers):
    """04-08 + 20 working days: 04-09..10 (2), 04-13..17 (7), 04-20..24 (12), 04-27..30
    (16), 劳动节 05-01..05-05 off, 05-06..08 (19), Sat 05-09 (20)."""
    travel.set(beijing(date(2026, 4, 8), 23, 58))
    extension_requests.request_extension(handlers["handler"], application.id,
        20, "需调取历史档案。")
    travel.set(beijing(date(2026, 4, 8), 23, 59, 59))
    extension_requests.decide_extension(handlers["reviewer"], application.id,
        True, "同意")

    assert application.reply_due_at == end_of_beijing_day(date(2026, 5, 9))
    travel.to(date(2026, 5, 8), 10)
    workflow.reply(handlers["handler"], application.id, "所申请的信息见附件。", outcome="grant")
    assert application.replied_on_time is True


def test_a_late_request_may_still_be_turned_down(application, travel, handlers):
    travel.to(date(2026, 4, 8), 10)
    extension_requests.request_extension(handlers["handler"], application.id,
        10, "需调取历史档案。")
    travel.to(date(2026, 4, 15), 10)

    extension_requests.decide_extension(handlers["reviewer"], application.id,
        False, "已超过答复期限。")

    assert application.extensions[0].approved is False
    assert application.reply_due_at == end_of_beijing_day(date(2026, 4, 8))


def test_other_types_are_extended_only_in_time_too(travel, submit, handlers):
    """A 投诉 received Tue 03-10 is due Tue 03-31: 03-11..13 (3), 03-16..20 (8),
    03-23..27 (13), 03-30 (14), 03-31 (15)."""
    travel.to(date(2026, 3, 10), 9)
    inquiry = submit(type=InquiryType.COMPLAINT).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 3, 31))
    travel.to(date(2026, 4, 1), 9)

    with pytest.raises(Conflict) as refused:
        extension_requests.request_extension(handlers["handler"], inquiry.id, 5, "需要现场核查。")
    db.session.rollback()

    assert refused.value.message.startswith("答复期限已于 2026-03-31 届满，不能再申请延期")
    assert "期限届满前" in refused.value.message
    assert inquiry.extensions == []
    assert inquiry.id in {i.id for i in queries.queue(handlers["handler"], "overdue").items}


def test_approval_while_waiting_on_the_resident_is_judged_when_the_wait_began(
        travel, submit, handlers):
    """A 咨询 received Tue 03-10 is due Tue 03-17 (03-11..13, 03-16, 03-17). Asked for
    more material on 03-13, the clock stops with two working days left; a reviewer may
    approve on 03-20 although 03-17 has gone by, since the clock has not run out."""
    travel.to(date(2026, 3, 10), 9)
    inquiry = submit(type=InquiryType.CONSULT).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    travel.to(date(2026, 3, 13), 9)
    extension_requests.request_extension(handlers["handler"], inquiry.id, 3, "需要走访核实。")
    workflow.request_correction(handlers["handler"], inquiry.id, "请补充家庭住址。")
    travel.to(date(2026, 3, 20), 9)

    extension_requests.decide_extension(handlers["reviewer"], inquiry.id, True, "同意")

    assert inquiry.extension_days == 3
    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 3, 20))


def test_a_wait_begun_after_the_deadline_does_not_move_it(travel, submit, handlers):
    """A 咨询 received Tue 03-10 is due Tue 03-17. More material asked for on Wed 03-18,
    a day late, and received on Fri 03-20: the two days waited are not added back; the
    case is not overdue while the resident holds the ball, and late again at once after."""
    travel.to(date(2026, 3, 10), 9)
    inquiry = submit(type=InquiryType.CONSULT).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    travel.to(date(2026, 3, 18), 9)
    workflow.request_correction(handlers["handler"], inquiry.id, "请补充家庭住址。")
    assert not clocks.is_overdue(inquiry, travel.now)
    travel.to(date(2026, 3, 20), 9)
    submission.supplement(inquiry.id, "住址为双塔村 12 号。")

    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 3, 17))
    assert inquiry.paused_days == 0
    assert clocks.is_overdue(inquiry, travel.now)
    workflow.reply(handlers["handler"], inquiry.id, "请携带户口本到便民服务中心办理。")
    assert inquiry.replied_on_time is False
