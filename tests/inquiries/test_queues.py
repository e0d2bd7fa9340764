"""Overdue, due-soon, waiting and unsigned: what each status does to the clock, and the
staff queues (SQL) agreeing with the Python predicates on the same work orders."""

from datetime import date

import pytest

from portal.errors import Conflict
from portal.extensions import db
from portal.inquiries import clocks, extension_requests, queries, submission, workflow
from portal.inquiries.models import Inquiry, InquiryType
from tests.inquiries.timetravel import (
    TimeMachine,
    beijing,
    cheap_password_hashing,
    end_of_beijing_day,
)

T = InquiryType


@pytest.fixture(autouse=True)
def _fast_users(monkeypatch):
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def travel(app, monkeypatch):
    return TimeMachine(monkeypatch)


@pytest.fixture
def board(travel, submit, handlers, orgs) -> dict[str, Inquiry]:
    """Work orders of 双塔镇 in every situation, built in date order up to Wed 2026-03-18
    09:00. A 咨询 received Tue 03-10 has sign-for due 03-11 and reply due 03-17."""
    h = handlers["handler"]
    travel.to(date(2026, 2, 10), 10)
    consulting = submit(type=T.INFO_REQUEST).inquiry  # reply due 03-16
    workflow.sign(h, consulting.id)
    travel.to(date(2026, 2, 11), 10)
    workflow.start_consultation(h, consulting.id, "县财政局")

    travel.to(date(2026, 3, 10), 9)
    names = ["received_late", "processing_late", "awaiting", "extended", "replied", "closed",
             "returned_late", "resumed"]
    items = {name: submit(type=T.CONSULT).inquiry for name in names}
    items["consulting"] = consulting
    for name in ("processing_late", "awaiting", "extended", "replied", "closed", "resumed"):
        workflow.sign(h, items[name].id)
    workflow.start_processing(h, items["processing_late"].id)
    workflow.transfer(h, items["returned_late"].id, orgs["finance"], "属于财政所职责。")

    travel.to(date(2026, 3, 11), 10)
    for name in ("awaiting", "resumed"):
        workflow.request_correction(h, items[name].id, "请补充家庭住址。")
    workflow.return_to_dispatcher(handlers["finance_handler"], items["returned_late"].id,
                                  "不属于本所职责。")  # sign-for due again 03-12
    travel.to(date(2026, 3, 13), 10)  # 03-12 and 03-13 waited: reply due 03-19
    submission.supplement(items["resumed"].id, "住址为双塔村 12 号。")

    travel.to(date(2026, 3, 16), 10)
    items["help_due_soon"] = submit(type=T.HELP).inquiry  # due 03-19
    workflow.sign(h, items["help_due_soon"].id)
    travel.to(date(2026, 3, 17), 10)
    items["received_fresh"] = submit(type=T.CONSULT).inquiry  # sign 03-18, reply 03-24
    for name in ("replied", "closed"):
        workflow.reply(h, items[name].id, "请到便民服务中心办理。")
    workflow.close(h, items["closed"].id)
    # On its last day (03-17), extended by 5 to 03-24, before the deadline as it must be.
    extension_requests.request_extension(h, items["extended"].id, 5, "需要现场核查。")
    extension_requests.decide_extension(handlers["reviewer"], items["extended"].id, True, "同意")

    travel.to(date(2026, 3, 18), 9)
    return items


def _queue(actor, name: str) -> set[int]:
    page = queries.queue(actor, name, size=100)
    assert page.total == len(page.items)
    return {inquiry.id for inquiry in page.items}


def _ids(board, *names) -> set[int]:
    return {board[name].id for name in names}


EXPECTED_AT_0318_10 = {
    "received_late": "overdue", "processing_late": "overdue", "returned_late": "overdue",
    "help_due_soon": "due_soon", "resumed": "due_soon",
    "received_fresh": "on_track", "extended": "on_track",
    "awaiting": "paused", "consulting": "paused",
    "replied": "done", "closed": "done",
}


def test_due_state_of_every_status(board, travel):
    now = travel.to(date(2026, 3, 18), 10)
    assert {name: clocks.due_state(i, now) for name, i in board.items()} == EXPECTED_AT_0318_10


def test_queues_hold_the_same_work_orders(board, travel, handlers):
    travel.to(date(2026, 3, 18), 10)
    handler = handlers["handler"]

    assert _queue(handler, "overdue") == _ids(board, "received_late", "processing_late",
                                              "returned_late")
    assert _queue(handler, "due_soon") == _ids(board, "help_due_soon", "resumed")
    assert _queue(handler, "waiting") == _ids(board, "awaiting", "consulting")
    assert _queue(handler, "unsigned") == _ids(board, "received_late", "received_fresh",
                                               "returned_late")
    assert _queue(handler, "answered") == _ids(board, "replied", "closed")
    assert _queue(handler, "organization") == {i.id for i in board.values() if i.is_open}
    counts = queries.queue_counts(handler)
    assert counts["overdue"] == 3 and counts["waiting"] == 2 and counts["due_soon"] == 2


CHECKPOINTS = [beijing(date(2026, 3, 11), 12), beijing(date(2026, 3, 12), 10),
               beijing(date(2026, 3, 13), 10), beijing(date(2026, 3, 17), 23, 59, 59),
               beijing(date(2026, 3, 18), 0, 0, 1), beijing(date(2026, 3, 18), 10),
               beijing(date(2026, 3, 19), 23), beijing(date(2026, 3, 20), 10),
               beijing(date(2026, 3, 25), 10), beijing(date(2026, 12, 1), 10)]


@pytest.mark.parametrize("moment", CHECKPOINTS, ids=lambda m: m.strftime("%m%d-%H%M%S"))
def test_sql_queues_agree_with_python_predicates(board, travel, handlers, moment):
    now = travel.set(moment)
    handler = handlers["handler"]
    everything = list(board.values())

    assert _queue(handler, "overdue") == {i.id for i in everything
                                          if clocks.is_overdue(i, now)}
    assert _queue(handler, "due_soon") == {i.id for i in everything
                                           if clocks.is_due_soon(i, now)}
    assert _queue(handler, "waiting") == {i.id for i in everything
                                          if clocks.due_state(i, now) == "paused"}


def test_received_past_the_sign_deadline_is_overdue_before_the_reply_is_due(board, travel,
                                                                             handlers):
    now = travel.to(date(2026, 3, 12), 10)
    late = board["received_late"]

    assert now < late.reply_due_at
    assert clocks.is_overdue(late, now)
    assert late.id in _queue(handlers["handler"], "overdue")
    # The one signed for on the same day is not late.
    assert not clocks.is_overdue(board["processing_late"], now)


def test_waiting_on_the_resident_is_never_overdue_even_months_later(board, travel,
                                                                    handlers):
    now = travel.to(date(2026, 12, 1), 10)
    awaiting = board["awaiting"]
    assert awaiting.reply_due_at < now
    assert not clocks.is_overdue(awaiting, now)
    assert awaiting.id not in _queue(handlers["handler"], "overdue")
    assert awaiting.id in _queue(handlers["handler"], "waiting")


def test_consulting_is_overdue_once_past_its_allowance(board, travel, handlers):
    """Reply due 03-16, consulting since 02-11: as if the consultation took its whole 15
    working days, due 04-07 (03-17..20, 23..27, 30, 31, 04-01..03, 清明 04-06 off, 04-07)."""
    consulting = board["consulting"]
    assert consulting.reply_due_at == end_of_beijing_day(date(2026, 4, 7))
    assert not clocks.is_overdue(consulting, beijing(date(2026, 4, 7), 23, 59))

    now = travel.to(date(2026, 12, 1), 10)
    assert clocks.is_overdue(consulting, now)
    assert consulting.id in _queue(handlers["handler"], "overdue")
    assert consulting.id not in _queue(handlers["handler"], "waiting")


def test_answered_work_orders_are_never_overdue(board, travel, handlers):
    now = travel.to(date(2026, 12, 1), 10)
    for name in ("replied", "closed"):
        assert not clocks.is_overdue(board[name], now)
        assert clocks.due_state(board[name], now) == "done"
    assert _queue(handlers["handler"], "overdue").isdisjoint(_ids(board, "replied", "closed"))


def test_resuming_moves_the_deadline_by_the_working_days_waited(board, travel):
    resumed = board["resumed"]
    assert resumed.paused_days == 2
    assert resumed.reply_due_at == end_of_beijing_day(date(2026, 3, 19))
    assert not clocks.is_overdue(resumed, beijing(date(2026, 3, 19), 23, 59))
    assert clocks.is_overdue(resumed, travel.set(beijing(date(2026, 3, 20), 0, 0, 1)))


def test_an_extension_cannot_take_an_overdue_item_off_the_overdue_queue(travel, submit,
                                                                        handlers):
    travel.to(date(2026, 3, 10), 9)
    inquiry = submit(type=T.COMPLAINT).inquiry  # reply due 03-31
    workflow.sign(handlers["handler"], inquiry.id)
    travel.to(date(2026, 4, 1), 9)
    assert inquiry.id in _queue(handlers["handler"], "overdue")

    with pytest.raises(Conflict):
        extension_requests.request_extension(handlers["handler"], inquiry.id, 5, "需要现场核查。")
    db.session.rollback()

    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 3, 31))
    assert clocks.is_overdue(inquiry, travel.now)
    assert inquiry.id in _queue(handlers["handler"], "overdue")


@pytest.mark.parametrize(("day", "soon"), [(date(2026, 3, 12), False),
                                           (date(2026, 3, 13), True),
                                           (date(2026, 3, 17), True)])
def test_due_soon_starts_two_working_days_before(travel, submit, handlers, day, soon):
    travel.to(date(2026, 3, 10), 9)
    inquiry = submit(type=T.CONSULT).inquiry  # reply due Tue 03-17
    workflow.sign(handlers["handler"], inquiry.id)

    now = travel.to(day, 10)
    assert clocks.is_due_soon(inquiry, now) is soon
    assert (inquiry.id in _queue(handlers["handler"], "due_soon")) is soon


def test_queues_are_scoped_to_the_actors_organizations(board, travel, handlers):
    travel.to(date(2026, 3, 18), 10)
    assert _queue(handlers["inspector"], "overdue") == _queue(handlers["handler"], "overdue")
    assert _queue(handlers["other_handler"], "organization") == set()
    assert queries.queue_counts(handlers["other_handler"])["overdue"] == 0
