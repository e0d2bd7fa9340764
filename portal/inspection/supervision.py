"""督办: inspectors issue supervision notices; the office concerned must answer in time
(the answer is the one step of the table in `portal.inspection.lifecycle`)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from portal import audit, validation
from portal.auth import policy
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.inquiries.models import Inquiry, InquiryEvent
from portal.inspection.models import SupervisionNotice
from portal.lifecycle import check, transition
from portal.notifications import reminders as notify
from portal.organizations.models import Organization, OrgKind
from portal.timeutil import local_today, year_bounds

# Who may answer a notice about an inquiry, and one about a village's postings.
# The answer date a 督办 form proposes: five working days gives the unit a working week
# to look into the matter (the inspector may choose any date up to 90 days ahead).
DEFAULT_ANSWER_WORKING_DAYS = 5
ANSWER_ROLES_INQUIRY = (Role.HANDLER,)
ANSWER_ROLES_VILLAGE = (Role.VILLAGE_CLERK, Role.REVIEWER)


def default_answer_due() -> date:
    """What the 督办 forms propose as the answer date."""
    from portal.workdays.calendar import add_working_days

    return add_working_days(local_today(), DEFAULT_ANSWER_WORKING_DAYS)


def _check(content: str, due: date | None) -> str:
    content = validation.text(content, field="content", label="督办要求", max_length=2000,
                              multiline=True)
    if due is None:
        raise ValidationError("请填写答复期限（如 2026-12-10）。", field="answer_due_on")
    if due < local_today():
        raise ValidationError("答复期限不能早于今天。", field="answer_due_on")
    if (due - local_today()).days > 90:
        raise ValidationError("答复期限不能超过 90 天。", field="answer_due_on")
    return content


def issue_for_inquiry(actor, inquiry_id: int, content: str,
                      due: date | None) -> SupervisionNotice:
    """An inspector orders an inquiry's handling office to answer by `due`. Requires
    `inspector` on the inquiry's organization. Raises PermissionDenied, ValidationError."""
    inquiry = db.session.get(Inquiry, inquiry_id)
    if inquiry is None:
        raise NotFound("找不到该留言。")
    require(actor, Role.INSPECTOR, inquiry.organization, action="supervision.issue",
            target=inquiry)
    content = _check(content, due)
    notice = SupervisionNotice(organization=inquiry.organization, inquiry=inquiry,
                               subject=f"留言 {inquiry.number}：{inquiry.title}"[:200],
                               content=content, answer_due_on=due, issued_by_id=actor.id)
    db.session.add(notice)
    inquiry.events.append(InquiryEvent(actor_id=actor.id, action="supervise", public=False,
                                       message=f"纪委督办：{content}（请于 {due} 前答复）"))
    db.session.flush()
    audit.record(actor, "supervision.issue", notice,
                 after={"inquiry": inquiry.number, "due": due, "content": content})
    notify.supervision_issued(notice)
    db.session.commit()
    return notice


def issue_for_village(actor, village: Organization, subject: str, content: str,
                      due: date | None) -> SupervisionNotice:
    """督办 a village's missing or late posting (`subject`: category and period)."""
    if village.kind is not OrgKind.VILLAGE:
        raise ValidationError("请选择村。", field="village")
    require(actor, Role.INSPECTOR, village, action="supervision.issue", target=village)
    subject = validation.text(subject, field="subject", label="督办事项", max_length=200)
    content = _check(content, due)
    notice = SupervisionNotice(organization=village, subject=subject, content=content,
                               answer_due_on=due, issued_by_id=actor.id)
    db.session.add(notice)
    db.session.flush()
    audit.record(actor, "supervision.issue", notice,
                 after={"village": village.slug, "subject": subject, "due": due})
    db.session.commit()
    return notice


def answer(actor, notice_id: int, text: str) -> SupervisionNotice:
    """The office answers. Handlers answer notices about inquiries; the village clerk or
    the town reviewer those about village postings. Answered once."""
    notice = db.session.get(SupervisionNotice, notice_id)
    if notice is None:
        raise NotFound("找不到该督办通知。")
    check(actor, notice, "answer")
    notice.answer = validation.text(text, field="answer", label="督办答复", max_length=5000,
                                    multiline=True)
    notice.answered_by_id = actor.id
    transition(actor, notice, "answer", data=lambda: {"on_time": notice.answered_on_time})
    db.session.commit()
    return notice


def open_for(actor) -> list[SupervisionNotice]:
    """Unanswered notices the actor is expected to answer: shown first in their queue."""
    conditions = []
    for roles, about_inquiry in ((ANSWER_ROLES_INQUIRY, True), (ANSWER_ROLES_VILLAGE, False)):
        orgs = policy.organization_ids(actor, roles)
        if orgs is not None:
            kind = (SupervisionNotice.inquiry_id.is_not(None) if about_inquiry
                    else SupervisionNotice.inquiry_id.is_(None))
            conditions.append(SupervisionNotice.organization_id.in_(orgs) & kind)
    if not conditions:
        return []
    stmt = (select(SupervisionNotice).where(SupervisionNotice.answered_at.is_(None),
                                            or_(*conditions))
            .order_by(SupervisionNotice.answer_due_on))
    return list(db.session.scalars(stmt))


def notices_for_inquiry(inquiry: Inquiry) -> list[SupervisionNotice]:
    return list(db.session.scalars(select(SupervisionNotice).where(
        SupervisionNotice.inquiry_id == inquiry.id).order_by(SupervisionNotice.id)))


def notices_in(paths: list[str], year: int) -> list[SupervisionNotice]:
    from portal.inspection.dashboard import in_scope

    if not paths:
        return []
    start, end = year_bounds(year)
    stmt = (select(SupervisionNotice)
            .where(in_scope(SupervisionNotice.organization_id, paths),
                   SupervisionNotice.issued_at >= start, SupervisionNotice.issued_at < end)
            .order_by(SupervisionNotice.issued_at.desc()))
    return list(db.session.scalars(stmt))
