"""Reminders beyond the reply clock: the duties other records put on people.

Run by the worker with the deadline sweep. Each reminder carries a key naming the record,
the kind and the moment it is about, so a second run (or a second server) adds nothing,
and a record that moves (resubmitted, re-dated) gets reminders of its own. In Beijing time:
- 舆情 (国办发〔2016〕61号): each open hour milestone within its last hour, and again once
  it has passed — urgent, so SMS goes out at night too; the unit head hears of a miss;
- 督办: from 08:00 on the working day before the answer is due, to whoever must answer;
- 补正 and 信息处理费: from 08:00 when two working days or fewer remain before 视为放弃,
  to the resident who opted in (条例 第三十条: 逾期不补正的视为放弃申请; 国办函〔2020〕109号:
  逾期未缴费的视为放弃);
- 审核: anything waiting for a decision longer than 2 working days (drafts, revisions,
  village sign-off and approval, extension requests), from 08:00, to those who decide;
- 征求意见: from 08:00 on the day before the window closes, to the consultation's author;
- 行政执法公示 (国办发〔2018〕118号): a decision not yet published when two working days or
  fewer remain before its 7th working day (or past it), from 08:00, to the reviewers who
  may publish it (never its author);
- 村务公开 (村民委员会组织法 第三十条): a scheduled posting due within 3 days, to the
  village's clerks; one missed in the past week, to the clerks and the town's reviewers;
- 矛盾纠纷日摸排: a village on the ledger that filed no check yesterday (a nil report
  included), from 08:00, to the 综治中心 covering it, once per village and day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from portal.auth.models import Role
from portal.extensions import db
from portal.inquiries.models import (
    CLOCKED_STATUSES,
    ExtensionRequest,
    Inquiry,
    InquiryType,
    Status,
)
from portal.notifications.reminders import (
    MORNING,
    case_data,
    covering,
    handlers_of,
    tell_resident,
    tell_staff,
)
from portal.timeutil import format_local, to_local, utcnow
from portal.workdays.calendar import working_days_between

REVIEW_AFTER_WORKING_DAYS = 2
POSTING_LEAD_DAYS = 3
POSTING_LOOKBACK_DAYS = 7
MILESTONE_WARNING = timedelta(hours=1)
MILESTONES = (("authoritative_due_at", "authoritative_at", "发布权威信息"),
              ("press_due_at", "press_at", "召开新闻发布会"),
              ("response_due_at", "responded_at", "作出回应"))


def _site() -> str:
    return current_app.config.get("SITE_URL") or ""


def _stamp(moment) -> str:
    return moment.strftime("%Y%m%dT%H%M%S") if isinstance(moment, datetime) \
        else moment.isoformat()


def sweep(now: datetime | None = None) -> None:
    """Produce every due duty reminder; the caller commits."""
    now = now or utcnow()
    opinion_milestones(now)
    if to_local(now).time() < MORNING:
        return
    supervision_due(now)
    correction_warnings(now)
    reviews_waiting(now)
    consultations_closing(now)
    postings_due(now)
    enforcement_due(now)
    dispute_checks_missing(now)


def opinion_milestones(now: datetime) -> None:
    cases = db.session.scalars(select(Inquiry).where(
        Inquiry.type == InquiryType.OPINION, Inquiry.status.in_(CLOCKED_STATUSES))).all()
    for inquiry in cases:
        details = inquiry.opinion
        if details is None:
            continue
        for due_field, done_field, label in MILESTONES:
            due = getattr(details, due_field)
            if due is None or getattr(details, done_field) is not None:
                continue
            data = {**case_data(inquiry, due), "milestone": label}
            key = f"{{kind}}:i{inquiry.id}:{due_field}:{_stamp(due)}"
            if now > due:
                tell_staff("opinion_overdue", handlers_of(inquiry), inquiry=inquiry, data=data,
                           key=key.format(kind="opinion_overdue"), urgent=True)
                tell_staff("opinion_overdue", covering(Role.REVIEWER, inquiry.organization),
                           inquiry=inquiry, data=data,
                           key=key.format(kind="opinion_overdue_head"), urgent=True)
            elif due - now <= MILESTONE_WARNING:
                tell_staff("opinion_milestone", handlers_of(inquiry), inquiry=inquiry,
                           data=data, key=key.format(kind="opinion_milestone"), urgent=True)


def supervision_due(now: datetime) -> None:
    from portal.inquiries import clocks
    from portal.inspection.models import SupervisionNotice

    today = to_local(now).date()
    notices = db.session.scalars(select(SupervisionNotice).where(
        SupervisionNotice.answered_at.is_(None),
        SupervisionNotice.answer_due_on >= today)).all()
    for notice in notices:
        if working_days_between(today, notice.answer_due_on) > 1:
            continue
        due = clocks.end_of_day(notice.answer_due_on)
        if notice.inquiry is not None:
            users, data = handlers_of(notice.inquiry), case_data(notice.inquiry, due)
        else:
            users = covering(Role.VILLAGE_CLERK, notice.organization) or covering(
                Role.REVIEWER, notice.organization)
            data = {"number": notice.subject, "title": notice.subject,
                    "organization": notice.organization.name,
                    "due": format_local(due, "%Y-%m-%d %H:%M"), "url": f"{_site()}/staff/"}
        tell_staff("supervision_due", users, inquiry=notice.inquiry, data=data,
                   key=f"supervision_due:s{notice.id}:{notice.answer_due_on.isoformat()}")


def correction_warnings(now: datetime) -> None:
    """补正 and 信息处理费: both end in 视为放弃 when their deadline passes unmet."""
    from portal.inquiries.models import FeeNotice

    today = to_local(now).date()
    waiting = [(inquiry, inquiry.correction_due_at, "补正")
               for inquiry in db.session.scalars(select(Inquiry).where(
                   Inquiry.status == Status.AWAITING_RESIDENT,
                   Inquiry.correction_due_at > now))]
    waiting += [(notice.inquiry, notice.pay_due_at, "缴纳信息处理费")
                for notice in db.session.scalars(select(FeeNotice).join(FeeNotice.inquiry).where(
                    Inquiry.status == Status.AWAITING_FEE, FeeNotice.paid_at.is_(None),
                    FeeNotice.pay_due_at > now))]
    for inquiry, due, what in waiting:
        if working_days_between(today, to_local(due).date()) <= 2:
            tell_resident(inquiry, "resident_abandon_warning",
                          key=f"resident_abandon_warning:i{inquiry.id}:{_stamp(due)}",
                          what=what, due=format_local(due, "%Y-%m-%d"))


def _waited_long(since: datetime, now: datetime) -> bool:
    return working_days_between(to_local(since).date(),
                                to_local(now).date()) > REVIEW_AFTER_WORKING_DAYS


def _tell_deciders(role: Role, organization, author_id, *, what: str, title: str, url: str,
                   key: str) -> None:
    users = [u for u in covering(role, organization) if u.id != author_id]
    tell_staff("review_waiting", users, key=key, data={
        "title": f"{what}：{title}", "organization": organization.name,
        "url": _site() + url})


def reviews_waiting(now: datetime) -> None:
    from portal.disclosures.models import Disclosure, DisclosureRevision, RevisionStatus
    from portal.disclosures.models import Status as DisclosureStatus
    from portal.villages.models import NoticeStatus, VillageNotice

    for d in db.session.scalars(select(Disclosure).where(Disclosure.status.in_(
            (DisclosureStatus.SUBMITTED, DisclosureStatus.FIRST_APPROVED)))):
        if _waited_long(d.updated_at, now):
            _tell_deciders(Role.REVIEWER, d.organization, d.author_id, what=d.status.label,
                           title=d.title, url=f"/staff/disclosures/{d.id}",
                           key=f"review_waiting:d{d.id}:{_stamp(d.updated_at)}")
    for r in db.session.scalars(select(DisclosureRevision).where(
            DisclosureRevision.status == RevisionStatus.PENDING)):
        if _waited_long(r.updated_at, now):
            _tell_deciders(Role.REVIEWER, r.disclosure.organization, r.author_id,
                           what="修订待审核", title=r.disclosure.title,
                           url=f"/staff/disclosures/{r.disclosure_id}#revision",
                           key=f"review_waiting:r{r.id}:{_stamp(r.updated_at)}")
    for n in db.session.scalars(select(VillageNotice).where(VillageNotice.status.in_(
            (NoticeStatus.AWAITING_SIGNOFF, NoticeStatus.AWAITING_APPROVAL)))):
        if _waited_long(n.updated_at, now):
            role = (Role.VILLAGE_SUPERVISOR if n.status is NoticeStatus.AWAITING_SIGNOFF
                    else Role.REVIEWER)
            _tell_deciders(role, n.village, n.author_id, what=n.status.label, title=n.title,
                           url=f"/staff/villages/{n.id}",
                           key=f"review_waiting:n{n.id}:{_stamp(n.updated_at)}")
    for e in db.session.scalars(select(ExtensionRequest).where(
            ExtensionRequest.approved.is_(None))):
        if e.inquiry.is_open and _waited_long(e.requested_at, now):
            _tell_deciders(Role.REVIEWER, e.inquiry.organization, e.requested_by_id,
                           what="延期申请待审批", title=f"{e.inquiry.number} {e.inquiry.title}",
                           url=f"/staff/inquiries/{e.inquiry_id}",
                           key=f"review_waiting:e{e.id}")


def consultations_closing(now: datetime) -> None:
    from portal.consultations.models import Consultation, ConsultationStatus

    tomorrow = to_local(now).date() + timedelta(days=1)
    for c in db.session.scalars(select(Consultation).where(
            Consultation.status == ConsultationStatus.PUBLISHED,
            Consultation.closes_on == tomorrow)):
        if c.author is None or not c.author.active:
            continue
        tell_staff("consultation_closing", [c.author], key=f"consultation_closing:c{c.id}:"
                   f"{c.closes_on.isoformat()}", data={
                       "title": c.title, "organization": c.organization.name,
                       "due": f"{c.closes_on.isoformat()} 24:00",
                       "url": f"{_site()}/staff/consultations/{c.id}"})


def postings_due(now: datetime) -> None:
    """Scheduled postings (the monthly finance notice, the quarterly ones) coming due or
    just missed; the schedule's own judgement (`villages.schedule.lapses_for`)."""
    from portal.organizations.models import Organization, OrgKind
    from portal.villages import schedule

    today = to_local(now).date()
    villages = db.session.scalars(select(Organization).where(
        Organization.kind == OrgKind.VILLAGE, Organization.active.is_(True))).all()
    horizon = today + timedelta(days=POSTING_LEAD_DAYS)
    for lapse in schedule.lapses_for(list(villages), horizon):
        if lapse.kind is not schedule.LapseKind.MISSING or lapse.is_major \
                or lapse.due < today - timedelta(days=POSTING_LOOKBACK_DAYS):
            continue
        data = {"title": f"{lapse.category.label} {lapse.subject}",
                "organization": lapse.village.name, "due": lapse.due.isoformat(),
                "url": f"{_site()}/staff/villages/new"}
        key = f"{{kind}}:v{lapse.village.id}:{lapse.category.value}:{lapse.due.isoformat()}"
        clerks = covering(Role.VILLAGE_CLERK, lapse.village)
        if lapse.due >= today:
            tell_staff("posting_due", clerks, data=data, key=key.format(kind="posting_due"))
        else:
            reviewers = covering(Role.REVIEWER, lapse.village)
            tell_staff("posting_missed", clerks + [u for u in reviewers if u not in clerks],
                       data=data, key=key.format(kind="posting_missed"))


def enforcement_due(now: datetime) -> None:
    """Decisions awaiting 事后公示 whose 7-working-day window is closing or closed."""
    from portal.enforcement.models import DecisionStatus, EnforcementDecision

    today = to_local(now).date()
    for d in db.session.scalars(select(EnforcementDecision).where(
            EnforcementDecision.status == DecisionStatus.DRAFT)):
        if working_days_between(today, d.publish_due) > REVIEW_AFTER_WORKING_DAYS:
            continue
        users = [u for u in covering(Role.REVIEWER, d.organization) if u.id != d.author_id]
        tell_staff("enforcement_publish_due", users,
                   key=f"enforcement_publish_due:x{d.id}:{d.publish_due.isoformat()}",
                   data={"title": f"{d.document_number} {d.title}",
                         "organization": d.organization.name,
                         "due": d.publish_due.isoformat(),
                         "url": f"{_site()}/staff/enforcement/decisions/{d.id}"})


def dispute_checks_missing(now: datetime) -> None:
    """Villages on the 矛盾纠纷 ledger whose check of yesterday is missing."""
    from portal.disputes import queries as disputes
    from portal.organizations.models import Organization, OrgKind

    yesterday = to_local(now).date() - timedelta(days=1)
    villages = db.session.scalars(select(Organization).where(
        Organization.kind == OrgKind.VILLAGE, Organization.active.is_(True))).all()
    for gap in disputes.missing_checks(list(villages), yesterday, yesterday):
        tell_staff("dispute_check_missing", covering(Role.GOVERNANCE_CENTER, gap.village),
                   key=f"dispute_check_missing:o{gap.village.id}:{gap.day.isoformat()}",
                   data={"title": "矛盾纠纷日摸排", "organization": gap.village.full_name,
                         "due": gap.day.isoformat(), "url": f"{_site()}/staff/disputes/"})
