"""Which village postings are missing or late (村务公开的时限).

村民委员会组织法 第三十条: 一般事项至少每季度公布一次；集体财务往来较多的，财务收支情况应当
每月公布一次；涉及村民利益的重大事项应当随时公布. A `PostingRule` says how often one village
must post one category; a period's posting is due `grace_days` calendar days after the period
ends. Missing and late postings are reported to the town.

Two layers. The pure core (`Period`, `periods_due`, `assess`, `major_lateness`) knows only
dates and is tested without a database. The database layer (`lapses_for`, `villages_in`,
`default_rules`) loads the rules and notices of many villages in two queries and feeds them
to the core, so the cost does not grow with the number of periods or rules.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Row, and_, or_, select

from portal.extensions import db
from portal.organizations.models import Organization, OrgKind
from portal.timeutil import local_today, to_local
from portal.villages.models import (
    Frequency,
    NoticeCategory,
    NoticeStatus,
    PostingRule,
    VillageNotice,
)
from portal.workdays.calendar import WorkCalendar, add_working_days, current_calendar

ONE_DAY = timedelta(days=1)

# 重大事项“随时公布”: the law names no number of days, so "immediately" is read as within
# this many working days of the matter being decided or happening. Callers may override it.
MAJOR_ITEM_WORKING_DAYS = 5

# Art. 30 requires ordinary items "至少每季度公布一次" and monthly finance where transactions
# are frequent; provincial 村务公开 rules commonly ask for the posting by the 10th of the
# following month, which is period end + 10 days for calendar months and quarters.
DEFAULT_GRACE_DAYS = 10
DEFAULT_FREQUENCIES = {
    NoticeCategory.PARTY: Frequency.QUARTERLY,
    NoticeCategory.VILLAGE: Frequency.QUARTERLY,
    NoticeCategory.FINANCE: Frequency.MONTHLY,
}

_MONTHS_PER_PERIOD = {Frequency.QUARTERLY: 3, Frequency.MONTHLY: 1}


# --- Pure core ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar quarter or month, both ends inclusive."""

    start: date
    end: date
    label: str


class LapseKind(enum.StrEnum):
    LATE = "late"
    MISSING = "missing"

    @property
    def label(self) -> str:
        return "逾期公开" if self is LapseKind.LATE else "未公开"


@dataclass(frozen=True)
class Lapse:
    """A posting that came `days` whole days after its due date, or is `days` overdue."""

    kind: LapseKind
    days: int


@dataclass(frozen=True)
class Posting:
    """A published notice as the schedule sees it: what it reports on and when it went up."""

    period_start: date
    period_end: date
    published_on: date

    def covers(self, period: Period) -> bool:
        return self.period_start <= period.end and self.period_end >= period.start


def _first_of_month_after(start: date, months: int) -> date:
    years, month_index = divmod(start.month - 1 + months, 12)
    return date(start.year + years, month_index + 1, 1)


def current_period(freq: Frequency, day: date) -> Period:
    """The calendar quarter (Jan–Mar, Apr–Jun, …) or month containing `day`."""
    freq = Frequency(freq)
    months = _MONTHS_PER_PERIOD[freq]
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    end = _first_of_month_after(start, months) - ONE_DAY
    if freq is Frequency.QUARTERLY:
        label = f"{day.year}年第{(first_month - 1) // 3 + 1}季度"
    else:
        label = f"{day.year}年{first_month}月"
    return Period(start, end, label)


def periods_due(rule_frequency: Frequency, active_from: date, grace_days: int,
                today: date) -> list[tuple[Period, date]]:
    """Every period whose posting should exist by `today`, with its due date, oldest first.

    Periods run from the one containing `active_from` (a rule that starts mid-quarter still
    asks for that quarter's posting) up to the last one whose due date — period end plus
    `grace_days` calendar days — is on or before `today`. Raises ValueError for negative
    `grace_days`.
    """
    if grace_days < 0:
        raise ValueError(f"宽限天数不能为负数：{grace_days}")
    grace = timedelta(days=grace_days)
    found: list[tuple[Period, date]] = []
    period = current_period(rule_frequency, active_from)
    while (due := period.end + grace) <= today:
        found.append((period, due))
        period = current_period(rule_frequency, period.end + ONE_DAY)
    return found


def _judge(due: date, first_published: date | None, today: date) -> Lapse | None:
    """On time, late, missing, or not yet due. Publications after `today` are not seen yet."""
    if first_published is not None and first_published <= today:
        if first_published <= due:
            return None
        return Lapse(LapseKind.LATE, (first_published - due).days)
    if today < due:
        return None
    return Lapse(LapseKind.MISSING, (today - due).days)


def assess(period: Period, due: date, postings: Iterable[Posting], today: date) -> Lapse | None:
    """Whether `period` got its posting by `due`, judged as of `today`.

    A posting counts for the period when its reporting period overlaps it, so one notice for
    July–August serves both months. None when the earliest covering posting went up on or
    before `due`; LATE by the days it came after; MISSING by the days since `due` when there
    is none (0 on the due date itself). Postings published after `today` are ignored.
    """
    published = [p.published_on for p in postings if p.covers(period) and p.published_on <= today]
    return _judge(due, min(published, default=None), today)


def major_item_due(occurred_on: date, within_working_days: int = MAJOR_ITEM_WORKING_DAYS,
                   calendar: WorkCalendar | None = None) -> date:
    """The day a major item (重大事项) must be public by; the day it occurred is not counted."""
    return add_working_days(occurred_on, within_working_days, calendar)


def major_lateness(occurred_on: date, published_on: date | None, today: date,
                   within_working_days: int = MAJOR_ITEM_WORKING_DAYS,
                   calendar: WorkCalendar | None = None) -> Lapse | None:
    """Whether a major item went public within `within_working_days` of `occurred_on`.

    `published_on` is None while it is unpublished. Pass `calendar` to stay independent of
    the database; without it the calendar in force (with admin overrides) is used.
    """
    due = major_item_due(occurred_on, within_working_days, calendar)
    return _judge(due, published_on, today)


# --- Database layer ----------------------------------------------------------------------


@dataclass(frozen=True)
class VillageLapse:
    """One missing or late posting of one village, for the town's alert list.

    `subject` is the period label ("2026年第3季度") for scheduled postings, or the notice
    title for a major item, whose `notice_id` is then set.
    """

    village: Organization
    category: NoticeCategory
    subject: str
    due: date
    kind: LapseKind
    days: int
    notice_id: int | None = None

    @property
    def is_major(self) -> bool:
        return self.notice_id is not None


def villages_in(org: Organization) -> list[Organization]:
    """The active villages in `org`'s subtree (itself included if it is one), in tree
    order: a deactivated (merged) village is owed no more postings."""
    stmt = select(Organization).where(Organization.path.startswith(org.path),
                                      Organization.kind == OrgKind.VILLAGE,
                                      Organization.active.is_(True))
    return list(db.session.scalars(stmt.order_by(Organization.path)))


def default_rules(village: Organization, active_from: date) -> list[PostingRule]:
    """Unsaved rules for a new village board: 党务 and 村务 quarterly, 财务 monthly, each due
    10 days after the period ends (see DEFAULT_GRACE_DAYS). The caller adds and commits."""
    return [PostingRule(village=village, village_id=village.id, category=category,
                        frequency=frequency, grace_days=DEFAULT_GRACE_DAYS,
                        active_from=active_from)
            for category, frequency in DEFAULT_FREQUENCIES.items()]


def lapses_for(villages: list[Organization], today: date | None = None, *,
               major_within_working_days: int = MAJOR_ITEM_WORKING_DAYS,
               calendar: WorkCalendar | None = None) -> list[VillageLapse]:
    """Every missing or late posting of `villages` as of `today` (default: Beijing today),
    most overdue first.

    Scheduled postings are checked against each village's PostingRules; only PUBLISHED,
    non-major notices of the rule's own category count. Major items are the notices marked
    `is_major` with an `occurred_on`: published ones are checked for lateness, ones still in
    draft or sign-off show as missing once due; withdrawn ones are ignored. Two queries (rules,
    notices), plus the working-day calendar's own load once per app context when a major item
    needs it and no `calendar` is given.
    """
    if not villages:
        return []
    today = today or local_today()
    by_id = {village.id: village for village in villages}
    rules = db.session.scalars(
        select(PostingRule).where(PostingRule.village_id.in_(list(by_id)))).all()
    postings, majors = _load_notices(list(by_id))
    found = _scheduled_lapses(rules, postings, by_id, today)
    if majors:
        calendar = calendar or current_calendar()
        found += _major_lapses(majors, by_id, today, major_within_working_days, calendar)
    found.sort(key=lambda lapse: (-lapse.days, lapse.village.path, lapse.category.value,
                                  lapse.due, lapse.subject))
    return found


_PostingKey = tuple[int, NoticeCategory]


def _load_notices(village_ids: list[int]) -> tuple[dict[_PostingKey, list[Posting]], list[Row]]:
    """Published scheduled postings by (village, category), and the major-item rows."""
    stmt = select(
        VillageNotice.id, VillageNotice.village_id, VillageNotice.category, VillageNotice.title,
        VillageNotice.period_start, VillageNotice.period_end, VillageNotice.is_major,
        VillageNotice.occurred_on, VillageNotice.status, VillageNotice.published_at,
    ).where(
        VillageNotice.village_id.in_(village_ids),
        or_(VillageNotice.status == NoticeStatus.PUBLISHED,
            and_(VillageNotice.is_major.is_(True),
                 VillageNotice.status != NoticeStatus.WITHDRAWN)),
    )
    postings: dict[_PostingKey, list[Posting]] = defaultdict(list)
    majors: list[Row] = []
    for row in db.session.execute(stmt):
        published = row.status is NoticeStatus.PUBLISHED and row.published_at is not None
        if row.is_major:
            if row.occurred_on is not None:
                majors.append(row)
        elif published:
            postings[(row.village_id, row.category)].append(Posting(
                row.period_start, row.period_end, to_local(row.published_at).date()))
    return postings, majors


def _scheduled_lapses(rules: Iterable[PostingRule], postings: dict[_PostingKey, list[Posting]],
                      by_id: dict[int, Organization], today: date) -> list[VillageLapse]:
    found = []
    for rule in rules:
        village_postings = postings.get((rule.village_id, rule.category), [])
        for period, due in periods_due(rule.frequency, rule.active_from, rule.grace_days, today):
            lapse = assess(period, due, village_postings, today)
            if lapse is not None:
                found.append(VillageLapse(by_id[rule.village_id], rule.category, period.label,
                                          due, lapse.kind, lapse.days))
    return found


def _major_lapses(rows: list[Row], by_id: dict[int, Organization], today: date,
                  within_working_days: int, calendar: WorkCalendar) -> list[VillageLapse]:
    found = []
    for row in rows:
        due = major_item_due(row.occurred_on, within_working_days, calendar)
        published_on = (to_local(row.published_at).date()
                        if row.status is NoticeStatus.PUBLISHED and row.published_at else None)
        lapse = _judge(due, published_on, today)
        if lapse is not None:
            found.append(VillageLapse(by_id[row.village_id], row.category, row.title, due,
                                      lapse.kind, lapse.days, notice_id=row.id))
    return found
