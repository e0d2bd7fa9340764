"""信息处理费 (国办函〔2020〕109号): the amount by its tiers, the clock stopped while the
applicant has 20 working days to pay, and an application closed as 其他处理·逾期未缴费
when they do not."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.inquiries import clocks, fees, workflow
from portal.inquiries.models import InquiryType, Status
from tests.inquiries.timetravel import TimeMachine, beijing, end_of_beijing_day


@pytest.fixture
def travel(app, monkeypatch):
    return TimeMachine(monkeypatch)


@pytest.mark.parametrize("ordinal,fee", [(1, 0), (10, 0), (11, 100), (30, 100), (31, 200),
                                         (40, 200), (41, 300), (55, 400)])
def test_per_item_tiers(ordinal, fee):
    assert fees.per_item_fee(ordinal) == Decimal(fee)


@pytest.mark.parametrize("pages,fee", [(30, 0), (31, 10), (100, 700), (101, 720),
                                       (200, 2700), (201, 2740), (250, 4700)])
def test_per_volume_tiers(pages, fee):
    # 31–100: 70 pages × 10 = 700; 101–200: 100 × 20 = 2,000; past 200: 40 each.
    assert fees.per_volume_fee(pages) == Decimal(fee)


def application(travel, submit, handlers, day=date(2026, 3, 10)):
    travel.to(day, 9)
    inquiry = submit(type=InquiryType.INFO_REQUEST).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    return inquiry


def test_the_notice_stops_the_clock_and_payment_restarts_it(travel, submit, handlers):
    """Received Tue 03-10, due 04-08 (20 working days, 清明 04-06 off). Notice Thu 03-12,
    paid Thu 03-19: the 5 working days 03-13 … 03-19 are added back → due 04-15."""
    inquiry = application(travel, submit, handlers)
    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 4, 8))
    travel.to(date(2026, 3, 12), 10)
    notice = fees.issue_notice(handlers["handler"], inquiry.id, "per_volume", 120)
    assert notice.amount == Decimal(1100) and inquiry.status is Status.AWAITING_FEE
    assert notice.pay_due_at == end_of_beijing_day(date(2026, 4, 10))
    assert not clocks.is_overdue(inquiry, beijing(date(2026, 4, 9), 10))
    travel.to(date(2026, 3, 19), 10)
    fees.record_payment(handlers["handler"], inquiry.id, "非税收入缴款书 No.0012345")
    assert inquiry.status is Status.PROCESSING
    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 4, 15))


def test_no_payment_closes_as_lapsed_after_twenty_working_days(travel, submit, handlers):
    inquiry = application(travel, submit, handlers)
    travel.to(date(2026, 3, 12), 10)
    fees.issue_notice(handlers["handler"], inquiry.id, "per_volume", 31)
    travel.to(date(2026, 4, 10), 20)  # the last day to pay
    with pytest.raises(ValidationError, match="2026-04-10"):
        fees.close_unpaid(handlers["handler"], inquiry.id)
    db.session.rollback()
    travel.to(date(2026, 4, 11), 9)
    fees.close_unpaid(handlers["handler"], inquiry.id)
    assert inquiry.status is Status.CLOSED and inquiry.outcome == "other-2"
    assert inquiry.replied_on_time is True


def test_the_first_ten_applications_of_a_month_are_free(travel, submit, handlers):
    travel.to(date(2026, 3, 2), 9)
    for _ in range(10):
        submit(type=InquiryType.INFO_REQUEST)
    first = db.session.scalars(db.select(workflow.Inquiry).order_by(workflow.Inquiry.id)).first()
    workflow.sign(handlers["handler"], first.id)
    with pytest.raises(ValidationError, match="第 1 件申请不收费"):
        fees.issue_notice(handlers["handler"], first.id, "per_item")
    db.session.rollback()
    eleventh = application(travel, submit, handlers, date(2026, 3, 20))
    assert fees.issue_notice(handlers["handler"], eleventh.id, "per_item").amount == 100
    april = application(travel, submit, handlers, date(2026, 4, 1))
    with pytest.raises(ValidationError, match="第 1 件"):
        fees.issue_notice(handlers["handler"], april.id, "per_item")


def test_one_notice_per_application(travel, submit, handlers):
    inquiry = application(travel, submit, handlers)
    fees.issue_notice(handlers["handler"], inquiry.id, "per_volume", 50)
    fees.record_payment(handlers["handler"], inquiry.id, "No.1")
    with pytest.raises(Conflict, match="不得重复收费"):
        fees.issue_notice(handlers["handler"], inquiry.id, "per_volume", 80)


def test_fees_only_for_applications(travel, submit, handlers):
    travel.to(date(2026, 3, 10), 9)
    inquiry = submit(type=InquiryType.CONSULT).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    with pytest.raises(Conflict):
        fees.issue_notice(handlers["handler"], inquiry.id, "per_volume", 50)
