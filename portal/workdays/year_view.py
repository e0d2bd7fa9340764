"""The work calendar as a year of month grids (工作日历年视图).

Pure logic over a `WorkCalendar`: every day of a year, Monday-first weeks, each day a
工作日, 休息日, 法定节假日 (with its name) or 调休上班 (a Saturday or Sunday worked in
exchange for a holiday bridge). Days an admin changed carry the override's note.

Which name a holiday day shows: the statutory name (《全国年节及纪念日放假办法》) for the
statutory days themselves; the other days off of a holiday period (调休放假, weekends inside
the period) are 休息日 with the period's name from the `chinesecalendar` package.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import chinese_calendar

from portal.workdays.calendar import WorkCalendar, package_covers, statutory_holidays

WEEKDAY_NAMES = "一二三四五六日"

# The package names its holidays in English; these are the names the notices use.
_PACKAGE_NAMES = {
    chinese_calendar.Holiday.new_years_day.value: "元旦",
    chinese_calendar.Holiday.spring_festival.value: "春节",
    chinese_calendar.Holiday.tomb_sweeping_day.value: "清明节",
    chinese_calendar.Holiday.labour_day.value: "劳动节",
    chinese_calendar.Holiday.dragon_boat_festival.value: "端午节",
    chinese_calendar.Holiday.national_day.value: "国庆节",
    chinese_calendar.Holiday.mid_autumn_festival.value: "中秋节",
    chinese_calendar.Holiday.anti_fascist_70th_day.value: "抗战胜利纪念日",
}


class DayKind(enum.StrEnum):
    WORKING = "working"
    REST = "rest"
    HOLIDAY = "holiday"
    MAKEUP = "makeup"

    @property
    def label(self) -> str:
        return {"working": "工作日", "rest": "休息日", "holiday": "法定节假日",
                "makeup": "调休上班"}[self.value]

    @property
    def mark(self) -> str:
        """The one-character mark printed in the day's cell, so colour is never the only cue."""
        return {"working": "", "rest": "休", "holiday": "假", "makeup": "班"}[self.value]


@dataclass(frozen=True)
class CalendarDay:
    day: date
    kind: DayKind
    # The holiday, or the holiday period a day off belongs to; "" for ordinary days.
    name: str = ""
    overridden: bool = False
    note: str = ""

    @property
    def weekday_name(self) -> str:
        return "星期" + WEEKDAY_NAMES[self.day.weekday()]

    @property
    def description(self) -> str:
        """Everything the cell says, in words (for screen readers)."""
        parts = [f"{self.day.month}月{self.day.day}日", self.weekday_name, self.kind.label]
        if self.name:
            parts.append(self.name if self.kind is DayKind.HOLIDAY else f"{self.name}假期")
        if self.overridden:
            parts.append("管理员调整" + (f"：{self.note}" if self.note else ""))
        return "，".join(parts)


@dataclass(frozen=True)
class MonthGrid:
    year: int
    month: int
    # Monday-first weeks; None pads the days of the neighbouring months.
    weeks: list[list[CalendarDay | None]]

    @property
    def working_days(self) -> int:
        return sum(1 for week in self.weeks for day in week
                   if day and day.kind in (DayKind.WORKING, DayKind.MAKEUP))


def _period_name(day: date) -> str:
    """The holiday period `day` lies in, by the package; "" outside its years."""
    if not package_covers(day.year):
        return ""
    name = chinese_calendar.holidays.get(day)
    return _PACKAGE_NAMES.get(name, "") if name else ""


def describe_day(day: date, calendar: WorkCalendar, notes: Mapping[date, str]) -> CalendarDay:
    """What the year view shows for `day`: its kind, holiday name and any override."""
    overridden = day in calendar.overrides
    note = notes.get(day, "") if overridden else ""
    weekend = day.weekday() >= 5
    if calendar.is_working_day(day):
        kind = DayKind.MAKEUP if weekend else DayKind.WORKING
        return CalendarDay(day, kind, overridden=overridden, note=note)
    statutory = statutory_holidays(day.year).get(day)
    if statutory:
        return CalendarDay(day, DayKind.HOLIDAY, statutory, overridden, note)
    return CalendarDay(day, DayKind.REST, _period_name(day), overridden, note)


def year_months(year: int, calendar: WorkCalendar,
                notes: Mapping[date, str] | None = None) -> list[MonthGrid]:
    """The twelve month grids of `year` on `calendar`; `notes` are the overrides' notes."""
    notes = notes or {}
    weeks_of = stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar
    return [
        MonthGrid(year, month, [
            [describe_day(day, calendar, notes) if day.month == month else None
             for day in week]
            for week in weeks_of(year, month)])
        for month in range(1, 13)
    ]
