"""The working-day rules, without a database: package data, fallback, overrides."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.workdays.calendar import (
    BASE_CALENDAR,
    Deadline,
    WorkCalendar,
    YearStatus,
    add_working_days,
    current_calendar,
    fallback_is_working_day,
    statutory_holidays,
    working_days_between,
    working_deadline,
)


def days_of(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


# --- the start day and n ------------------------------------------------------------

def test_start_day_is_not_counted_friday_plus_one_is_monday():
    assert date(2026, 3, 6).weekday() == 4  # a plain Friday
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)


def test_start_on_a_working_day_still_counts_from_the_next_day():
    assert add_working_days(date(2026, 3, 10), 1) == date(2026, 3, 11)
    assert add_working_days(date(2026, 3, 10), 5) == date(2026, 3, 17)


def test_zero_days_returns_the_start_even_on_a_holiday():
    assert add_working_days(date(2026, 10, 1), 0) == date(2026, 10, 1)
    assert working_deadline(date(2027, 2, 5), 0) == Deadline(date(2027, 2, 5), False)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 6), -1)
    with pytest.raises(ValueError):
        working_deadline(date(2026, 3, 6), -5)


# --- Spring Festival 2026 (package data) ---------------------------------------------

def test_spring_festival_2026_holidays_and_makeup_days():
    for offset in range(9):
        assert not BASE_CALENDAR.is_working_day(date(2026, 2, 15) + timedelta(days=offset))
    assert BASE_CALENDAR.is_working_day(date(2026, 2, 14))  # Saturday, 调休上班
    assert BASE_CALENDAR.is_working_day(date(2026, 2, 28))  # Saturday, 调休上班
    assert not BASE_CALENDAR.is_working_day(date(2026, 3, 1))  # an ordinary Sunday


def test_counting_across_spring_festival_2026():
    # Friday 2/13 → Saturday 2/14 is a makeup working day.
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    # From 2/14 the next working day is after the nine-day break.
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    # 2/24–2/27 are four days; Saturday 2/28 is the fifth.
    assert add_working_days(date(2026, 2, 13), 6) == date(2026, 2, 28)
    assert add_working_days(date(2026, 2, 13), 7) == date(2026, 3, 2)


# --- National Day 2026 ----------------------------------------------------------------

def test_national_day_2026_span_and_makeup_day():
    for day in (date(2026, 9, 25), date(2026, 9, 26), date(2026, 9, 27)):
        assert not BASE_CALENDAR.is_working_day(day)  # 中秋
    for offset in range(7):
        assert not BASE_CALENDAR.is_working_day(date(2026, 10, 1) + timedelta(days=offset))
    assert BASE_CALENDAR.is_working_day(date(2026, 9, 28))
    assert BASE_CALENDAR.is_working_day(date(2026, 10, 10))  # Saturday, 调休上班
    assert BASE_CALENDAR.is_working_day(date(2026, 9, 20))  # Sunday, 调休上班


def test_twenty_working_days_from_september_30_2026():
    # 10/8, 10/9, 10/10 (makeup), then whole weeks: 10/12–16, 19–23, 26–30, 11/2, 11/3.
    assert working_deadline(date(2026, 9, 30), 20) == Deadline(date(2026, 11, 3), False)
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert add_working_days(date(2026, 9, 24), 1) == date(2026, 9, 28)


# --- fallback for years the package lacks --------------------------------------------

def test_package_really_lacks_2027():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 3, 1))


def test_fallback_2027_lunar_and_solar_term_dates():
    holidays = statutory_holidays(2027)
    assert [d for d, name in holidays.items() if name == "春节"] == [
        date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)]
    assert [d for d, name in holidays.items() if name == "国庆节"] == [
        date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3)]
    assert holidays[date(2027, 1, 1)] == "元旦"
    assert holidays[date(2027, 4, 5)] == "清明节"
    assert holidays[date(2027, 5, 1)] == holidays[date(2027, 5, 2)] == "劳动节"
    assert holidays[date(2027, 6, 9)] == "端午节"
    assert holidays[date(2027, 9, 15)] == "中秋节"
    assert len(holidays) == 13


def test_fallback_2027_working_days_around_spring_festival_and_national_day():
    cal = BASE_CALENDAR
    assert cal.is_working_day(date(2027, 2, 4))
    assert not cal.is_working_day(date(2027, 2, 5))  # 除夕, Friday
    assert not cal.is_working_day(date(2027, 2, 8))  # 初三, Monday
    assert cal.is_working_day(date(2027, 2, 9))
    assert not cal.is_working_day(date(2027, 10, 1))  # Friday
    assert cal.is_working_day(date(2027, 10, 4))  # Monday: only three days off
    assert not cal.is_working_day(date(2027, 9, 15))  # 中秋, Wednesday
    assert cal.is_working_day(date(2027, 3, 1))  # an ordinary Monday


def test_fallback_merges_festivals_sharing_a_day():
    holidays = statutory_holidays(2028)
    assert holidays[date(2028, 10, 3)] == "中秋节、国庆节"
    assert len(holidays) == 12


@pytest.mark.parametrize("year", [2025, 2026])
def test_fallback_rules_agree_with_the_state_council_since_the_2025_revision(year):
    # Every statutory holiday the fallback derives is a day off in the announced calendar.
    for day in statutory_holidays(year):
        assert not chinese_calendar.is_workday(day), day


def _fallback_deadline(start: date, n: int) -> date:
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        counted += fallback_is_working_day(day)
    return day


@pytest.mark.parametrize(("start", "n", "fallback", "announced"), [
    # 2026-02-14 (Saturday) is a 调休 working day the fallback does not guess: later.
    (date(2026, 2, 13), 1, date(2026, 2, 20), date(2026, 2, 14)),
    # 2026-10-04 … 10-07 are days off beyond the three statutory ones: earlier.
    (date(2026, 9, 30), 1, date(2026, 10, 5), date(2026, 10, 8)),
    # 元旦 2026 is a Thursday; 1-2 is a bridging day off and 1-4 (Sunday) a working day.
    (date(2025, 12, 31), 1, date(2026, 1, 2), date(2026, 1, 4)),
    # 2026-09-20 (Sunday) is a 调休 working day: later again.
    (date(2026, 9, 18), 2, date(2026, 9, 22), date(2026, 9, 21)),
])
def test_the_fallback_is_neither_strict_nor_lenient(start, n, fallback, announced):
    """The fallback applied to 2026, whose arrangement is known, misses in both directions,
    so a provisional deadline is a guess that must be marked and recomputed, not a bound."""
    assert _fallback_deadline(start, n) == fallback
    assert add_working_days(start, n) == announced


def test_fallback_is_provisional_and_package_years_are_not():
    assert BASE_CALENDAR.is_provisional(date(2027, 6, 1))
    assert not BASE_CALENDAR.is_provisional(date(2026, 6, 1))
    assert not BASE_CALENDAR.is_provisional(date(2004, 1, 1))
    assert BASE_CALENDAR.year_status(2027) is YearStatus.PROVISIONAL
    assert BASE_CALENDAR.year_status(2026) is YearStatus.BUILT_IN


def test_base_calendar_matches_the_package_for_every_covered_day():
    for year in (2004, 2015, 2024, 2026):
        for day in days_of(year):
            assert BASE_CALENDAR.is_working_day(day) == chinese_calendar.is_workday(day), day


# --- the year boundary ---------------------------------------------------------------

def test_counting_into_2027_is_provisional():
    # 12/28–31 are four days; 2027-01-01 is 元旦 (Friday); then 1/4–1/8 and 1/11.
    assert working_deadline(date(2026, 12, 25), 10) == Deadline(date(2027, 1, 11), True)


def test_staying_inside_2026_is_not_provisional():
    assert working_deadline(date(2026, 12, 25), 4) == Deadline(date(2026, 12, 31), False)


def test_a_provisional_holiday_counted_past_makes_the_deadline_provisional():
    # The due date is in 2026, but the walk passed no 2027 day: still firm.
    assert not working_deadline(date(2026, 12, 30), 1).provisional
    # Walking from 12/31 touches 2027-01-01 (a fallback holiday) on the way.
    assert working_deadline(date(2026, 12, 31), 1) == Deadline(date(2027, 1, 4), True)


# --- overrides and confirmed years ---------------------------------------------------

def test_override_beats_the_package():
    cal = WorkCalendar(overrides={date(2026, 10, 10): False, date(2026, 10, 11): True})
    assert not cal.is_working_day(date(2026, 10, 10))
    assert cal.is_working_day(date(2026, 10, 11))
    # 10/8, 10/9, then Sunday 10/11 instead of Saturday 10/10.
    assert add_working_days(date(2026, 9, 30), 3, cal) == date(2026, 10, 11)


def test_override_beats_the_fallback():
    cal = WorkCalendar(overrides={date(2027, 2, 9): False, date(2027, 2, 20): True})
    assert not cal.is_working_day(date(2027, 2, 9))
    assert cal.is_working_day(date(2027, 2, 20))  # a Saturday made a working day
    assert add_working_days(date(2027, 2, 4), 1, cal) == date(2027, 2, 10)


def test_confirming_a_year_removes_provisional():
    confirmed = WorkCalendar(confirmed_years={2027})
    assert working_deadline(date(2026, 12, 25), 10, confirmed) == Deadline(
        date(2027, 1, 11), False)
    assert confirmed.year_status(2027) is YearStatus.CONFIRMED
    assert confirmed.is_provisional(date(2028, 1, 3))


def test_without_an_app_context_the_current_calendar_is_package_and_fallback():
    assert current_calendar() is BASE_CALENDAR


# --- working_days_between -------------------------------------------------------------

def test_working_days_between_counts_the_half_open_interval():
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 1
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0
    assert working_days_between(date(2026, 9, 30), date(2026, 11, 3)) == 20
    assert working_days_between(date(2026, 11, 3), date(2026, 9, 30)) == -20


def test_working_days_between_uses_the_calendar_given():
    cal = WorkCalendar(overrides={date(2026, 3, 9): False})
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 10), cal) == 1


# --- properties -----------------------------------------------------------------------

starts = st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 12, 31))
counts = st.integers(min_value=0, max_value=250)


@given(start=starts, n=counts)
def test_result_is_strictly_increasing_in_n_and_always_a_working_day(start, n):
    due = add_working_days(start, n)
    later = add_working_days(start, n + 1)
    assert later > due
    assert BASE_CALENDAR.is_working_day(later)
    # Nothing between two consecutive results is a working day.
    day = due + timedelta(days=1)
    while day < later:
        assert not BASE_CALENDAR.is_working_day(day)
        day += timedelta(days=1)


@given(start=starts, n=counts)
def test_working_days_between_inverts_add_working_days(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n
