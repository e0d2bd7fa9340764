"""What staff do with a work order: 签收, 办理, 转办, 退回, 延期, 补正, 征求意见, 答复, 办结.

Each operation takes the acting user, moves the state by a step of the table in
`portal.inquiries.lifecycle` (which checks the handler rule, adds the timeline event and
records the audit event), keeps the clocks right and commits once.
"""

from __future__ import annotations

from datetime import datetime

from portal import audit, validation
from portal.auth.models import Role
from portal.auth.permissions import require, require_any
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationError
from portal.extensions import db
from portal.inquiries import clocks, limits, pauses, replies
from portal.inquiries.models import (
    Inquiry,
    InquiryEvent,
    InquiryType,
)
from portal.inquiries.outcomes import OUTCOMES
from portal.lifecycle import check, transition
from portal.notifications import reminders as notify
from portal.organizations.models import Organization
from portal.timeutil import format_local, utcnow

VIEW_ROLES = (Role.HANDLER, Role.REVIEWER, Role.ADMIN, Role.INSPECTOR)
# 条例第三十六条第（五）项 in table 三 of 国办公开办函〔2021〕30号: 无法提供·本机关不掌握.
REFERRED_OUTCOME = "unable-1"


def get_inquiry(inquiry_id: int) -> Inquiry:
    inquiry = db.session.get(Inquiry, inquiry_id)
    if inquiry is None:
        raise NotFound("找不到该留言。")
    return inquiry


def get_for_staff(actor, inquiry_id: int) -> Inquiry:
    """An inquiry the actor may see: a handler, reviewer, admin or inspector whose grant
    covers its organization. Raises NotFound or PermissionDenied (audited)."""
    inquiry = get_inquiry(inquiry_id)
    require_any(actor, VIEW_ROLES, inquiry.organization, action="inquiry.view", target=inquiry)
    return inquiry


def handled_by(actor, inquiry_id: int, action: str) -> Inquiry:
    inquiry = get_inquiry(inquiry_id)
    require(actor, Role.HANDLER, inquiry.organization, action=action, target=inquiry)
    return inquiry


def taking(actor, inquiry_id: int, action: str) -> Inquiry:
    """The inquiry, once the actor may take step `action` of its table now. Raises
    NotFound, PermissionDenied (audited as `inquiry.<action>`) or InvalidTransition."""
    inquiry = get_inquiry(inquiry_id)
    check(actor, inquiry, action)
    return inquiry


def drop_pending_extension(inquiry: Inquiry) -> None:
    """Answering makes a pending extension request moot; it is closed, not left hanging."""
    pending = inquiry.pending_extension
    if pending is not None:
        pending.approved = False
        pending.decided_at = utcnow()
        pending.decision_note = "已答复，延期申请自动撤销。"


def _reason(text: str, label: str, field: str = "reason") -> str:
    return validation.text(text, field=field, label=label, max_length=1000, multiline=True)


def sign(actor, inquiry_id: int) -> Inquiry:
    """签收: the handler takes the work order. Requires `handler` on its organization."""
    inquiry = taking(actor, inquiry_id, "sign")
    now = utcnow()
    inquiry.handler_id = actor.id
    inquiry.signed_at = now
    inquiry.signed_on_time = inquiry.sign_due_at is None or now <= inquiry.sign_due_at
    transition(actor, inquiry, "sign", message=f"{inquiry.organization.name}已签收。",
               data={"on_time": inquiry.signed_on_time})
    db.session.commit()
    return inquiry


def start_processing(actor, inquiry_id: int) -> Inquiry:
    """办理: the signed work order is being worked on."""
    inquiry = taking(actor, inquiry_id, "process")
    transition(actor, inquiry, "process", message="正在办理。")
    db.session.commit()
    return inquiry


def add_note(actor, inquiry_id: int, text: str) -> Inquiry:
    """An internal note: on the staff timeline, never on the tracking page."""
    inquiry = handled_by(actor, inquiry_id, "inquiry.note")
    text = _reason(text, "内部备注", "text")
    inquiry.events.append(InquiryEvent(actor_id=actor.id, action="note", public=False,
                                       message=text))
    audit.record(actor, "inquiry.note", inquiry)
    db.session.commit()
    return inquiry


def may_move_to(inquiry: Inquiry, target: Organization) -> bool:
    """An application for government information stays with the 行政机关 that received it
    (it answers, and counts it, itself); other work orders may go anywhere."""
    return (inquiry.type is not InquiryType.INFO_REQUEST
            or target.administrative_body == inquiry.organization.administrative_body)


def _stay_in_body(inquiry: Inquiry, target: Organization) -> None:
    if not may_move_to(inquiry, target):
        body = inquiry.organization.administrative_body
        raise ValidationError(
            f"依申请公开不能转到{body.name}以外的行政机关：申请由收到它的机关答复并计入其年度报告。"
            "如所申请信息不属于本机关负责公开，请用“告知向其他机关申请”答复（《政府信息公开条例》"
            "第三十六条第（五）项）。", field="target")


def transfer(actor, inquiry_id: int, target: Organization, reason: str) -> Inquiry:
    """转办 to another organization. The sign-for clock starts again there; the reply
    deadline the resident was promised does not move. An application for government
    information moves only inside its 行政机关 (to a 站所 or a village of the town).
    Raises ValidationError."""
    inquiry = taking(actor, inquiry_id, "transfer")
    if target.id == inquiry.organization_id:
        raise ValidationError("请选择另一个承办单位。", field="target")
    if not target.active:
        raise ValidationError(f"“{target.full_name}”已停用，不能转办给它。", field="target")
    _stay_in_body(inquiry, target)
    reason = _reason(reason, "转办说明")
    source = inquiry.organization
    # the step is checked against the office the actor works in, before the case leaves it
    transition(actor, inquiry, "transfer", message=f"由{source.name}转交{target.name}办理。",
               data={"from": source.slug, "to": target.slug, "reason": reason})
    inquiry.organization = target
    inquiry.handler_id = None
    clocks.restart_sign_clock(inquiry, utcnow())
    notify.case_arrived(inquiry)
    db.session.commit()
    return inquiry


def return_to_dispatcher(actor, inquiry_id: int, reason: str) -> Inquiry:
    """退回: the office says the matter is not its own; it goes back up one level to be
    dispatched again. A reason is required."""
    inquiry = taking(actor, inquiry_id, "return")
    dispatcher = inquiry.organization.parent
    if dispatcher is None:
        raise ValidationError("已是最高一级单位，无法退回，请直接办理或转办。")
    _stay_in_body(inquiry, dispatcher)
    reason = _reason(reason, "退回理由")
    transition(actor, inquiry, "return", message=f"已退回{dispatcher.name}重新派单。",
               data={"reason": reason})
    inquiry.organization = dispatcher
    inquiry.handler_id = None
    clocks.restart_sign_clock(inquiry, utcnow())
    inquiry.events.append(InquiryEvent(actor_id=actor.id, action="note", public=False,
                                       message=f"退回理由：{reason}"))
    notify.case_arrived(inquiry)
    db.session.commit()
    return inquiry


def request_correction(actor, inquiry_id: int, message: str) -> Inquiry:
    """Ask the resident for a correction (依申请公开 补正) or more material; the clock
    stops until it arrives. The notice is shown on the tracking page."""
    inquiry = taking(actor, inquiry_id, "request_correction")
    if inquiry.type is InquiryType.INFO_REQUEST and any(
            e.action == "request_correction" for e in inquiry.events):
        # 条例第三十条: the applicant is told everything to correct at once (一次性告知).
        raise Conflict("依申请公开的补正应一次性告知，已经告知过补正。")
    message = _reason(message, "需要补正的事项", "message")
    now = utcnow()
    late = bool(inquiry.correction_request_due_at and now > inquiry.correction_request_due_at)
    clocks.request_correction(inquiry, now)
    transition(actor, inquiry, "request_correction", message=(
          f"请补正：{message}（请于 {format_local(inquiry.correction_due_at, '%Y-%m-%d')} 前"
          "通过查询页面补充，逾期不补正的视为放弃申请。）"
          if inquiry.type is InquiryType.INFO_REQUEST else f"请补充：{message}"),
          data={"late_request": late})
    notify.tell_resident(inquiry, "resident_correction")
    db.session.commit()
    return inquiry


def resume_after_correction(inquiry: Inquiry, actor, message: str, *, source: str) -> None:
    """Shared by the resident's own supplement (`source="resident"`, no actor) and staff
    recording one received on paper. Adds to the unit of work; the caller commits."""
    now = utcnow()
    clocks.resume(inquiry, now, restart=inquiry.type is InquiryType.INFO_REQUEST)
    transition(actor, inquiry, "supplement" if source == "resident" else "correction_received",
               message=message,
               data={"source": source, "new_due": format_local(inquiry.reply_due_at, "%Y-%m-%d")})


def record_correction(actor, inquiry_id: int, note: str) -> Inquiry:
    """Staff record a correction that arrived by post or in person."""
    inquiry = taking(actor, inquiry_id, "correction_received")
    resume_after_correction(inquiry, actor, f"已收到补正材料：{_reason(note, '补正情况', 'note')}",
                            source="staff")
    db.session.commit()
    return inquiry


def start_consultation(actor, inquiry_id: int, party: str) -> Inquiry:
    """征求第三方或其他机关意见: the time it takes is not counted (条例第三十三条), up to the
    case's allowance (第三十二条, 15 working days), shared by all its consultations; past it
    the clock runs again. Refused once the deadline has passed or the allowance is used."""
    inquiry = handled_by(actor, inquiry_id, "inquiry.consult")
    if inquiry.type is not InquiryType.INFO_REQUEST:
        raise ValidationError("只有依申请公开需要征求第三方意见。")
    check(actor, inquiry, "consult")
    party = validation.text(party, field="party", label="征求意见对象", max_length=100)
    now = utcnow()
    _ensure_consultation_allowed(inquiry, now)
    days = clocks.consultation_days_left(inquiry)
    clocks.pause(inquiry, now, pauses.CONSULTATION)
    latest = format_local(inquiry.reply_due_at, "%Y-%m-%d")
    transition(actor, inquiry, "consult", message=(
         f"正在征求第三方意见（{party}），所需时间不计入答复期限，但最长 {days} 个工作日"
          f"（《政府信息公开条例》第三十二条、第三十三条）；逾期未收到意见的，由本机关依法决定"
          f"是否公开，最迟于 {latest} 答复。"), data={"party": party, "latest_due": latest})
    db.session.commit()
    return inquiry


def _ensure_consultation_allowed(inquiry: Inquiry, now: datetime) -> None:
    """Raises Conflict, naming the rule, when a consultation could no longer stop the clock."""
    if clocks.deadline_passed(inquiry, now):
        raise Conflict(
            f"答复期限已于 {format_local(inquiry.reply_due_at, '%Y-%m-%d')} 届满，不能再转入"
            "征求意见停止计时（征求意见所需时间不计入答复期限，《政府信息公开条例》第三十三条；"
            "期限已经届满的，超期的事实不因此改变）。")
    if clocks.consultation_days_left(inquiry) <= 0:
        law = limits.ceiling(InquiryType.INFO_REQUEST, "consultation")
        raise Conflict(
            f"本申请征求意见不计入答复期限的时间已用满 {inquiry.consultation_max_days} 个工作日"
            f"（{law.source}：{law.words}），不能再次停止计时；第三方逾期未提出意见的，"
            "由本机关依法决定是否公开。")


def end_consultation(actor, inquiry_id: int, note: str) -> Inquiry:
    """The consultation is over: the clock runs again, the deadline moved by the working
    days it took, up to the case's allowance."""
    inquiry = taking(actor, inquiry_id, "consult_end")
    note = _reason(note, "征求意见结果", "note")
    clocks.resume(inquiry, utcnow())
    message = "第三方意见征求完毕，继续办理。"
    if clocks.consulted_days(inquiry) > inquiry.consultation_max_days:
        message += (f"征求意见用时超过 {inquiry.consultation_max_days} 个工作日，"
                    "超出部分计入答复期限。")
    transition(actor, inquiry, "consult_end", message=message,
               data={"new_due": format_local(inquiry.reply_due_at, "%Y-%m-%d")})
    inquiry.events.append(InquiryEvent(actor_id=actor.id, action="note", public=False,
                                       message=f"征求意见结果：{note}"))
    db.session.commit()
    return inquiry


def reply(actor, inquiry_id: int, text: str, *, outcome: str = "", publish: bool = False,
          files: list | None = None, confirmed: bool = False) -> Inquiry:
    """答复. 依申请公开 replies record an outcome from the annual-report list and may carry
    files, checked for personal data (`portal.inquiries.replies`); a text still holding a
    template placeholder is refused. The reply is published on the site only when the
    resident consented and the handler chose to. Raises ValidationError (incl.
    PersonalDataFound) or InvalidTransition."""
    inquiry = taking(actor, inquiry_id, "reply")
    text = replies.check_text(text)
    if inquiry.type is InquiryType.INFO_REQUEST and outcome not in OUTCOMES:
        raise ValidationError("请选择依申请公开的处理结果。", field="outcome")
    if files and inquiry.type is not InquiryType.INFO_REQUEST:
        raise ValidationError("只有政府信息公开申请的答复可以附文件。", field="files")
    replies.attach(actor, inquiry, files or [], confirmed=confirmed)
    now = utcnow()
    inquiry.reply_text = text
    inquiry.outcome = outcome if inquiry.type is InquiryType.INFO_REQUEST else ""
    inquiry.reply_organization = inquiry.organization
    inquiry.replied_at = now
    inquiry.replied_on_time = inquiry.reply_due_at is None or now <= inquiry.reply_due_at
    inquiry.reply_published = publish and inquiry.consent_publish
    drop_pending_extension(inquiry)
    transition(actor, inquiry, "reply", message=text,
               data={"on_time": inquiry.replied_on_time, "outcome": inquiry.outcome})
    notify.tell_resident(inquiry, "resident_replied")
    db.session.commit()
    return inquiry


def correct_reply(actor, inquiry_id: int, text: str, reason: str) -> Inquiry:
    """更正 a sent reply: the first text stays on record, the resident sees the correction
    and why, dated; timeliness does not change. Requires `handler`."""
    inquiry = handled_by(actor, inquiry_id, "inquiry.correct_reply")
    correction = replies.correct(actor, inquiry, text, reason)
    inquiry.events.append(InquiryEvent(
        actor_id=actor.id, action="correct_reply", public=True,
        message=f"答复更正：{correction.reason}（原答复保留可查）"))
    audit.record(actor, "inquiry.correct_reply", inquiry,
                 before={"reply_text": correction.previous_text},
                 after={"reply_text": correction.new_text, "reason": correction.reason})
    db.session.commit()
    return inquiry


def refer_elsewhere(actor, inquiry_id: int, body_name: str, contact: str,
                    note: str = "") -> Inquiry:
    """答复 an application whose information another 行政机关 is responsible for: tell the
    applicant which body and how to reach it (条例第三十六条第（五）项). It is this body's
    answer, counted once in its own report (无法提供·本机关不掌握相关政府信息); the
    application is not moved into the other body's figures. Requires `handler`."""
    inquiry = handled_by(actor, inquiry_id, "inquiry.refer")
    if inquiry.type is not InquiryType.INFO_REQUEST:
        raise ValidationError("只有依申请公开需要告知向其他机关申请；其他留言请转办。")
    body_name = validation.text(body_name, field="body_name", label="负责公开的机关",
                                max_length=100)
    contact = validation.text(contact, field="contact", label="该机关的联系方式",
                              max_length=200)
    note = validation.text(note, field="note", label="说明", max_length=1000, required=False,
                           multiline=True)
    text = (f"经审查，您申请公开的政府信息不属于本机关负责公开。根据《中华人民共和国政府信息"
            f"公开条例》第三十六条第（五）项，请您向{body_name}申请（联系方式：{contact}）。"
            + (f"\n{note}" if note else ""))
    return reply(actor, inquiry_id, text, outcome=REFERRED_OUTCOME)


def close(actor, inquiry_id: int) -> Inquiry:
    """办结 after the reply."""
    inquiry = taking(actor, inquiry_id, "close")
    inquiry.closed_at = utcnow()
    transition(actor, inquiry, "close", message="已办结。")
    db.session.commit()
    return inquiry


def treat_as_abandoned(actor, inquiry_id: int) -> Inquiry:
    """条例第三十条: an applicant who lets the correction period pass without good reason
    is taken to have given up the application (其他处理·1)."""
    inquiry = taking(actor, inquiry_id, "abandon")
    now = utcnow()
    if inquiry.type is not InquiryType.INFO_REQUEST or inquiry.correction_due_at is None \
            or now <= inquiry.correction_due_at:
        raise ValidationError("补正期限届满前不能视为放弃申请。")
    inquiry.outcome = "other-1"
    inquiry.reply_text = ("申请人无正当理由逾期不补正，视为放弃申请，"
                          "本机关不再处理该政府信息公开申请。")
    inquiry.reply_organization = inquiry.organization
    inquiry.replied_at = inquiry.closed_at = now
    inquiry.replied_on_time = True
    inquiry.paused_since = None
    drop_pending_extension(inquiry)
    transition(actor, inquiry, "abandon", message=inquiry.reply_text)
    db.session.commit()
    return inquiry


def ensure_not_author(actor, requested_by_id: int) -> None:
    if actor.id == requested_by_id:
        raise PermissionDenied("延期申请须由申请人以外的审核人批准。", action="inquiry.extension",
                               actor=actor)
