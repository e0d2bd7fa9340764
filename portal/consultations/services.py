"""A consultation's life: an editor drafts it, a reviewer other than the author publishes
it (先审后发), residents comment while the window is open, and after it closes an editor
records the adoption summary, the legality review and the collective-discussion date,
which a reviewer then publishes (结果公开). Each operation checks permission, does the
work, records the audit event and commits once; the states follow the table in
`portal.consultations.lifecycle`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from portal import audit, validation
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.consultations.decisions import published_decision
from portal.consultations.lifecycle import CONSULTATION
from portal.consultations.models import Consultation, ConsultationStatus, Phase
from portal.consultations.queries import get_consultation
from portal.errors import Conflict, InvalidTransition, PermissionDenied, ValidationError
from portal.extensions import db
from portal.lifecycle import transition
from portal.organizations.models import Organization
from portal.sanitize import clean_html, find_unsafe, text_to_html
from portal.timeutil import format_day, local_today, utcnow

# 《重大行政决策程序暂行条例》第十四条：公开征求意见的期限一般不少于 30 日；因情况紧急等原因需要
# 缩短期限的，应当予以说明。The opening day is not counted (民法典第二百零一条), so a window
# opening on D runs its 30 days from D + 1 through D + 30 and must close no earlier than that.
MIN_WINDOW_DAYS = 30


def shortest_full_close(opens_on: date) -> date:
    """The earliest closing date of a window of at least 30 days opening on `opens_on`."""
    return opens_on + timedelta(days=MIN_WINDOW_DAYS)


@dataclass
class ConsultationInput:
    organization: Organization
    title: str
    draft_html: str
    opens_on: date | None
    closes_on: date | None
    summary: str = ""
    how_to_participate: str = ""
    short_window_reason: str = ""


@dataclass
class OutcomeInput:
    """What is recorded after the window: 意见采纳情况, 合法性审查, 集体讨论决定."""

    adoption_summary: str = ""
    legality_reviewer: str = ""
    legality_reviewed_on: date | None = None
    legality_conclusion: str = ""
    discussion_meeting: str = ""
    discussed_on: date | None = None


def _check_window(data: ConsultationInput) -> None:
    if data.opens_on is None:
        raise ValidationError("请填写征求意见开始日期。", field="opens_on")
    if data.closes_on is None:
        raise ValidationError("请填写征求意见截止日期。", field="closes_on")
    if data.closes_on < data.opens_on:
        raise ValidationError("截止日期不能早于开始日期。", field="closes_on")
    shortest = shortest_full_close(data.opens_on)
    if data.closes_on < shortest and not data.short_window_reason:
        raise ValidationError(
            f"征求意见期限少于 {MIN_WINDOW_DAYS} 日的，请说明理由（《重大行政决策程序暂行条例》"
            f"第十四条）。期限自开始之日的次日起算，{format_day(data.opens_on)}开始的，"
            f"至少到{format_day(shortest)}才满 {MIN_WINDOW_DAYS} 日。",
            field="short_window_reason")



def _draft_html(text: str) -> str:
    body = (text or "").strip()
    if not body:
        raise ValidationError("请填写征求意见稿正文。", field="draft_html")
    unsafe = find_unsafe(body)
    if unsafe:
        raise ValidationError("正文含有可执行的不安全内容（" + "、".join(unsafe[:5])
                              + "），请删除后再保存。", field="draft_html",
                              audit_action="consultation.unsafe_html")
    return clean_html(body) if "<" in body else text_to_html(body)


def _clean(data: ConsultationInput) -> dict:
    data.short_window_reason = validation.text(
        data.short_window_reason, field="short_window_reason", label="缩短期限的理由",
        max_length=500, required=False, multiline=True)
    fields = {
        "organization": data.organization,
        "title": validation.text(data.title, field="title", label="标题", max_length=200),
        "summary": validation.text(data.summary, field="summary", label="起草说明",
                                   max_length=5000, required=False, multiline=True),
        "how_to_participate": validation.text(
            data.how_to_participate, field="how_to_participate", label="参与方式",
            max_length=2000, required=False, multiline=True),
        "short_window_reason": data.short_window_reason,
    }
    _check_window(data)
    fields.update(opens_on=data.opens_on, closes_on=data.closes_on,
                  draft_html=_draft_html(data.draft_html))
    return fields


def snapshot(consultation: Consultation) -> dict:
    return {"title": consultation.title, "organization_id": consultation.organization_id,
            "opens_on": consultation.opens_on, "closes_on": consultation.closes_on,
            "status": consultation.status.value}


def create_draft(actor, data: ConsultationInput) -> Consultation:
    """Start a draft consultation. Requires `editor` on the organization.
    Raises PermissionDenied or ValidationError."""
    require(actor, Role.EDITOR, data.organization, action="consultation.create")
    consultation = Consultation(author_id=actor.id, status=ConsultationStatus.DRAFT,
                                **_clean(data))
    db.session.add(consultation)
    db.session.flush()
    audit.record(actor, "consultation.create", consultation, after=snapshot(consultation))
    db.session.commit()
    return consultation


def update(actor, consultation_id: int, data: ConsultationInput) -> Consultation:
    """Edit a draft. Requires `editor` on its current and its new organization.
    Raises PermissionDenied, InvalidTransition or ValidationError."""
    consultation = get_consultation(consultation_id)
    for organization in (consultation.organization, data.organization):
        require(actor, Role.EDITOR, organization, action="consultation.update",
                target=consultation)
    CONSULTATION.expect(consultation, "edit")
    before = snapshot(consultation)
    for name, value in _clean(data).items():
        setattr(consultation, name, value)
    consultation.updated_at = utcnow()
    audit.record(actor, "consultation.update", consultation, before=before,
                 after=snapshot(consultation))
    db.session.commit()
    return consultation


def publish(actor, consultation_id: int) -> Consultation:
    """Publish a draft for comment. Requires `reviewer` on its organization, and not its
    author (先审后发). Raises PermissionDenied, InvalidTransition or ValidationError."""
    consultation = get_consultation(consultation_id)
    require(actor, Role.REVIEWER, consultation.organization, action="consultation.publish",
            target=consultation)
    if consultation.author_id == actor.id:
        raise PermissionDenied("不能发布自己起草的征求意见稿（先审后发，须由他人审核）。",
                               action="consultation.publish", target=consultation, actor=actor)
    CONSULTATION.expect(consultation, "publish")
    if consultation.closes_on < local_today():
        raise ValidationError("征求意见截止日期已过，请修改期限后再发布。")
    consultation.published_at = utcnow()
    consultation.published_by_id = actor.id
    transition(actor, consultation, "publish")
    db.session.commit()
    return consultation


def withdraw(actor, consultation_id: int, reason: str) -> Consultation:
    """Take a published consultation off the site, with a reason. Requires `reviewer`.
    Raises PermissionDenied, InvalidTransition or ValidationError."""
    consultation = get_consultation(consultation_id)
    require(actor, Role.REVIEWER, consultation.organization, action="consultation.withdraw",
            target=consultation)
    reason = validation.text(reason, field="reason", label="撤回原因", max_length=500,
                             multiline=True)
    CONSULTATION.expect(consultation, "withdraw")
    consultation.withdrawn_reason = reason
    transition(actor, consultation, "withdraw", message=reason)
    db.session.commit()
    return consultation


def require_closed(consultation: Consultation, wanted: str) -> None:
    """Raise Conflict unless the window has closed on a published consultation."""
    if consultation.status is not ConsultationStatus.PUBLISHED:
        raise InvalidTransition(consultation.status.label, wanted)
    if consultation.phase() is not Phase.CLOSED:
        raise Conflict(f"征求意见截止（{format_day(consultation.closes_on)}）后才能{wanted}。")


def _clean_outcome(data: OutcomeInput, consultation: Consultation) -> dict:
    texts = (("adoption_summary", "意见采纳情况说明", 5000), ("legality_reviewer", "审查机构", 100),
             ("legality_conclusion", "审查结论", 1000), ("discussion_meeting", "会议名称", 100))
    fields: dict = {name: validation.text(getattr(data, name), field=name, label=label,
                                          max_length=size, required=False, multiline=size > 100)
                    for name, label, size in texts}
    today = local_today()
    for name, label in (("legality_reviewed_on", "合法性审查日期"),
                        ("discussed_on", "集体讨论决定日期")):
        day = getattr(data, name)
        if day is not None and not consultation.opens_on <= day <= today:
            raise ValidationError(f"{label}应在征求意见开始之后、今天之前。", field=name)
        fields[name] = day
    if data.legality_reviewed_on and data.discussed_on \
            and data.discussed_on < data.legality_reviewed_on:
        raise ValidationError("集体讨论决定应在合法性审查之后（《重大行政决策程序暂行条例》"
                              "第二十八条、第三十条）。", field="discussed_on")
    return fields


def record_outcome(actor, consultation_id: int, data: OutcomeInput) -> Consultation:
    """Save the adoption summary, legality review and collective discussion after the
    window closed (not yet public). Requires `editor`. Raises PermissionDenied, Conflict
    or ValidationError."""
    consultation = get_consultation(consultation_id)
    require(actor, Role.EDITOR, consultation.organization, action="consultation.outcome",
            target=consultation)
    require_closed(consultation, "填写意见采纳情况")
    fields = _clean_outcome(data, consultation)
    for name, value in fields.items():
        setattr(consultation, name, value)
    consultation.updated_at = utcnow()
    audit.record(actor, "consultation.outcome", consultation, after=fields)
    db.session.commit()
    return consultation


def link_decision(actor, consultation_id: int, index_number: str) -> Consultation:
    """Link the final decision (a published 决策公开 document of the same town) by its
    索引号, or unlink with an empty number. Requires `editor`; the window must have closed.
    Raises PermissionDenied, Conflict or ValidationError."""
    consultation = get_consultation(consultation_id)
    require(actor, Role.EDITOR, consultation.organization, action="consultation.decision",
            target=consultation)
    if consultation.status not in (ConsultationStatus.PUBLISHED, ConsultationStatus.CONCLUDED) \
            or consultation.phase() is not Phase.CLOSED:
        raise Conflict("征求意见截止后才能关联最终决策。")
    decision = published_decision(index_number, consultation.organization)
    before = consultation.decision_id
    consultation.decision = decision
    consultation.updated_at = utcnow()
    audit.record(actor, "consultation.decision", consultation, before={"decision_id": before},
                 after={"decision_id": decision.id if decision else None})
    db.session.commit()
    return consultation


def _missing_for_conclusion(consultation: Consultation) -> list[str]:
    missing = []
    if consultation.pending_count:
        missing.append(f"{consultation.pending_count} 条意见尚未审核")
    undecided = [c for c in consultation.approved_comments if c.adoption is None]
    if undecided:
        missing.append(f"{len(undecided)} 条意见尚未标明是否采纳")
    for name, label in (("adoption_summary", "意见采纳情况说明"),
                        ("legality_reviewer", "合法性审查机构"),
                        ("legality_reviewed_on", "合法性审查日期"),
                        ("legality_conclusion", "合法性审查结论"),
                        ("discussed_on", "集体讨论决定日期")):
        if not getattr(consultation, name):
            missing.append(f"未填写{label}")
    return missing


def conclude(actor, consultation_id: int) -> Consultation:
    """Publish the result: adoption summary, legality review and collective discussion
    become public. Requires `reviewer`; every comment moderated and decided, and every
    outcome field filled. Raises PermissionDenied, Conflict or ValidationError."""
    consultation = get_consultation(consultation_id)
    require(actor, Role.REVIEWER, consultation.organization, action="consultation.conclude",
            target=consultation)
    require_closed(consultation, "公布征求意见结果")
    missing = _missing_for_conclusion(consultation)
    if missing:
        raise ValidationError("还不能公布结果：" + "；".join(missing) + "。")
    consultation.concluded_at = utcnow()
    consultation.concluded_by_id = actor.id
    transition(actor, consultation, "conclude")
    db.session.commit()
    return consultation
