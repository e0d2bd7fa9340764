"""Working-day clocks of resident inquiries, against the official 2026 calendar and the
2027 fallback: sign-for and reply deadlines, the start day not counted, deadlines at the
end of the Beijing day, and recomputation when an admin changes the calendar.

Expected dates were worked out by hand from the State Council's 2026 arrangement
(国庆 10-01..10-07, 10-10 Sat 上班; 春节 02-15..02-23, 02-14 and 02-28 Sat 上班;
清明 04-04..04-06) and the fallback for 2027 (元旦 01-01; 春节 02-05..02-08).
"""

from datetime import UTC, date, time

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.inquiries import clocks, extension_requests, submission, workflow
from portal.inquiries.models import InquiryType, Rating, Status
from portal.timeutil import to_local
from portal.workdays import services as workdays
from tests.inquiries.timetravel import (
    TimeMachine,
    beijing,
    cheap_password_hashing,
    end_of_beijing_day,
)

T = InquiryType
FIFTEEN_DAY_TYPES = (T.SUGGEST, T.COMPLAINT, T.REPORT)


@pytest.fixture(autouse=True)
def _fast_users(monkeypatch):
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def travel(app, monkeypatch):
    return TimeMachine(monkeypatch)


def _replies(consult, help_, fifteen, info):
    return {T.CONSULT: consult, T.HELP: help_, T.INFO_REQUEST: info,
            **dict.fromkeys(FIFTEEN_DAY_TYPES, fifteen)}


# name → (submitted on, 10:00 Beijing; sign-for due; reply due by type)
SCENARIOS = {
    # Tue; an ordinary fortnight, but 20 working days reach past 清明 (04-06 Mon off).
    "ordinary": (date(2026, 3, 10), date(2026, 3, 11), _replies(
        date(2026, 3, 17), date(2026, 3, 13), date(2026, 3, 31), date(2026, 4, 8))),
    # Wed before 国庆: the next working day is 10-08; 10-10 (Sat) is a working day.
    "national_day": (date(2026, 9, 30), date(2026, 10, 8), _replies(
        date(2026, 10, 13), date(2026, 10, 10), date(2026, 10, 27), date(2026, 11, 3))),
    # Thu before 春节: 02-13 Fri, 02-14 Sat (上班), then nothing until 02-24; 02-28 Sat works.
    "spring_festival": (date(2026, 2, 12), date(2026, 2, 13), _replies(
        date(2026, 2, 26), date(2026, 2, 24), date(2026, 3, 11), date(2026, 3, 18))),
    # Thu before Christmas: short clocks end in 2026, long ones in 2027 (元旦 by fallback).
    "year_end": (date(2026, 12, 24), date(2026, 12, 25), _replies(
        date(2026, 12, 31), date(2026, 12, 29), date(2027, 1, 15), date(2027, 1, 22))),
}
CASES = [pytest.param(name, kind, id=f"{name}-{kind.value}")
         for name in SCENARIOS for kind in (T.CONSULT, T.HELP, *FIFTEEN_DAY_TYPES,
                                            T.INFO_REQUEST)]


@pytest.mark.parametrize(("scenario", "kind"), CASES)
def test_sign_and_reply_deadlines_for_every_type(travel, submit, scenario, kind):
    submitted_on, sign_due, reply_due = SCENARIOS[scenario]
    travel.to(submitted_on, 10)

    inquiry = submit(type=kind).inquiry

    assert inquiry.clock_start_on == submitted_on
    assert inquiry.sign_due_at == end_of_beijing_day(sign_due)
    assert inquiry.reply_due_at == end_of_beijing_day(reply_due[kind])
    assert inquiry.due_provisional is (reply_due[kind].year == 2027)


@pytest.mark.parametrize("kind", [T.CONSULT, T.INFO_REQUEST, T.COMPLAINT])
def test_deadline_is_the_last_second_of_the_beijing_day(travel, submit, kind):
    travel.to(date(2026, 3, 10), 16)
    inquiry = submit(type=kind).inquiry

    for moment in (inquiry.sign_due_at, inquiry.reply_due_at):
        assert moment.utcoffset().total_seconds() == 0
        assert to_local(moment).time() == time(23, 59, 59)
        assert moment.astimezone(UTC).time() == time(15, 59, 59)
    assert to_local(inquiry.sign_due_at).date() == date(2026, 3, 11)


def test_fallback_calendar_for_2027_is_provisional(travel, submit):
    """2027 is not in the package: 春节 by the fallback is 02-05 (除夕)..02-08."""
    travel.to(date(2027, 2, 4), 10)  # Thu
    consult = submit(type=T.CONSULT).inquiry
    help_ = submit(type=T.HELP).inquiry

    assert consult.sign_due_at == end_of_beijing_day(date(2027, 2, 9))
    assert consult.reply_due_at == end_of_beijing_day(date(2027, 2, 15))
    assert help_.reply_due_at == end_of_beijing_day(date(2027, 2, 11))
    assert consult.due_provisional and help_.due_provisional


def test_last_day_of_2026_has_a_provisional_sign_deadline(travel, submit):
    travel.to(date(2026, 12, 31), 10)
    inquiry = submit(type=T.HELP).inquiry

    assert inquiry.sign_due_at == end_of_beijing_day(date(2027, 1, 4))
    assert inquiry.reply_due_at == end_of_beijing_day(date(2027, 1, 6))
    assert inquiry.due_provisional


def test_friday_late_evening_counts_from_that_friday(travel, submit):
    """23:30 Beijing on Fri 02-13; the next day (Sat 02-14) is a make-up working day, so
    counting from the Friday makes it the sign-for day."""
    travel.set(beijing(date(2026, 2, 13), 23, 30))
    inquiry = submit(type=T.CONSULT).inquiry

    assert inquiry.clock_start_on == date(2026, 2, 13)
    assert inquiry.sign_due_at == end_of_beijing_day(date(2026, 2, 14))
    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 2, 27))


def test_just_after_midnight_beijing_counts_from_the_beijing_day(travel, submit):
    """00:30 on Sat 02-14 in Beijing is still Friday in UTC; the Beijing day decides."""
    travel.set(beijing(date(2026, 2, 14), 0, 30))
    assert travel.now.date() == date(2026, 2, 13)
    inquiry = submit(type=T.CONSULT).inquiry

    assert inquiry.clock_start_on == date(2026, 2, 14)
    assert inquiry.sign_due_at == end_of_beijing_day(date(2026, 2, 24))
    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 2, 28))


def test_monday_morning_beijing_is_not_sunday(travel, submit):
    travel.set(beijing(date(2026, 3, 16), 7, 30))  # Sun 23:30 UTC
    inquiry = submit(type=T.CONSULT).inquiry

    assert inquiry.clock_start_on == date(2026, 3, 16)
    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 3, 23))


def test_sign_and_reply_on_the_due_day_are_on_time(travel, submit, handlers):
    handler = handlers["handler"]
    travel.to(date(2026, 3, 10), 10)
    inquiry = submit(type=T.CONSULT).inquiry

    travel.set(beijing(date(2026, 3, 11), 23, 59))
    workflow.sign(handler, inquiry.id)
    workflow.start_processing(handler, inquiry.id)
    travel.set(beijing(date(2026, 3, 17), 23, 59, 30))
    workflow.reply(handler, inquiry.id, "请携带户口本到便民服务中心办理。")

    assert inquiry.signed_on_time is True
    assert inquiry.replied_on_time is True


def test_sign_and_reply_a_day_late_are_recorded_late(travel, submit, handlers):
    handler = handlers["handler"]
    travel.to(date(2026, 3, 10), 10)
    inquiry = submit(type=T.CONSULT).inquiry

    travel.set(beijing(date(2026, 3, 12), 0, 0, 1))
    workflow.sign(handler, inquiry.id)
    workflow.start_processing(handler, inquiry.id)
    travel.set(beijing(date(2026, 3, 18), 0, 0, 1))
    workflow.reply(handler, inquiry.id, "请携带户口本到便民服务中心办理。")

    assert inquiry.signed_on_time is False
    assert inquiry.replied_on_time is False
    assert [e.data["on_time"] for e in inquiry.events if e.action in ("sign", "reply")] \
        == [False, False]


# --- the calendar changes under open inquiries ---------------------------------------

@pytest.fixture
def three_inquiries(travel, submit, handlers):
    """Three 咨询 received Tue 2026-03-10 (reply due 03-17): one open, one waiting for the
    resident, one already closed."""
    handler = handlers["handler"]
    travel.to(date(2026, 3, 10), 9)
    open_, waiting, closed = (submit(type=T.CONSULT).inquiry for _ in range(3))
    for inquiry in (waiting, closed):
        workflow.sign(handler, inquiry.id)
    workflow.request_correction(handler, waiting.id, "请补充您家庭的具体地址。")
    workflow.reply(handler, closed.id, "请携带户口本到便民服务中心办理。")
    workflow.close(handler, closed.id)
    return open_, waiting, closed


def test_new_holiday_moves_open_deadlines_and_leaves_closed_ones(three_inquiries, handlers):
    open_, waiting, closed = three_inquiries

    workdays.set_override(handlers["admin"], date(2026, 3, 12), False, "临时停工")

    assert open_.reply_due_at == end_of_beijing_day(date(2026, 3, 18))
    assert waiting.reply_due_at == end_of_beijing_day(date(2026, 3, 18))
    assert closed.reply_due_at == end_of_beijing_day(date(2026, 3, 17))
    assert closed.status is Status.CLOSED


def test_new_make_up_working_day_brings_open_deadlines_forward(three_inquiries, handlers):
    open_, _, closed = three_inquiries

    workdays.set_override(handlers["admin"], date(2026, 3, 14), True, "调休上班")

    assert open_.reply_due_at == end_of_beijing_day(date(2026, 3, 16))
    assert closed.reply_due_at == end_of_beijing_day(date(2026, 3, 17))


def test_a_holiday_after_the_deadline_changes_nothing(three_inquiries, handlers):
    open_, _, _ = three_inquiries

    workdays.set_override(handlers["admin"], date(2026, 3, 20), False, "临时停工")

    assert open_.reply_due_at == end_of_beijing_day(date(2026, 3, 17))


def test_confirming_2027_makes_open_deadlines_final(travel, submit, handlers):
    travel.to(date(2026, 12, 24), 10)
    inquiry = submit(type=T.COMPLAINT).inquiry
    assert inquiry.due_provisional

    workdays.confirm_year(handlers["admin"], 2027, "国务院办公厅通知已录入")

    assert inquiry.due_provisional is False
    assert inquiry.reply_due_at == end_of_beijing_day(date(2027, 1, 15))


def test_new_holiday_on_the_sign_day_moves_the_sign_deadline(three_inquiries, handlers,
                                                            travel):
    open_, _, _ = three_inquiries
    assert open_.sign_due_at == end_of_beijing_day(date(2026, 3, 11))

    workdays.set_override(handlers["admin"], date(2026, 3, 11), False, "临时停工")

    travel.set(beijing(date(2026, 3, 12), 9))
    assert open_.sign_due_at == end_of_beijing_day(date(2026, 3, 12))
    assert not clocks.is_overdue(open_, travel.now)


def test_new_holiday_inside_a_finished_pause_does_not_move_the_deadline(travel, submit,
                                                                        handlers):
    handler = handlers["handler"]
    travel.to(date(2026, 3, 10), 9)
    inquiry = submit(type=T.CONSULT).inquiry  # due 03-17
    workflow.sign(handler, inquiry.id)
    travel.to(date(2026, 3, 11), 9)
    workflow.request_correction(handler, inquiry.id, "请补充家庭住址。")
    travel.to(date(2026, 3, 13), 9)  # waited 03-12 and 03-13
    submission.supplement(inquiry.id, "住址为双塔村 12 号。")
    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 3, 19))

    # 03-12, inside the pause, turns out to have been a holiday: the clock was stopped
    # then anyway, so the handler's working days 03-11, 03-16..03-19 are unchanged.
    workdays.set_override(handlers["admin"], date(2026, 3, 12), False, "补录停工日")

    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 3, 19))


def test_working_days_left_counts_from_the_beijing_day(travel, submit):
    travel.to(date(2026, 3, 10), 10)
    inquiry = submit(type=T.CONSULT).inquiry  # due Tue 03-17

    assert clocks.working_days_left(inquiry, beijing(date(2026, 3, 13), 23)) == 2
    assert clocks.working_days_left(inquiry, beijing(date(2026, 3, 17), 9)) == 0
    assert clocks.working_days_left(inquiry, beijing(date(2026, 3, 19), 9)) == -2


# --- the resident rates the reply and may ask once for it to be handled again ---------

@pytest.fixture
def answered(travel, submit, handlers):
    """A 咨询 received Tue 2026-03-10, replied 03-12 and closed 03-13."""
    handler = handlers["handler"]
    travel.to(date(2026, 3, 10), 9)
    inquiry = submit(type=T.CONSULT).inquiry
    workflow.sign(handler, inquiry.id)
    travel.to(date(2026, 3, 12), 9)
    workflow.reply(handler, inquiry.id, "请携带户口本到便民服务中心办理。")
    travel.to(date(2026, 3, 13), 9)
    workflow.close(handler, inquiry.id)
    return inquiry


def test_rating_is_only_possible_after_a_reply(travel, submit, handlers):
    inquiry = submit(type=T.CONSULT).inquiry
    for step in (None, "sign", "request_correction"):
        if step == "sign":
            workflow.sign(handlers["handler"], inquiry.id)
        elif step == "request_correction":
            workflow.request_correction(handlers["handler"], inquiry.id, "请补充地址。")
        with pytest.raises(Conflict):
            submission.rate(inquiry.id, Rating.SATISFIED)
        db.session.rollback()
        assert inquiry.rating is None


def test_rating_once(answered, travel):
    now = travel.to(date(2026, 3, 16), 20)
    submission.rate(answered.id, Rating.BASICALLY, "答复及时。")

    assert answered.rating is Rating.BASICALLY and answered.rated_at == now
    assert answered.events[-1].public and "基本满意" in answered.events[-1].message
    with pytest.raises(Conflict):
        submission.rate(answered.id, Rating.UNSATISFIED)
    db.session.rollback()
    assert answered.rating is Rating.BASICALLY


@pytest.mark.parametrize("rating", [None, Rating.SATISFIED, Rating.BASICALLY])
def test_reopen_needs_an_unsatisfied_rating(answered, rating):
    if rating is not None:
        submission.rate(answered.id, rating)
    with pytest.raises(Conflict):
        submission.reopen(answered.id, "问题没有解决。")
    db.session.rollback()
    assert answered.status is Status.CLOSED and answered.reopened_count == 0


def test_reopen_keeps_the_reply_and_opens_a_linked_handling(answered, travel):
    """The first reply, its timeliness and its date stay; the new handling has its own
    clocks from the reopen day: 咨询 5 working days from Fri 03-20 (03-23 … 03-27)."""
    replied_at, on_time = answered.replied_at, answered.replied_on_time
    travel.to(date(2026, 3, 20), 16)  # Fri
    submission.rate(answered.id, Rating.UNSATISFIED, "材料清单不全。")
    handling = submission.reopen(answered.id, "窗口说还需要收入证明，答复里没有写。")

    assert answered.status is Status.CLOSED and answered.reopened_count == 1
    assert answered.replied_at == replied_at and answered.replied_on_time is on_time
    assert answered.reply_text == "请携带户口本到便民服务中心办理。"
    assert handling.reopened_from is answered and handling.number == f"{answered.number}-2"
    assert handling.status is Status.RECEIVED and handling.clock_start_on == date(2026, 3, 20)
    assert handling.sign_due_at == end_of_beijing_day(date(2026, 3, 23))
    assert handling.reply_due_at == end_of_beijing_day(date(2026, 3, 27))
    assert not clocks.is_overdue(handling, beijing(date(2026, 3, 23), 23))
    assert clocks.is_overdue(handling, beijing(date(2026, 3, 24), 0, 0, 1))  # not signed


def test_reopen_over_national_day_and_without_the_old_extension(travel, submit, handlers):
    handler = handlers["handler"]
    travel.to(date(2026, 9, 1), 9)
    inquiry = submit(type=T.CONSULT).inquiry
    workflow.sign(handler, inquiry.id)
    extension_requests.request_extension(handler, inquiry.id, 5, "需要走访核实。")
    extension_requests.decide_extension(handlers["reviewer"], inquiry.id, True, "同意")
    workflow.reply(handler, inquiry.id, "已核实，答复如下。")
    travel.to(date(2026, 9, 29), 15)
    submission.rate(inquiry.id, Rating.UNSATISFIED)
    handling = submission.reopen(inquiry.id, "答复与事实不符。")

    assert inquiry.extension_days == 5  # the first handling keeps what it was given
    assert handling.extension_days == 0
    # 09-30 is one working day; 10-01 … 10-07 国庆, 10-10 (Sat) a make-up working day.
    assert handling.reply_due_at == end_of_beijing_day(date(2026, 10, 12))


def test_reopen_only_once(answered, travel, handlers):
    submission.rate(answered.id, Rating.UNSATISFIED)
    handling = submission.reopen(answered.id, "问题没有解决。")
    workflow.sign(handlers["handler"], handling.id)
    workflow.reply(handlers["handler"], handling.id, "补充答复：还需收入证明。")
    submission.rate(answered.id, Rating.UNSATISFIED)  # rates the latest reply

    assert handling.rating is Rating.UNSATISFIED and answered.rating is Rating.UNSATISFIED
    with pytest.raises(Conflict):
        submission.reopen(answered.id, "还是没有解决。")
    db.session.rollback()
    assert handling.status is Status.REPLIED and answered.reopened_count == 1
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.in_(("inquiry.rate", "inquiry.reopen"))).order_by(AuditEvent.id)).all()
    assert actions == ["inquiry.rate", "inquiry.reopen", "inquiry.rate"]


def test_reopen_needs_a_reason(answered):
    submission.rate(answered.id, Rating.UNSATISFIED)
    with pytest.raises(ValidationError):
        submission.reopen(answered.id, "  ")
    db.session.rollback()
    assert answered.status is Status.CLOSED
