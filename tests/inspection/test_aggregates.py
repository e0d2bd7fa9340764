"""The dashboard's SQL-computed figures equal the plain per-object computation, exactly,
on a varied year of work orders (odd microseconds, weekends, holidays, transfers, open
and overdue orders, every type)."""

import random
from datetime import date, timedelta

import pytest

from portal.inquiries import clocks, workflow
from portal.inquiries.models import Inquiry, InquiryType
from portal.inspection import dashboard
from portal.inspection.stats import Record, overall, tabulate
from portal.timeutil import to_local
from portal.workdays.calendar import working_days_between
from tests.inquiries.timetravel import beijing, end_of_beijing_day

TYPES = [InquiryType.CONSULT, InquiryType.COMPLAINT, InquiryType.HELP, InquiryType.SUGGEST,
         InquiryType.REPORT]
FIELDS = ("label", "total", "replied", "replied_on_time", "signed", "signed_on_time",
          "overdue", "due_soon", "median_sign_hours", "p90_sign_hours", "median_reply_days",
          "p90_reply_days")


def reference_record(inquiry: Inquiry, now) -> Record:
    """The figures of one work order, straight from its object (the rules as written)."""
    # counted in whole tenths of an hour (rounded down), as shown
    sign_hours = ((inquiry.signed_at - inquiry.received_at) // timedelta(minutes=6) / 10
                  if inquiry.signed_at else None)
    reply_days = None
    if inquiry.replied_at:
        reply_days = float(max(0, working_days_between(
            clocks.local_day(inquiry.received_at), clocks.local_day(inquiry.replied_at))))
    handler, month = inquiry.handler, to_local(inquiry.received_at).strftime("%Y-%m")
    return Record(
        group_keys={"organization": (inquiry.organization.path, inquiry.organization.full_name),
                    "handler": (handler.display_name, handler.id) if handler else ("未签收", 0),
                    "type": inquiry.type.label, "month": month},
        signed=inquiry.signed_at is not None, signed_on_time=inquiry.signed_on_time,
        replied=inquiry.replied_at is not None, replied_on_time=inquiry.replied_on_time,
        sign_hours=sign_hours, reply_days=reply_days,
        overdue=clocks.is_overdue(inquiry, now), due_soon=clocks.is_due_soon(inquiry, now))


REFERENCE_LABELS = {"organization": lambda key: key[1], "handler": lambda key: key[0],
                    "type": str, "month": str}


@pytest.fixture
def varied_year(travel, submit, handlers, orgs):
    rng = random.Random(2026)
    handler, finance = handlers["handler"], handlers["finance_handler"]
    for n in range(36):
        received = beijing(date(2026, 1, 2) + timedelta(days=rng.randrange(0, 150)),
                           rng.randrange(0, 24), rng.randrange(60), rng.randrange(60))
        travel.set(received + timedelta(microseconds=rng.randrange(1_000_000)))
        kind = TYPES[n % len(TYPES)]
        inquiry = submit(title=f"留言{n}", type=kind, village=None).inquiry
        actor = handler
        if n % 4 == 0:
            workflow.transfer(handler, inquiry.id, orgs["finance"], "转财政所")
            actor = finance
        if n % 6 == 5:
            continue  # never signed
        travel.advance(hours=rng.randrange(1, 60), microseconds=rng.randrange(1_000_000))
        workflow.sign(actor, inquiry.id)
        if n % 5 == 4:
            continue  # signed, still being worked on
        travel.advance(days=rng.randrange(0, 30), microseconds=rng.randrange(1_000_000))
        workflow.reply(actor, inquiry.id, f"答复{n}")
    travel.set(beijing(date(2026, 5, 20), 10))


def test_figures_equal_the_per_object_computation(varied_year, travel, make_user, orgs):
    from portal.auth.models import Role

    inspector = make_user("jijian-all", (Role.INSPECTOR, orgs["county"]))
    paths = dashboard.scope_paths(inspector)
    board = dashboard.timeliness(paths, 2026)
    records = [reference_record(i, travel.now) for i in dashboard.inquiries_for(paths, 2026)]
    assert len(records) == 36

    def figures(rows):
        return [tuple(getattr(row, name) for name in FIELDS) for row in rows]

    assert figures([board.total]) == figures([overall(records)])
    assert board.total.overdue > 0 and board.total.due_soon >= 0
    for name in dashboard.GROUPINGS:
        expected = tabulate(records, name, REFERENCE_LABELS[name])
        assert figures(board.tables[name]) == figures(expected), name


def test_drill_down_by_month_lists_that_months_orders(varied_year, make_user, orgs):
    from portal.auth.models import Role

    inspector = make_user("jijian-all", (Role.INSPECTOR, orgs["county"]))
    paths = dashboard.scope_paths(inspector)
    board = dashboard.timeliness(paths, 2026)
    for row in board.tables["month"]:
        items = dashboard.inquiries_for(paths, 2026, month=row.label)
        assert len(items) == row.total
        assert {to_local(i.received_at).strftime("%Y-%m") for i in items} == {row.label}
    assert dashboard.inquiries_for(paths, 2026, month="2026-13") == []


def test_consultations_are_judged_by_their_allowance_alike(varied_year, travel, submit,
                                                           handlers, make_user, orgs):
    """Three 依申请公开 received Mon 2026-03-02, reply due 03-30 (03-03..06, 09..13,
    16..20, 23..27, 30), signed on 03-03. One consults from then on: as if for its whole 15
    working days, due 04-21 (03-31, 04-01..03, 07..10, 13..17, 20, 21). One consults until
    03-20, 13 working days, so is due 04-17. One waits for a 补正. On 04-16, 04-17, 04-21 and
    04-22 they pass from due soon to overdue, and the SQL figures equal the per-object rules."""
    from portal.auth.models import Role

    handler = handlers["handler"]
    travel.set(beijing(date(2026, 3, 2), 9))
    long, short, waiting = (submit(title=f"申请{n}", type=InquiryType.INFO_REQUEST,
                                   village=None).inquiry for n in range(3))
    travel.set(beijing(date(2026, 3, 3), 9))
    for inquiry in (long, short, waiting):
        workflow.sign(handler, inquiry.id)
    for inquiry in (long, short):
        workflow.start_consultation(handler, inquiry.id, "县财政局")
    workflow.request_correction(handler, waiting.id, "请写明所需信息的文号。")
    travel.set(beijing(date(2026, 3, 20), 9))
    workflow.end_consultation(handler, short.id, "同意公开。")
    assert long.reply_due_at == end_of_beijing_day(date(2026, 4, 21))
    assert short.reply_due_at == end_of_beijing_day(date(2026, 4, 17))
    paths = dashboard.scope_paths(make_user("jijian-all", (Role.INSPECTOR, orgs["county"])))

    for day, overdue, soon in ((date(2026, 4, 16), set(), {short}),
                               (date(2026, 4, 17), set(), {short, long}),
                               (date(2026, 4, 21), {short}, {long}),
                               (date(2026, 4, 22), {short, long}, set())):
        now = travel.set(beijing(day, 10))
        assert {i for i in (long, short, waiting) if clocks.is_overdue(i, now)} == overdue
        assert {i for i in (long, short, waiting) if clocks.is_due_soon(i, now)} == soon
        board = dashboard.timeliness(paths, 2026)
        records = [reference_record(i, now) for i in dashboard.inquiries_for(paths, 2026)]
        assert _figures([board.total]) == _figures([overall(records)]), day
        for name in dashboard.GROUPINGS:
            expected = tabulate(records, name, REFERENCE_LABELS[name])
            assert _figures(board.tables[name]) == _figures(expected), (day, name)
        info = next(row for row in board.tables["type"] if row.label == "依申请公开")
        assert (info.overdue, info.due_soon) == (len(overdue), len(soon))


def _figures(rows):
    return [tuple(getattr(row, name) for name in FIELDS) for row in rows]
