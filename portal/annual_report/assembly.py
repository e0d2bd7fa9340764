"""Putting one organization's report for one year together, without permission checks (the
services check first).

A report in 编制中 is counted from today's data; a frozen one (已定稿, 已报送) shows the
figures and narrative stored at 定稿, and beside them the reconciliation note of a recount
from today's data. Either way the count of a year starts where the latest frozen year before
it left off (`carryover`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app

from portal.annual_report import attestation, frozen, queries
from portal.annual_report.attestation import Attestation
from portal.annual_report.carryover import carry
from portal.annual_report.fees import FeeFigures, count_fees
from portal.annual_report.figures import (
    NARRATIVE_SECTIONS,
    REGISTER_FIELDS,
    AppealTable,
    ApplicationTable,
    BalanceCheck,
    check_balance,
    count_appeals,
    count_applications,
    deadline_for,
    manual_figures,
    year_bounds,
)
from portal.annual_report.models import AnnualReport, ReportStatus
from portal.annual_report.reconcile import Reconciliation, reconcile
from portal.inspection import snapshot
from portal.organizations.models import Organization, OrgKind
from portal.timeutil import local_today, utcnow

# 条例第四十九条: a county government's report by 3 月 31 日, its departments' and the towns'
# by 1 月 31 日; each level's day is the setting ANNUAL_REPORT_DEADLINE_<KIND>.
DEFAULT_DEADLINES = {OrgKind.COUNTY: "03-31", OrgKind.TOWN: "01-31",
                     OrgKind.DEPARTMENT: "01-31", OrgKind.VILLAGE: "01-31"}
LEVEL_NAMES = {OrgKind.COUNTY: "县级人民政府", OrgKind.TOWN: "乡镇人民政府",
               OrgKind.DEPARTMENT: "乡镇站所", OrgKind.VILLAGE: "村"}


@dataclass(frozen=True)
class Count:
    """Tables 三 and 四 of a year as counted from today's data."""

    applications: ApplicationTable
    check: BalanceCheck
    appeals: AppealTable
    carried_in_from: int | None  # the frozen year whose 结转下年度 gave 二、上年结转
    missed: tuple[str, ...]  # that year did not count them; counted as 本年新收 here
    fees: FeeFigures  # 信息处理费 of the year, for 六、其他需要报告的事项


@dataclass
class Report:
    """Everything the page and the exports show of one organization's report for one year."""

    organization: Organization
    year: int
    narrative: dict[str, str]
    manual: dict
    applications: ApplicationTable
    check: BalanceCheck
    appeals: AppealTable
    deadline: date
    deadline_rule: str  # e.g. 县级人民政府的年度报告于次年 3 月 31 日前公布
    today: date
    generated_at: datetime
    stored: AnnualReport | None
    carried_in_from: int | None = None
    missed: tuple[str, ...] = ()
    reconciliation: Reconciliation | None = None  # frozen reports only
    counted_at: datetime | None = None  # when the figures shown were counted
    fees: FeeFigures | None = None  # None: frozen before fees were part of the snapshot
    attestation: Attestation | None = None  # frozen reports: the 定稿 in the public log
    registered: dict[str, int] | None = None  # table 二 counted from the enforcement registers
    overrides: dict[str, int] | None = None  # register-filled figures typed in instead

    def overridden(self, key: str) -> bool:
        return key in (self.overrides or {})

    @property
    def title(self) -> str:
        return f"{self.organization.publisher_name}{self.year}年政府信息公开工作年度报告"

    @property
    def status(self) -> ReportStatus:
        return self.stored.status if self.stored is not None else ReportStatus.DRAFT

    @property
    def is_frozen(self) -> bool:
        return self.status is not ReportStatus.DRAFT

    @property
    def digest(self) -> str | None:
        return self.stored.frozen_digest if self.is_frozen else None

    @property
    def past_deadline(self) -> bool:
        return self.today > self.deadline

    @property
    def days_to_deadline(self) -> int:
        return (self.deadline - self.today).days

    @property
    def submitted_late_days(self) -> int:
        """Days the 报送 came after the deadline (0: on time or not submitted)."""
        submitted_on = self.stored.submitted_on if self.stored is not None else None
        return max(0, (submitted_on - self.deadline).days) if submitted_on else 0


def deadline_setting_name(org: Organization) -> str:
    return f"ANNUAL_REPORT_DEADLINE_{org.kind.value.upper()}"


def report_deadline(org: Organization, year: int) -> tuple[date, str]:
    """When `org`'s report on `year` is due, and the rule in words. Raises ValueError for
    a setting that is not a month and day."""
    name = deadline_setting_name(org)
    due = deadline_for(year, current_app.config.get(name, DEFAULT_DEADLINES[org.kind]), name)
    return due, f"{LEVEL_NAMES[org.kind]}的年度报告于次年 {due.month} 月 {due.day} 日前公布"


def count(org: Organization, year: int) -> Count:
    """Tables 三 and 四 from the work orders and the registered cases, as they stand now,
    carried on from the latest frozen year before `year`. Kept per work-order version
    (which changes to work orders, cases and reports bump) until Beijing midnight:
    counting a county's 依申请公开 took most of a second at a million work orders. Shared
    by the host's workers as JSON (`count_codec`), so one of them counts."""
    from portal.annual_report.count_codec import COUNT

    return snapshot.cached(("annual_report", org.id, year),
                           lambda now: (_count(org, year), _next_day(now)), shared=COUNT)


def _count(org: Organization, year: int) -> Count:
    start, end = year_bounds(year)
    facts = queries.application_facts(org, start, end)
    base = queries.latest_frozen_before(org, year)
    frozen_year = frozen.frozen_year(base.frozen, base.year) if base is not None else None
    follows = frozen_year is not None and frozen_year.year == year - 1
    if follows:
        # Carried over whatever their reply date says now, wherever they are held now.
        have = {fact.number for fact in facts}
        facts += queries.application_facts_numbered(
            [number for number in frozen_year.carried_out() if number not in have])
    carried = carry(facts, frozen_year)
    applications = count_applications(carried.facts, year)
    return Count(applications, check_balance(applications),
                 count_appeals(queries.appeal_facts(org, year)),
                 carried_in_from=year - 1 if follows else None,
                 missed=tuple(carried.missed) if follows else (),
                 fees=count_fees(org, start, end))


def _next_day(now):
    from portal.inspection.dashboard import next_local_midnight

    return next_local_midnight(now)


def registered_figures(org: Organization, year: int) -> dict[str, int]:
    """Table 二's 行政许可、行政处罚、行政强制 counts from the enforcement registers (not
    cached: the registers do not bump the work-order version the count's cache follows)."""
    from portal.enforcement.models import DecisionKind
    from portal.enforcement.queries import decision_counts

    counts = decision_counts(org, date(year, 1, 1), date(year + 1, 1, 1))
    kinds = (DecisionKind.LICENSING, DecisionKind.PENALTY, DecisionKind.COERCION)
    return {key: counts[kind] for key, kind in zip(REGISTER_FIELDS, kinds, strict=True)}


def assemble(org: Organization, year: int) -> Report:
    """The report: frozen figures when it is frozen, else today's count."""
    stored = queries.stored_report(org, year)
    deadline, deadline_rule = report_deadline(org, year)
    now = count(org, year)
    registered = registered_figures(org, year)
    common = dict(organization=org, year=year, deadline=deadline, deadline_rule=deadline_rule,
                  today=local_today(), generated_at=utcnow(), stored=stored,
                  registered=registered)
    if stored is not None and stored.is_frozen:
        return _frozen_report(stored, now, common)
    figures = stored.figures if stored else None
    return Report(narrative={key: getattr(stored, key, "") or "" for key in NARRATIVE_SECTIONS},
                  manual=manual_figures(figures, registered),
                  overrides={key: (figures or {})[key] for key in REGISTER_FIELDS
                             if key in (figures or {})},
                  applications=now.applications, check=now.check, appeals=now.appeals,
                  carried_in_from=now.carried_in_from, missed=now.missed,
                  counted_at=common["generated_at"], fees=now.fees, **common)


def _frozen_report(stored: AnnualReport, now: Count, common: dict) -> Report:
    snap = stored.frozen
    applications, appeals = frozen.applications_from(snap), frozen.appeals_from(snap)
    return Report(narrative=dict(snap["narrative"]), manual=manual_figures(snap["manual"]),
                  overrides=dict(snap.get("overrides") or {}),
                  applications=applications, check=check_balance(applications),
                  appeals=appeals, carried_in_from=snap["carried_in_from"],
                  missed=tuple(snap["missed"]),
                  reconciliation=reconcile((applications, appeals),
                                           (now.applications, now.appeals),
                                           common["generated_at"]),
                  counted_at=datetime.fromisoformat(snap["counted_at"]),
                  fees=FeeFigures.from_dict(snap.get("fees")),
                  attestation=attestation.of_report(stored), **common)
