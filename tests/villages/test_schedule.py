"""村民委员会组织法 第三十条: which scheduled village postings are missing or late."""

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import event

from portal.auth.models import Role
from portal.extensions import db
from portal.timeutil import LOCAL_TZ
from portal.villages.models import (
    Frequency,
    NoticeCategory,
    NoticeStatus,
    PostingRule,
    VillageNotice,
)
from portal.villages.schedule import (
    Lapse,
    LapseKind,
    Period,
    Posting,
    assess,
    current_period,
    default_rules,
    lapses_for,
    major_lateness,
    periods_due,
    villages_in,
)
from portal.workdays.calendar import BASE_CALENDAR, forget_current_calendar

Q3_2026 = Period(date(2026, 7, 1), date(2026, 9, 30), "2026年第3季度")
Q3_DUE = date(2026, 10, 10)


def posting(start: date, end: date, published_on: date) -> Posting:
    return Posting(period_start=start, period_end=end, published_on=published_on)


def q3_posting(published_on: date) -> Posting:
    return posting(Q3_2026.start, Q3_2026.end, published_on)


# --- Pure core: periods ------------------------------------------------------------------


def test_quarters_are_calendar_quarters_with_chinese_labels():
    assert current_period(Frequency.QUARTERLY, date(2026, 8, 15)) == Q3_2026
    assert current_period(Frequency.QUARTERLY, date(2026, 12, 31)) == Period(
        date(2026, 10, 1), date(2026, 12, 31), "2026年第4季度")
    assert current_period(Frequency.QUARTERLY, date(2027, 1, 1)).label == "2027年第1季度"


def test_months_are_calendar_months_with_chinese_labels():
    assert current_period(Frequency.MONTHLY, date(2026, 11, 5)) == Period(
        date(2026, 11, 1), date(2026, 11, 30), "2026年11月")


def test_february_ends_on_the_29th_in_a_leap_year_and_the_28th_otherwise():
    assert current_period(Frequency.MONTHLY, date(2024, 2, 10)).end == date(2024, 2, 29)
    assert current_period(Frequency.MONTHLY, date(2025, 2, 10)).end == date(2025, 2, 28)
    (period, due), = periods_due(Frequency.MONTHLY, date(2024, 2, 1), 10, date(2024, 3, 10))
    assert period.label == "2024年2月" and due == date(2024, 3, 10)
    assert assess(period, due, [posting(period.start, period.end, date(2024, 3, 10))],
                  date(2024, 3, 31)) is None
    assert assess(period, due, [posting(period.start, period.end, date(2024, 3, 11))],
                  date(2024, 3, 31)) == Lapse(LapseKind.LATE, 1)


def test_monthly_periods_cross_from_december_into_january():
    due = periods_due(Frequency.MONTHLY, date(2025, 11, 20), 10, date(2026, 1, 10))
    assert [(period.label, when) for period, when in due] == [
        ("2025年11月", date(2025, 12, 10)),
        ("2025年12月", date(2026, 1, 10)),
    ]
    assert due[1][0] == Period(date(2025, 12, 1), date(2025, 12, 31), "2025年12月")
    assert len(periods_due(Frequency.MONTHLY, date(2025, 11, 20), 10, date(2026, 1, 9))) == 1


def test_a_rule_active_from_mid_quarter_asks_for_that_quarter():
    assert periods_due(Frequency.QUARTERLY, date(2026, 8, 15), 10, date(2026, 10, 9)) == []
    assert periods_due(Frequency.QUARTERLY, date(2026, 8, 15), 10, date(2026, 10, 10)) == [
        (Q3_2026, Q3_DUE)]
    # Active from the first day of Q4: nothing is owed for Q3.
    assert periods_due(Frequency.QUARTERLY, date(2026, 10, 1), 10, date(2026, 12, 31)) == []


def test_a_rule_active_in_the_future_owes_nothing():
    assert periods_due(Frequency.MONTHLY, date(2027, 1, 1), 10, date(2026, 10, 20)) == []


def test_negative_grace_days_are_refused():
    with pytest.raises(ValueError):
        periods_due(Frequency.MONTHLY, date(2026, 1, 1), -1, date(2026, 10, 20))


# --- Pure core: assessing one period -----------------------------------------------------


def test_q3_posting_on_october_10_is_on_time_and_on_october_11_late_by_one_day():
    today = date(2026, 11, 1)
    assert assess(Q3_2026, Q3_DUE, [q3_posting(date(2026, 10, 10))], today) is None
    assert assess(Q3_2026, Q3_DUE, [q3_posting(date(2026, 10, 11))], today) == Lapse(
        LapseKind.LATE, 1)


def test_lapse_kind_compares_equal_to_its_plain_value():
    assert assess(Q3_2026, Q3_DUE, [], date(2026, 10, 12)) == Lapse(kind="missing", days=2)


def test_on_the_due_date_a_missing_posting_is_zero_days_overdue_and_one_the_day_after():
    assert periods_due(Frequency.QUARTERLY, date(2026, 7, 1), 10, Q3_DUE) == [
        (Q3_2026, Q3_DUE)]
    assert assess(Q3_2026, Q3_DUE, [], Q3_DUE) == Lapse(LapseKind.MISSING, 0)
    assert assess(Q3_2026, Q3_DUE, [], date(2026, 10, 11)) == Lapse(LapseKind.MISSING, 1)


def test_missing_counts_whole_days_since_the_due_date():
    assert assess(Q3_2026, Q3_DUE, [], date(2026, 11, 9)) == Lapse(LapseKind.MISSING, 30)


def test_a_posting_covering_two_months_serves_both():
    july_august = posting(date(2026, 7, 1), date(2026, 8, 31), date(2026, 8, 15))
    (july, july_due), (august, august_due) = periods_due(
        Frequency.MONTHLY, date(2026, 7, 1), 10, date(2026, 9, 10))
    today = date(2026, 9, 30)
    assert assess(july, july_due, [july_august], today) == Lapse(LapseKind.LATE, 5)
    assert assess(august, august_due, [july_august], today) is None


def test_the_earliest_covering_posting_decides_and_others_do_not_count():
    other_quarter = posting(date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 5))
    today = date(2026, 11, 1)
    assert assess(Q3_2026, Q3_DUE, [q3_posting(date(2026, 10, 20)),
                                    q3_posting(date(2026, 10, 3))], today) is None
    assert assess(Q3_2026, Q3_DUE, [other_quarter], today) == Lapse(LapseKind.MISSING, 22)


def test_a_posting_published_after_today_is_not_seen_yet():
    assert assess(Q3_2026, Q3_DUE, [q3_posting(date(2026, 10, 20))], date(2026, 10, 15)) == (
        Lapse(LapseKind.MISSING, 5))


# --- Pure core: major items --------------------------------------------------------------


def test_major_item_is_due_five_working_days_after_it_occurred():
    # 2026年国庆: 10月1日—7日 off, 10月10日 (Saturday) a make-up working day.
    occurred = date(2026, 9, 30)
    today = date(2026, 11, 1)
    assert major_lateness(occurred, date(2026, 10, 13), today, calendar=BASE_CALENDAR) is None
    assert major_lateness(occurred, date(2026, 10, 15), today, calendar=BASE_CALENDAR) == Lapse(
        LapseKind.LATE, 2)


def test_unpublished_major_item_is_missing_only_once_due():
    occurred = date(2026, 6, 1)  # a Monday; due Monday 6月8日
    assert major_lateness(occurred, None, date(2026, 6, 5), calendar=BASE_CALENDAR) is None
    assert major_lateness(occurred, None, date(2026, 6, 10), calendar=BASE_CALENDAR) == Lapse(
        LapseKind.MISSING, 2)


def test_major_item_working_days_can_be_overridden():
    friday = date(2026, 6, 5)
    assert major_lateness(friday, date(2026, 6, 8), date(2026, 6, 30), within_working_days=1,
                          calendar=BASE_CALENDAR) is None
    assert major_lateness(friday, date(2026, 6, 9), date(2026, 6, 30), within_working_days=1,
                          calendar=BASE_CALENDAR) == Lapse(LapseKind.LATE, 1)


# --- Database layer ----------------------------------------------------------------------


def beijing(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def clerk(orgs, make_user):
    return make_user("clerk", (Role.VILLAGE_CLERK, orgs["village_a"]),
                     (Role.VILLAGE_CLERK, orgs["village_b"]))


@pytest.fixture
def add_notice(clerk):
    def factory(village, category: NoticeCategory, start: date, end: date,
                published_at: datetime | None, *, status: NoticeStatus = NoticeStatus.PUBLISHED,
                title: str = "公开", **fields) -> VillageNotice:
        notice = VillageNotice(village_id=village.id, category=category, title=title,
                               period_start=start, period_end=end, status=status,
                               published_at=published_at, author_id=clerk.id, **fields)
        db.session.add(notice)
        return notice

    return factory


def rule(village, category: NoticeCategory, frequency: Frequency, active_from: date,
         grace_days: int = 10) -> PostingRule:
    added = PostingRule(village_id=village.id, category=category, frequency=frequency,
                        active_from=active_from, grace_days=grace_days)
    db.session.add(added)
    return added


def summary(lapses) -> list[tuple]:
    return [(lapse.village.slug, lapse.category, lapse.subject, lapse.due, lapse.kind, lapse.days)
            for lapse in lapses]


def test_lapses_for_reports_missing_and_late_postings_most_overdue_first(orgs, add_notice):
    village = orgs["village_a"]
    db.session.add_all(default_rules(village, date(2026, 7, 1)))
    add_notice(village, NoticeCategory.PARTY, Q3_2026.start, Q3_2026.end,
               beijing(date(2026, 10, 8)))
    add_notice(village, NoticeCategory.VILLAGE, Q3_2026.start, Q3_2026.end,
               beijing(date(2026, 10, 15)))
    add_notice(village, NoticeCategory.FINANCE, date(2026, 7, 1), date(2026, 7, 31),
               beijing(date(2026, 8, 9)))
    add_notice(village, NoticeCategory.FINANCE, date(2026, 9, 1), date(2026, 9, 30),
               beijing(date(2026, 10, 9)), status=NoticeStatus.WITHDRAWN)
    db.session.commit()

    lapses = lapses_for(villages_in(orgs["town"]), today=date(2026, 10, 20))

    assert summary(lapses) == [
        ("shuangta-cun", NoticeCategory.FINANCE, "2026年8月", date(2026, 9, 10),
         LapseKind.MISSING, 40),
        ("shuangta-cun", NoticeCategory.FINANCE, "2026年9月", date(2026, 10, 10),
         LapseKind.MISSING, 10),
        ("shuangta-cun", NoticeCategory.VILLAGE, "2026年第3季度", Q3_DUE, LapseKind.LATE, 5),
    ]


def test_notices_of_another_category_or_village_do_not_satisfy_a_rule(orgs, add_notice):
    village_a, village_b = orgs["village_a"], orgs["village_b"]
    rule(village_b, NoticeCategory.FINANCE, Frequency.MONTHLY, date(2026, 9, 1))
    add_notice(village_b, NoticeCategory.VILLAGE, date(2026, 9, 1), date(2026, 9, 30),
               beijing(date(2026, 10, 5)))
    add_notice(village_a, NoticeCategory.FINANCE, date(2026, 9, 1), date(2026, 9, 30),
               beijing(date(2026, 10, 5)))
    add_notice(village_b, NoticeCategory.FINANCE, date(2026, 9, 1), date(2026, 9, 30), None,
               status=NoticeStatus.AWAITING_SIGNOFF)
    db.session.commit()

    lapses = lapses_for([village_a, village_b], today=date(2026, 10, 12))

    assert summary(lapses) == [("wangtang", NoticeCategory.FINANCE, "2026年9月",
                                date(2026, 10, 10), LapseKind.MISSING, 2)]


def test_publication_day_is_the_beijing_date(orgs, add_notice):
    village_a, village_b = orgs["village_a"], orgs["village_b"]
    for village in (village_a, village_b):
        rule(village, NoticeCategory.VILLAGE, Frequency.QUARTERLY, date(2026, 7, 1))
    # 23:59 on 10月10日 in Beijing is on time; 00:30 on 10月11日 is a day late, although both
    # are still 10月10日 in UTC.
    add_notice(village_a, NoticeCategory.VILLAGE, Q3_2026.start, Q3_2026.end,
               beijing(Q3_DUE, 23, 59))
    add_notice(village_b, NoticeCategory.VILLAGE, Q3_2026.start, Q3_2026.end,
               beijing(date(2026, 10, 11), 0, 30))
    db.session.commit()
    assert beijing(date(2026, 10, 11), 0, 30).date() == Q3_DUE

    lapses = lapses_for([village_a, village_b], today=date(2026, 10, 20))

    assert summary(lapses) == [("wangtang", NoticeCategory.VILLAGE, "2026年第3季度", Q3_DUE,
                                LapseKind.LATE, 1)]


def test_major_items_are_checked_against_working_days(orgs, add_notice):
    village = orgs["village_a"]
    june = (date(2026, 6, 1), date(2026, 6, 30))
    late = add_notice(village, NoticeCategory.LAND_COMPENSATION, *june,
                      beijing(date(2026, 6, 10)), title="征地补偿方案", is_major=True,
                      occurred_on=date(2026, 6, 1))
    add_notice(village, NoticeCategory.PROJECT, *june, None, status=NoticeStatus.DRAFT,
               title="道路硬化工程", is_major=True, occurred_on=date(2026, 6, 1))
    add_notice(village, NoticeCategory.PROJECT, *june, beijing(date(2026, 6, 3)),
               title="按时公开的工程", is_major=True, occurred_on=date(2026, 6, 1))
    add_notice(village, NoticeCategory.HOMESTEAD, *june, beijing(date(2026, 6, 20)),
               status=NoticeStatus.WITHDRAWN, title="已撤回", is_major=True,
               occurred_on=date(2026, 6, 1))
    db.session.commit()

    lapses = lapses_for([village], today=date(2026, 6, 12))

    assert summary(lapses) == [
        ("shuangta-cun", NoticeCategory.PROJECT, "道路硬化工程", date(2026, 6, 8),
         LapseKind.MISSING, 4),
        ("shuangta-cun", NoticeCategory.LAND_COMPENSATION, "征地补偿方案", date(2026, 6, 8),
         LapseKind.LATE, 2),
    ]
    assert lapses[1].notice_id == late.id and lapses[1].is_major


def test_a_major_notice_is_not_the_regular_posting(orgs, add_notice):
    village = orgs["village_a"]
    rule(village, NoticeCategory.FINANCE, Frequency.MONTHLY, date(2026, 9, 1))
    add_notice(village, NoticeCategory.FINANCE, date(2026, 9, 1), date(2026, 9, 30),
               beijing(date(2026, 9, 3)), title="大额支出", is_major=True,
               occurred_on=date(2026, 9, 1))
    db.session.commit()

    lapses = lapses_for([village], today=date(2026, 10, 11))

    assert [(lapse.subject, lapse.kind) for lapse in lapses] == [
        ("2026年9月", LapseKind.MISSING)]


def test_no_villages_no_lapses(app):
    assert lapses_for([], today=date(2026, 10, 20)) == []


def test_villages_in_finds_the_villages_of_a_subtree(orgs):
    both = [orgs["village_a"], orgs["village_b"]]
    assert villages_in(orgs["county"]) == both
    assert villages_in(orgs["town"]) == both
    assert villages_in(orgs["village_a"]) == [orgs["village_a"]]
    assert villages_in(orgs["other_town"]) == []
    assert villages_in(orgs["office"]) == []


def test_default_rules_are_unsaved_and_follow_article_30(orgs):
    village = orgs["village_a"]
    rules = default_rules(village, date(2026, 1, 1))

    assert all(r not in db.session for r in rules)
    assert {(r.category, r.frequency, r.grace_days, r.active_from, r.village_id)
            for r in rules} == {
        (NoticeCategory.PARTY, Frequency.QUARTERLY, 10, date(2026, 1, 1), village.id),
        (NoticeCategory.VILLAGE, Frequency.QUARTERLY, 10, date(2026, 1, 1), village.id),
        (NoticeCategory.FINANCE, Frequency.MONTHLY, 10, date(2026, 1, 1), village.id),
    }
    db.session.add_all(rules)
    db.session.commit()
    assert db.session.query(PostingRule).filter_by(village_id=village.id).count() == 3


# --- Database layer: bounded queries -----------------------------------------------------


def count_statements(action) -> int:
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_query_count_does_not_grow_with_periods_rules_or_villages(orgs, add_notice):
    village_a, village_b = orgs["village_a"], orgs["village_b"]
    rule(village_a, NoticeCategory.FINANCE, Frequency.MONTHLY, date(2026, 9, 1))
    db.session.commit()
    today = date(2026, 10, 20)
    villages = villages_in(orgs["town"])
    few = count_statements(lambda: lapses_for(villages, today=today))

    # Ten years of monthly and quarterly periods, two villages, postings for some of them.
    for village in (village_a, village_b):
        rule(village, NoticeCategory.PARTY, Frequency.QUARTERLY, date(2016, 1, 1))
        rule(village, NoticeCategory.VILLAGE, Frequency.QUARTERLY, date(2016, 1, 1))
    rule(village_b, NoticeCategory.FINANCE, Frequency.MONTHLY, date(2016, 1, 1))
    for year in range(2016, 2026):
        add_notice(village_b, NoticeCategory.FINANCE, date(year, 1, 1), date(year, 12, 31),
                   beijing(date(year + 1, 1, 5)))
    db.session.commit()
    villages = villages_in(orgs["town"])
    many_lapses = []
    many = count_statements(lambda: many_lapses.extend(lapses_for(villages, today=today)))

    assert len(many_lapses) > 150
    assert few == many == 2


def test_query_count_with_major_items_is_constant(orgs, add_notice):
    village = orgs["village_a"]
    today = date(2026, 10, 20)

    def measure() -> int:
        forget_current_calendar()
        villages = villages_in(orgs["town"])
        return count_statements(lambda: lapses_for(villages, today=today))

    add_notice(village, NoticeCategory.PROJECT, date(2026, 1, 1), date(2026, 1, 31), None,
               status=NoticeStatus.DRAFT, is_major=True, occurred_on=date(2026, 1, 5))
    db.session.commit()
    one = measure()
    for month in range(2, 11):
        add_notice(village, NoticeCategory.PROJECT, date(2026, month, 1),
                   date(2026, month, 28), beijing(date(2026, month, 27)), is_major=True,
                   occurred_on=date(2026, month, 1), title=f"{month}月工程")
    db.session.commit()

    assert measure() == one
    assert one <= 4  # rules, notices, and the working-day calendar's overrides once
