"""The year view's days, without a database: kinds, holiday names, overrides, week layout."""

from __future__ import annotations

from datetime import date

import chinese_calendar

from portal.workdays.calendar import BASE_CALENDAR, WorkCalendar
from portal.workdays.year_view import DayKind, describe_day, year_months


def day_of(months, day: date):
    return next(cell for week in months[day.month - 1].weeks for cell in week
                if cell and cell.day == day)


def test_a_year_is_twelve_monday_first_months_holding_every_day_once():
    months = year_months(2026, BASE_CALENDAR)
    assert [m.month for m in months] == list(range(1, 13))
    # 2026-01-01 is a Thursday: three blanks before it in the first week.
    assert [cell and cell.day.day for cell in months[0].weeks[0]] == [None, None, None, 1, 2, 3, 4]
    days = [cell.day for m in months for week in m.weeks for cell in week if cell]
    assert len(days) == len(set(days)) == 365
    assert all(len(week) == 7 for m in months for week in m.weeks)


def test_national_day_2026_and_its_make_up_saturday():
    months = year_months(2026, BASE_CALENDAR)
    national_day = day_of(months, date(2026, 10, 1))
    assert (national_day.kind, national_day.name) == (DayKind.HOLIDAY, "国庆节")
    assert national_day.description == "10月1日，星期四，法定节假日，国庆节"
    # The announcement for 2026: Sunday 9/20 and Saturday 10/10 are worked for 10/1–10/7 off.
    assert date(2026, 10, 10) in chinese_calendar.workdays
    assert day_of(months, date(2026, 10, 10)).kind is DayKind.MAKEUP
    assert day_of(months, date(2026, 9, 20)).kind is DayKind.MAKEUP
    bridged = day_of(months, date(2026, 10, 7))
    assert (bridged.kind, bridged.name) == (DayKind.REST, "国庆节")
    assert "国庆节假期" in bridged.description
    assert day_of(months, date(2026, 10, 8)).kind is DayKind.WORKING
    plain_weekend = day_of(months, date(2026, 10, 17))
    assert (plain_weekend.kind, plain_weekend.name) == (DayKind.REST, "")
    assert months[9].working_days == 18


def test_every_kind_has_a_mark_except_an_ordinary_working_day():
    assert DayKind.WORKING.mark == ""
    assert {kind.mark for kind in DayKind if kind is not DayKind.WORKING} == {"休", "假", "班"}


def test_an_admins_overrides_decide_and_are_marked_with_their_note():
    calendar = WorkCalendar(overrides={date(2027, 2, 20): True, date(2027, 2, 12): False})
    notes = {date(2027, 2, 20): "春节调休上班", date(2027, 2, 12): "春节补假"}
    saturday = describe_day(date(2027, 2, 20), calendar, notes)
    assert (saturday.kind, saturday.overridden) == (DayKind.MAKEUP, True)
    assert saturday.note == "春节调休上班"
    assert saturday.description.endswith("管理员调整：春节调休上班")
    friday = describe_day(date(2027, 2, 12), calendar, notes)
    assert (friday.kind, friday.overridden) == (DayKind.REST, True)
    untouched = describe_day(date(2027, 2, 15), calendar, notes)
    assert (untouched.kind, untouched.overridden, untouched.note) == (DayKind.WORKING, False, "")


def test_an_unannounced_year_shows_the_statutory_holidays():
    months = year_months(2030, BASE_CALENDAR)
    national_day = day_of(months, date(2030, 10, 1))
    assert (national_day.kind, national_day.name) == (DayKind.HOLIDAY, "国庆节")
    # No 调休 is guessed for such a year: its weekends are plain rest days.
    assert not any(cell.kind is DayKind.MAKEUP
                   for m in months for week in m.weeks for cell in week if cell)
