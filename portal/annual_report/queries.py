"""Reading the facts the report counts. No permission checks here: the services that call
these have already checked them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from portal.annual_report.figures import AppealFact, ApplicationFact, applicant_column
from portal.annual_report.models import AnnualReport, AppealResult, InfoAppeal, ReportStatus
from portal.extensions import db
from portal.inquiries.models import InfoApplication, Inquiry, InquiryType
from portal.organizations.models import Organization


def in_subtree(column, org: Organization):
    """`column` (an organization id) lies in `org`'s subtree."""
    return column.in_(select(Organization.id).where(Organization.path.startswith(org.path)))


NUMBERS_PER_QUERY = 500


def _facts_where(*conditions) -> list[ApplicationFact]:
    """Original applications (not a 重新办理 handling) meeting `conditions`."""
    stmt = (
        select(Inquiry.number, Inquiry.received_at, Inquiry.replied_at, Inquiry.outcome,
               InfoApplication.applicant_kind, InfoApplication.organization_type)
        .outerjoin(InfoApplication, InfoApplication.inquiry_id == Inquiry.id)
        .where(Inquiry.type == InquiryType.INFO_REQUEST, Inquiry.reopened_from_id.is_(None),
               *conditions)
        .order_by(Inquiry.id)
    )
    return [ApplicationFact(number=row.number, received_at=row.received_at,
                            replied_at=row.replied_at, outcome=row.outcome or "",
                            column=applicant_column(row.applicant_kind, row.organization_type))
            for row in db.session.execute(stmt)]


def application_facts(org: Organization, start: datetime,
                      end: datetime) -> list[ApplicationFact]:
    """Original applications of the subtree that were open at some moment in [start, end):
    received before the end and not answered before the start."""
    return _facts_where(in_subtree(Inquiry.organization_id, org), Inquiry.received_at < end,
                        or_(Inquiry.replied_at.is_(None), Inquiry.replied_at >= start))


def application_facts_numbered(numbers: list[str]) -> list[ApplicationFact]:
    """The applications with these 受理编号, wherever they are held now."""
    facts = []
    for first in range(0, len(numbers), NUMBERS_PER_QUERY):
        facts += _facts_where(Inquiry.number.in_(numbers[first:first + NUMBERS_PER_QUERY]))
    return facts


def appeals_counted(org: Organization, year: int) -> list[InfoAppeal]:
    """The cases of the subtree table 四 of `year` counts (see `figures`): filed during the
    year, or filed earlier and decided during it."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    decided_this_year = and_(InfoAppeal.filed_on < first,
                             InfoAppeal.result != AppealResult.PENDING,
                             InfoAppeal.decided_on >= first, InfoAppeal.decided_on <= last)
    stmt = (select(InfoAppeal)
            .where(in_subtree(InfoAppeal.organization_id, org),
                   or_(and_(InfoAppeal.filed_on >= first, InfoAppeal.filed_on <= last),
                       decided_this_year))
            .options(selectinload(InfoAppeal.inquiry))
            .order_by(InfoAppeal.filed_on, InfoAppeal.id))
    return list(db.session.scalars(stmt))


def appeal_facts(org: Organization, year: int) -> list[AppealFact]:
    """The cases table 四 of `year` counts, each with its result as of 31 December."""
    year_end = date(year, 12, 31)
    return [AppealFact(appeal.kind, appeal.result_on(year_end), appeal.id, describe(appeal))
            for appeal in appeals_counted(org, year)]


def describe(appeal: InfoAppeal) -> str:
    """How a case is named in a reconciliation note: its register number, filing date,
    kind and the application it concerns."""
    about = f"，受理编号 {appeal.inquiry.number}" if appeal.inquiry is not None else ""
    return (f"登记号 {appeal.id}（{appeal.filed_on.isoformat()} {appeal.kind.label}"
            f"{about}）")


def stored_report(org: Organization, year: int, *, lock: bool = False) -> AnnualReport | None:
    """The stored report; with `lock`, its row is locked for the rest of the transaction
    (PostgreSQL; SQLite's write transaction already holds the database)."""
    stmt = select(AnnualReport).where(AnnualReport.organization_id == org.id,
                                      AnnualReport.year == year)
    return db.session.scalar(stmt.with_for_update() if lock else stmt)


def latest_frozen_before(org: Organization, year: int) -> AnnualReport | None:
    """The organization's latest frozen report (定稿 or 已报送) on a year before `year`."""
    return db.session.scalar(
        select(AnnualReport)
        .where(AnnualReport.organization_id == org.id, AnnualReport.year < year,
               AnnualReport.status != ReportStatus.DRAFT)
        .order_by(AnnualReport.year.desc()).limit(1))


def inquiry_by_number(number: str) -> Inquiry | None:
    return db.session.scalar(select(Inquiry).where(Inquiry.number == number))
