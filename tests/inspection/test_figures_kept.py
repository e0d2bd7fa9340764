"""The totals kept on write equal a full recomputation from the work orders, exactly, after
any sequence of what happens to work orders: submissions and staff registrations dated in
the past, sign-for, transfers and returns, 补正 pauses and their end, consultations,
extensions, replies, closing, and holidays declared afterwards."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.errors import DomainError
from portal.extensions import db
from portal.inquiries import extension_requests, registration, workflow
from portal.inquiries.clocks import local_day
from portal.inquiries.models import Inquiry, InquiryType
from portal.inspection import dashboard, figures
from portal.inspection.models import InquiryFigures
from portal.workdays import services as workdays
from portal.workdays.calendar import current_calendar
from tests.inquiries.timetravel import beijing

TYPES = [InquiryType.CONSULT, InquiryType.COMPLAINT, InquiryType.HELP,
         InquiryType.INFO_REQUEST]
ACTIONS = ["submit", "register", "sign", "process", "transfer", "return", "correction",
           "corrected", "consult", "end_consult", "extend", "reply", "close", "holiday"]

steps = st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 7),
                           st.integers(0, 60 * 72), st.integers(0, 999_999)),
                 min_size=5, max_size=40)


def stored_shares() -> dict[int, figures.Share]:
    connection = db.session.connection()
    ids = connection.execute(db.select(InquiryFigures.inquiry_id)).scalars().all()
    return {inquiry_id: figures._stored(connection, inquiry_id) for inquiry_id in ids}


@pytest.fixture
def people(handlers, orgs):
    return {"town": handlers["handler"], "finance": handlers["finance_handler"],
            "reviewer": handlers["reviewer"], "admin": handlers["admin"]}


def act(action: str, pick: int, cases: list[int], people, orgs, submit, application_input,
        inquiry_input, now) -> None:
    if action == "submit":
        kind = TYPES[pick % len(TYPES)]
        cases.append(submit(title=f"留言{len(cases)}", type=kind, village=None).inquiry.id)
        return
    if action == "register":
        data = inquiry_input(type=InquiryType.INFO_REQUEST, title=f"申请{len(cases)}",
                             village=None, application=application_input())
        received_on = (now + timedelta(hours=8)).date() - timedelta(days=pick * 3)
        cases.append(registration.register(people["town"], registration.Registration(
            "in_person", received_on, data)).inquiry.id)
        return
    if not cases:
        return
    inquiry = db.session.get(Inquiry, cases[pick % len(cases)])
    if action == "holiday":  # a day a replied case's reply time counts, or today, turned over
        replied = [i for i in map(lambda n: db.session.get(Inquiry, n), cases) if i.replied_at]
        inquiry = replied[pick % len(replied)] if replied else inquiry
        day = local_day(now)
        if inquiry.replied_at is not None:
            span = (local_day(inquiry.replied_at) - local_day(inquiry.received_at)).days
            day = local_day(inquiry.received_at) + timedelta(days=1 + pick % max(1, span))
        workdays.set_override(people["admin"], day,
                              is_working_day=not current_calendar().is_working_day(day))
        return
    in_town = inquiry.organization_id == orgs["town"].id
    actor = people["town"] if in_town else people["finance"]
    match action:
        case "sign":
            workflow.sign(actor, inquiry.id)
        case "process":
            workflow.start_processing(actor, inquiry.id)
        case "transfer":
            target = orgs["finance"] if in_town else orgs["town"]
            workflow.transfer(actor, inquiry.id, target, "请贵单位办理")
        case "return":
            workflow.return_to_dispatcher(actor, inquiry.id, "不属于本单位职责")
        case "correction":
            workflow.request_correction(actor, inquiry.id, "请补充材料。")
        case "corrected":
            workflow.record_correction(actor, inquiry.id, "已补充。")
        case "consult":
            workflow.start_consultation(actor, inquiry.id, "县财政局")
        case "end_consult":
            workflow.end_consultation(actor, inquiry.id, "同意公开。")
        case "extend":
            extension_requests.request_extension(actor, inquiry.id, 5, "情况复杂")
            extension_requests.decide_extension(people["reviewer"], inquiry.id, True, "同意")
        case "reply":
            workflow.reply(actor, inquiry.id, f"答复{inquiry.id}",
                           outcome="grant" if inquiry.type is InquiryType.INFO_REQUEST
                           else "")
        case "close":
            workflow.close(actor, inquiry.id)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(steps=steps)
def test_kept_totals_equal_a_full_recomputation(steps, travel, people, orgs, submit,
                                                application_input, inquiry_input):
    now = travel.set(beijing(date(2026, 3, 2), 9))
    cases: list[int] = []
    # One case replied days after receipt, and a day of its span turned over at the end:
    # every example recounts kept reply times for a calendar change.
    prefix = [("submit", 1, 60, 0), ("sign", 0, 60 * 24 * 3, 0), ("reply", 0, 0, 0)]
    suffix = [("holiday", 0, 0, 0)]
    for action, pick, minutes, micros in [*prefix, *steps, *suffix]:
        try:
            act(action, pick, cases, people, orgs, submit, application_input, inquiry_input,
                now)
        except DomainError:
            db.session.rollback()
        now = travel.advance(minutes=minutes, microseconds=micros)

    shares = stored_shares()
    for inquiry in db.session.scalars(db.select(Inquiry)):
        assert shares.pop(inquiry.id) == figures.share_of(inquiry), inquiry.number
    assert shares == {}
    for paths in ([orgs["county"].path], [orgs["town"].path], [orgs["finance"].path]):
        for year in (2025, 2026):
            kept, _ = dashboard.compute(paths, year, now)
            fresh, _ = dashboard.reference(paths, year, now)
            assert kept == fresh, (paths, year)


def test_a_day_declared_a_holiday_after_the_reply_shortens_its_reply_time(
        travel, people, orgs, submit):
    """A 投诉 received Mon 2026-03-02 and answered Fri 03-06 took 4 working days; when
    Wed 03-04 is then declared a holiday, the kept figures say 3, as a recount does."""
    travel.set(beijing(date(2026, 3, 2), 9))
    inquiry = submit(title="路灯不亮", type=InquiryType.COMPLAINT, village=None).inquiry
    workflow.sign(people["town"], inquiry.id)
    travel.set(beijing(date(2026, 3, 6), 15))
    workflow.reply(people["town"], inquiry.id, "已修复。")
    paths = [orgs["town"].path]
    assert dashboard.compute(paths, 2026, travel.now)[0].total.median_reply_days == 4.0

    workdays.set_override(people["admin"], date(2026, 3, 4), is_working_day=False)
    kept, _ = dashboard.compute(paths, 2026, travel.now)
    assert kept.total.median_reply_days == 3.0
    assert kept == dashboard.reference(paths, 2026, travel.now)[0]
