"""Operations on the working-day calendar: admin overrides, year confirmation, lookups.

Every change requires the `admin` role (a grant on any organization), is audited, sends
`calendar_changed` before its single commit, and drops the cached `current_calendar()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import null, select, union_all

from portal.audit import services as audit
from portal.auth.models import Role
from portal.auth.permissions import require, require_any
from portal.errors import Conflict, NotFound, ValidationError
from portal.extensions import db
from portal.timeutil import utcnow
from portal.workdays.calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    Deadline,
    WorkCalendar,
    YearStatus,
    forget_current_calendar,
    package_covers,
    statutory_holidays,
    working_deadline,
)
from portal.workdays.models import NOTE_MAX_LENGTH, CalendarOverride, ConfirmedCalendarYear
from portal.workdays.signals import calendar_changed
from portal.workdays.year_view import MonthGrid, year_months

if TYPE_CHECKING:
    from portal.auth.models import User

# Longer than any statutory period; stops a typo from walking the calendar for minutes.
MAX_WORKING_DAYS = 1000


@dataclass(frozen=True)
class YearOverview:
    """What the admin page shows for one year."""

    year: int
    status: YearStatus
    overrides: list[CalendarOverride]
    confirmation: ConfirmedCalendarYear | None
    # The fallback's holidays; empty for years the package covers.
    statutory_holidays: Mapping[date, str]
    # Every confirmed year, for navigation.
    confirmed_years: list[int]
    # The year as twelve month grids, overrides applied.
    months: list[MonthGrid]

    @property
    def has_previous(self) -> bool:
        return self.year > FIRST_YEAR

    @property
    def has_next(self) -> bool:
        return self.year < LAST_YEAR


# Built once: every submission runs it.
_CALENDAR = union_all(
    select(CalendarOverride.day, CalendarOverride.is_working_day, null().label("year")),
    select(null(), null(), ConfirmedCalendarYear.year))


def load_calendar() -> WorkCalendar:
    """Build a WorkCalendar from the override tables (used by `current_calendar`), both
    read in one statement: every submission reads them while other writers wait."""
    found: dict[date, bool] = {}
    confirmed = set()
    for day, working, year in db.session.execute(_CALENDAR):
        if year is None:
            found[day] = bool(working)
        else:
            confirmed.add(year)
    return WorkCalendar(overrides=found, confirmed_years=frozenset(confirmed))


def _check_day(day: object, field: str = "day") -> date:
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationError("请填写有效的日期。", field=field)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(f"日期须在 {FIRST_YEAR} 年至 {LAST_YEAR} 年之间。", field=field)
    return day


def _check_year(year: object) -> int:
    if not isinstance(year, int) or isinstance(year, bool) \
            or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(f"年度须在 {FIRST_YEAR} 年至 {LAST_YEAR} 年之间。", field="year")
    return year


def _clean_note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(f"说明不能超过 {NOTE_MAX_LENGTH} 个字。", field="note")
    return note


def _find_override(day: date) -> CalendarOverride | None:
    return db.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))


def _find_confirmation(year: int) -> ConfirmedCalendarYear | None:
    return db.session.scalar(
        select(ConfirmedCalendarYear).where(ConfirmedCalendarYear.year == year))


def _announce_and_commit(actor: User, action: str, first_day: date, last_day: date) -> None:
    """Let receivers recompute inside this transaction, then commit once."""
    db.session.flush()
    forget_current_calendar()
    try:
        calendar_changed.send(current_app._get_current_object(), actor=actor, action=action,
                              first_day=first_day, last_day=last_day)
        db.session.commit()
    finally:
        # A receiver may have cached the uncommitted calendar; never let it outlive a rollback.
        forget_current_calendar()


def set_override(actor: User, day: date, is_working_day: bool,
                 note: str = "") -> CalendarOverride:
    """Declare `day` a working day (调休上班) or a holiday, replacing any earlier override.

    Who: an admin. Raises PermissionDenied, or ValidationError for a day outside
    FIRST_YEAR–LAST_YEAR or a note longer than NOTE_MAX_LENGTH. Setting the value a day
    already has changes nothing and records nothing.
    """
    action = "calendar.override.set"
    require(actor, Role.ADMIN, None, action=action)
    day, note = _check_day(day), _clean_note(note)
    override = _find_override(day)
    before = override.snapshot() if override else None
    if before == {"day": day, "is_working_day": bool(is_working_day), "note": note}:
        return override
    if override is None:
        override = CalendarOverride(day=day, created_by_id=actor.id, created_at=utcnow())
        db.session.add(override)
    else:
        override.updated_by_id, override.updated_at = actor.id, utcnow()
    override.is_working_day, override.note = bool(is_working_day), note
    db.session.flush()
    audit.record(actor, action, override, before=before, after=override.snapshot())
    _announce_and_commit(actor, action, day, day)
    return override


def remove_override(actor: User, day: date) -> None:
    """Delete the override of `day`, so the package or fallback decides again.

    Who: an admin. Raises PermissionDenied, ValidationError, or NotFound when `day` has
    no override.
    """
    action = "calendar.override.remove"
    require(actor, Role.ADMIN, None, action=action)
    day = _check_day(day)
    override = _find_override(day)
    if override is None:
        raise NotFound(f"{day.isoformat()} 没有调整记录。")
    audit.record(actor, action, override, before=override.snapshot(), after=None)
    db.session.delete(override)
    _announce_and_commit(actor, action, day, day)


def confirm_year(actor: User, year: int, note: str = "") -> ConfirmedCalendarYear:
    """Declare `year`'s calendar final (国务院已公布且调整已录入): no longer provisional.

    Who: an admin. Raises PermissionDenied; ValidationError for a year out of range or
    one the built-in data already covers; Conflict when the year is already confirmed.
    """
    action = "calendar.year.confirm"
    require(actor, Role.ADMIN, None, action=action)
    year, note = _check_year(year), _clean_note(note)
    if package_covers(year):
        raise ValidationError(f"{year} 年的节假日安排已内置，无需确认。", field="year")
    if _find_confirmation(year) is not None:
        raise Conflict(f"{year} 年的日历已经确认过了。")
    confirmation = ConfirmedCalendarYear(year=year, note=note, confirmed_by_id=actor.id,
                                         confirmed_at=utcnow())
    db.session.add(confirmation)
    db.session.flush()
    audit.record(actor, action, confirmation, before=None, after=confirmation.snapshot())
    _announce_and_commit(actor, action, date(year, 1, 1), date(year, 12, 31))
    return confirmation


def unconfirm_year(actor: User, year: int) -> None:
    """Withdraw the confirmation of `year`, making its deadlines provisional again.

    Who: an admin. Raises PermissionDenied, ValidationError, or NotFound when the year
    is not confirmed.
    """
    action = "calendar.year.unconfirm"
    require(actor, Role.ADMIN, None, action=action)
    year = _check_year(year)
    confirmation = _find_confirmation(year)
    if confirmation is None:
        raise NotFound(f"{year} 年的日历尚未确认。")
    audit.record(actor, action, confirmation, before=confirmation.snapshot(), after=None)
    db.session.delete(confirmation)
    _announce_and_commit(actor, action, date(year, 1, 1), date(year, 12, 31))


def year_overview(actor: User, year: int) -> YearOverview:
    """The year's month grids, overrides, confirmation and fallback holidays (admin page).

    Who: an admin. Raises PermissionDenied or ValidationError.
    """
    require(actor, Role.ADMIN, None, action="calendar.view")
    year = _check_year(year)
    overrides = db.session.scalars(
        select(CalendarOverride)
        .where(CalendarOverride.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(CalendarOverride.day)).all()
    confirmation = _find_confirmation(year)
    calendar = WorkCalendar(
        overrides={override.day: override.is_working_day for override in overrides},
        confirmed_years={year} if confirmation else frozenset())
    return YearOverview(
        year=year,
        status=calendar.year_status(year),
        overrides=list(overrides),
        confirmation=confirmation,
        statutory_holidays={} if package_covers(year) else statutory_holidays(year),
        confirmed_years=list(db.session.scalars(
            select(ConfirmedCalendarYear.year).order_by(ConfirmedCalendarYear.year))),
        months=year_months(year, calendar, {override.day: override.note for override in overrides}),
    )


def compute_deadline(actor: User, start: date, n: int) -> Deadline:
    """The n-th working day after `start` on the current calendar (the 计算期限 tool).

    Who: any staff member (any role). Raises PermissionDenied, or ValidationError for a
    start outside FIRST_YEAR–LAST_YEAR or n outside 0–MAX_WORKING_DAYS.
    """
    require_any(actor, tuple(Role), None, action="calendar.compute")
    start = _check_day(start, field="start")
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_WORKING_DAYS:
        raise ValidationError(f"工作日数须在 0 到 {MAX_WORKING_DAYS} 之间。", field="days")
    return working_deadline(start, n)
