"""Working-day arithmetic for legal deadlines (工作日计算).

Pure logic: which days are working days, and the n-th working day after an event. The
database is consulted only by `current_calendar()`, lazily, inside an application context.

Sources, strongest first:
1. admin overrides (调休 entered from the State Council's announcement);
2. the `chinesecalendar` package, for the years it covers;
3. a fallback of weekends plus the statutory holidays of 《全国年节及纪念日放假办法》.
A day is *provisional* when its year is covered neither by the package nor by an admin's
confirmation, so deadlines that count such a day may still move — in either direction: the
fallback is not "strict" (see `fallback_is_working_day`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import chinese_calendar
from lunar_python import Lunar, Solar

ONE_DAY = timedelta(days=1)

PACKAGE_FIRST_YEAR = min(chinese_calendar.holidays).year
PACKAGE_LAST_YEAR = max(chinese_calendar.holidays).year

# Years an admin may override or confirm: the package's first year up to a far horizon.
FIRST_YEAR = PACKAGE_FIRST_YEAR
LAST_YEAR = 2100

_CACHE_KEY = "workdays_calendar"


class YearStatus(enum.StrEnum):
    BUILT_IN = "built_in"
    CONFIRMED = "confirmed"
    PROVISIONAL = "provisional"

    @property
    def label(self) -> str:
        return {
            "built_in": "内置数据（国务院已公布）",
            "confirmed": "管理员已确认",
            "provisional": "暂定（按法定节假日推算）",
        }[self.value]


def package_covers(year: int) -> bool:
    return PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR


def _solar_date(solar: Solar) -> date:
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _lunar_date(year: int, month: int, day: int) -> date:
    return _solar_date(Lunar.fromYmd(year, month, day).getSolar())


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> Mapping[date, str]:
    """The statutory holidays of `year` (no 调休), as date → name.

    元旦 1 day, 春节 4 (除夕 and lunar 1/1–1/3), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3.
    When two festivals share a day (中秋 on 10/3 in 2028) the names are joined.
    """
    new_year = _lunar_date(year, 1, 1)
    qingming = _solar_date(Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"])
    days: list[tuple[date, str]] = [(date(year, 1, 1), "元旦")]
    days += [(new_year + timedelta(days=offset), "春节") for offset in range(-1, 3)]
    days += [(qingming, "清明节"), (date(year, 5, 1), "劳动节"), (date(year, 5, 2), "劳动节")]
    days += [(_lunar_date(year, 5, 5), "端午节"), (_lunar_date(year, 8, 15), "中秋节")]
    days += [(date(year, 10, d), "国庆节") for d in (1, 2, 3)]
    names: dict[date, str] = {}
    for day, name in days:
        names[day] = f"{names[day]}、{name}" if day in names else name
    return MappingProxyType(dict(sorted(names.items())))


def fallback_is_working_day(day: date) -> bool:
    """The rule for a year nobody has announced: Monday to Friday, except the statutory
    holidays themselves. It guesses no 调休 either way: no weekend turned into a working day
    (so a provisional deadline can fall after the final one) and no day off added to bridge
    a holiday or to replace one falling on a weekend (so it can also fall before)."""
    return day.weekday() < 5 and day not in statutory_holidays(day.year)


def _base_is_working_day(day: date) -> bool:
    """The package's answer for its years, else the fallback."""
    if package_covers(day.year):
        # Same rule as chinese_calendar.is_workday, without its per-call range scan.
        if day in chinese_calendar.workdays:
            return True
        return day.weekday() < 5 and day not in chinese_calendar.holidays
    return fallback_is_working_day(day)


@dataclass(frozen=True)
class Deadline:
    """The last day of a period, and whether it may still move (暂定)."""

    due: date
    provisional: bool


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days, given admin overrides and confirmed years.

    `overrides` maps a day to True (working day, e.g. 调休上班) or False (holiday); it beats
    both the package and the fallback. `confirmed_years` are years whose fallback-plus-
    overrides an admin has declared final, so they are no longer provisional.
    """

    overrides: Mapping[date, bool] = field(default_factory=dict)
    confirmed_years: Set[int] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _base_is_working_day(day)

    def is_provisional(self, day: date) -> bool:
        return self.year_status(day.year) is YearStatus.PROVISIONAL

    def year_status(self, year: int) -> YearStatus:
        if package_covers(year):
            return YearStatus.BUILT_IN
        if year in self.confirmed_years:
            return YearStatus.CONFIRMED
        return YearStatus.PROVISIONAL


BASE_CALENDAR = WorkCalendar()


def current_calendar() -> WorkCalendar:
    """The calendar in force: package and fallback, plus the database's overrides.

    Inside an application context the overrides are loaded once per context (two small
    queries) and kept on `flask.g`, so every request and every worker sees an admin's
    change from its next request on; the calendar services drop the cached copy when
    they change it. Outside an application context only the package and fallback apply.
    """
    from flask import g, has_app_context

    if not has_app_context():
        return BASE_CALENDAR
    calendar = g.get(_CACHE_KEY)
    if calendar is None:
        from portal.workdays.services import load_calendar

        calendar = load_calendar()
        setattr(g, _CACHE_KEY, calendar)
    return calendar


def forget_current_calendar() -> None:
    """Drop the cached calendar so the next `current_calendar()` reads the database."""
    from flask import g, has_app_context

    if has_app_context():
        g.pop(_CACHE_KEY, None)


def working_deadline(start: date, n: int, calendar: WorkCalendar | None = None) -> Deadline:
    """The n-th working day after `start`; the start day itself is not counted.

    `provisional` is True when any day from start + 1 through the due date lies in a
    provisional year. n = 0 gives `start`. Raises ValueError for negative n.
    """
    if n < 0:
        raise ValueError(f"工作日数不能为负数：{n}")
    if calendar is None:
        calendar = current_calendar()
    day, counted, provisional = start, 0, False
    while counted < n:
        day += ONE_DAY
        provisional = provisional or calendar.is_provisional(day)
        if calendar.is_working_day(day):
            counted += 1
    return Deadline(day, provisional)


def add_working_days(start: date, n: int, calendar: WorkCalendar | None = None) -> date:
    """The date of the n-th working day after `start` (开始的当日不计入)."""
    return working_deadline(start, n, calendar).due


def working_days_between(start: date, end: date, calendar: WorkCalendar | None = None) -> int:
    """Working days in (start, end]; negative, counting (end, start], when end < start.

    So `working_days_between(start, add_working_days(start, n)) == n`, and for a due date,
    `working_days_between(today, due)` is the working days left (negative when overdue).
    """
    if end < start:
        return -working_days_between(end, start, calendar)
    if calendar is None:
        calendar = current_calendar()
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        if calendar.is_working_day(day):
            count += 1
    return count
