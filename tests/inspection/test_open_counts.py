"""The counts of clocked work orders per deadline kept on write equal a full recount after
any sequence of what happens to work orders (receipt, sign-for, transfer to another unit,
return, 补正, consultation and its end, extension, reply, closing, 舆情 items and their
milestones, holidays declared over open cases' deadlines, time passing), and the
inspector's overdue / due-soon figures read from them equal the judgement of every work
order, at any instant afterwards."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.errors import DomainError
from portal.extensions import db
from portal.inquiries import clocks, opinion, workflow
from portal.inquiries.models import Inquiry, InquiryType, Severity
from portal.inspection import dashboard, open_counts
from portal.timeutil import to_local
from portal.workdays import services as workdays
from portal.workdays.calendar import current_calendar
from tests.inquiries.timetravel import beijing
from tests.inspection.test_figures_kept import ACTIONS, act

MORE = ["opinion", "milestone", "holiday_open"]
steps = st.lists(st.tuples(st.sampled_from(ACTIONS + MORE), st.integers(0, 7),
                           st.integers(0, 60 * 72), st.integers(0, 999_999)),
                 min_size=5, max_size=40)


@pytest.fixture
def people(handlers, orgs):
    return {"town": handlers["handler"], "finance": handlers["finance_handler"],
            "reviewer": handlers["reviewer"], "admin": handlers["admin"]}


def act_more(action: str, pick: int, cases: list[int], people, orgs, now) -> None:
    if action == "opinion":
        item = opinion.log_opinion(
            people["town"], orgs["town"], title=f"舆情{len(cases)}", summary="网帖",
            source="微博", source_url="",
            severity=Severity.MAJOR if pick % 2 else Severity.GENERAL,
            found_at=now - timedelta(hours=pick * 5))
        cases.append(item.id)
        return
    if not cases:
        return
    inquiry = db.session.get(Inquiry, cases[pick % len(cases)])
    if action == "milestone":
        opinion.record_milestone(people["town"], inquiry.id,
                                 ("authoritative", "press", "response")[pick % 3])
        return
    # "holiday_open": a working day up to the case's reply deadline turned over (or a
    # day off made a working day), which moves the open cases' deadlines
    last = to_local(inquiry.reply_due_at).date() if inquiry.reply_due_at else clocks.local_day(
        now)
    first = clocks.local_day(now)
    day = first + timedelta(days=pick % max(1, (last - first).days + 1))
    workdays.set_override(people["admin"], day,
                          is_working_day=not current_calendar().is_working_day(day))


def judged(paths: list[str], year: int, at) -> tuple[int, int]:
    """Overdue and due soon at `at`, judged work order by work order."""
    orders = dashboard.inquiries_for(paths, year)
    return (sum(clocks.is_overdue(order, at) for order in orders),
            sum(clocks.is_due_soon(order, at) for order in orders))


def assert_counts_exact(orgs, now) -> None:
    assert open_counts.differences() == []
    # time passing after the last write: within the day, days on, past the next month's
    # first instant (the month rows take over), months on
    local = to_local(now)
    following = date(local.year + local.month // 12, local.month % 12 + 1, 1)
    month_turns = beijing(following, 0)
    instants = [now, now + timedelta(hours=1, minutes=59), now + timedelta(days=3),
                month_turns - timedelta(microseconds=1), month_turns,
                now + timedelta(days=75)]
    for paths in ([orgs["county"].path], [orgs["town"].path], [orgs["finance"].path]):
        for year in (2025, 2026):
            for at in instants:
                assert dashboard.kept_clock_counts(paths, year, at) == \
                    dashboard.live_clock_counts(paths, year, at), (paths, year, at)
                board, _ = dashboard.compute(paths, year, at)
                assert (board.total.overdue, board.total.due_soon) == \
                    judged(paths, year, at), (paths, year, at)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(steps=steps)
def test_kept_counts_equal_a_recount_after_any_events(steps, travel, people, orgs, submit,
                                                      application_input, inquiry_input):
    now = travel.set(beijing(date(2026, 3, 2), 9))
    cases: list[int] = []
    prefix = [("submit", 0, 60, 0), ("register", 3, 60, 0)]
    for action, pick, minutes, micros in [*prefix, *steps]:
        try:
            if action in MORE:
                act_more(action, pick, cases, people, orgs, now)
            else:
                act(action, pick, cases, people, orgs, submit, application_input,
                    inquiry_input, now)
        except DomainError:
            db.session.rollback()
        now = travel.advance(minutes=minutes, microseconds=micros)
    assert_counts_exact(orgs, now)


def test_a_case_late_since_an_earlier_month_counts_overdue_until_replied(
        travel, people, orgs, submit):
    """A 咨询 received Mon 2026-03-02 is due Mon 03-09 (5 working days); in April it is
    still overdue (read from the month's row); once answered it counts nowhere."""
    travel.set(beijing(date(2026, 3, 2), 9))
    inquiry = submit(title="办证咨询", type=InquiryType.CONSULT, village=None).inquiry
    paths = [orgs["county"].path]
    workflow.sign(people["town"], inquiry.id)
    march = beijing(date(2026, 3, 9), 12)
    board, _ = dashboard.compute(paths, 2026, march)
    assert (board.total.overdue, board.total.due_soon) == (0, 1)
    april = travel.set(beijing(date(2026, 4, 20), 9))
    board, _ = dashboard.compute(paths, 2026, april)
    assert (board.total.overdue, board.total.due_soon) == (1, 0)
    town = {row.label: row for row in board.tables["organization"]}
    assert town[orgs["town"].full_name].overdue == 1

    workflow.reply(people["town"], inquiry.id, "请携带身份证办理。")
    board, _ = dashboard.compute(paths, 2026, april)
    assert (board.total.overdue, board.total.due_soon) == (0, 0)
    assert open_counts.differences() == []
