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
from tests.inquiries.timetravel import beijing

TYPES = [InquiryType.CONSULT, InquiryType.COMPLAINT, InquiryType.HELP, InquiryType.SUGGEST,
         InquiryType.REPORT]
FIELDS = ("label", "total", "replied", "replied_on_time", "signed", "signed_on_time",
          "overdue", "due_soon", "median_sign_hours", "p90_sign_hours", "median_reply_days",
          "p90_reply_days")


def reference_record(inquiry: Inquiry, now) -> Record:
    """The figures of one work order, straight from its object (the rules as written)."""
    sign_hours = ((inquiry.signed_at - inquiry.received_at).total_seconds() / 3600
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
