"""延期: a handler asks, a named reviewer decides, the resident sees the new date.

An extension is asked for and approved while the reply period runs: 条例第三十三条 lets
the head of the disclosure office extend a period, telling the applicant, and a period that
has ended can no longer be extended. Once the deadline has passed neither is possible, and
a reply after it counts as late whatever is decided later. 依申请公开 is extended once, by at most
20 working days; other types up to their maximum, as often as approved. The maximum is
the one the case was promised at receipt (`Inquiry.extension_max_days`)."""

from __future__ import annotations

from sqlalchemy import select

from portal import audit, validation
from portal.auth import policy
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.inquiries import clocks
from portal.inquiries.models import (
    PAUSED_STATUSES,
    ExtensionRequest,
    Inquiry,
    InquiryEvent,
    InquiryType,
    Status,
)
from portal.inquiries.workflow import ensure_not_author, get_inquiry
from portal.notifications import reminders as notify
from portal.timeutil import format_local, utcnow

EXTENDABLE = (Status.SIGNED, Status.PROCESSING)


def request_extension(actor, inquiry_id: int, days: int, reason: str) -> ExtensionRequest:
    """Ask for more working days. Requires `handler`. 依申请公开 may be extended once, by
    at most 20 working days (条例第三十三条); others up to the maximum the case was promised.
    Raises PermissionDenied, Conflict or ValidationError."""
    inquiry = get_inquiry(inquiry_id)
    require(actor, Role.HANDLER, inquiry.organization, action="inquiry.extension_request",
            target=inquiry)
    if inquiry.status not in EXTENDABLE or inquiry.type is InquiryType.OPINION:
        raise Conflict(f"当前状态为“{inquiry.status.label}”，不能申请延期（须先签收）。")
    if inquiry.pending_extension is not None:
        raise Conflict("已有一项延期申请等待审批。")
    _ensure_in_time(inquiry, "申请")
    if inquiry.type is InquiryType.INFO_REQUEST and any(e.approved for e in inquiry.extensions):
        raise Conflict("依申请公开只能延期一次。")
    limit = inquiry.extension_max_days
    if not isinstance(days, int) or not 1 <= days <= limit:
        raise ValidationError(f"延期天数应为 1 至 {limit} 个工作日。", field="days")
    reason = validation.text(reason, field="reason", label="延期理由", max_length=500,
                             multiline=True)
    request = ExtensionRequest(inquiry=inquiry, days=days, reason=reason,
                               requested_by_id=actor.id)
    db.session.add(request)
    inquiry.events.append(InquiryEvent(actor_id=actor.id, action="extension_request",
                                       public=False, message=f"申请延期 {days} 个工作日：{reason}"))
    audit.record(actor, "inquiry.extension_request", inquiry,
                 after={"days": days, "reason": reason})
    db.session.commit()
    return request


def decide_extension(actor, inquiry_id: int, approve: bool, note: str = "") -> Inquiry:
    """Approve or refuse the pending extension. Requires `reviewer` on the organization;
    the requester cannot decide their own. Approval moves the reply deadline and tells the
    resident on the tracking page."""
    inquiry = get_inquiry(inquiry_id)
    require(actor, Role.REVIEWER, inquiry.organization, action="inquiry.extension_decide",
            target=inquiry)
    request = inquiry.pending_extension
    if request is None:
        raise Conflict("没有待审批的延期申请。")
    if inquiry.status not in EXTENDABLE + PAUSED_STATUSES:
        raise Conflict(f"当前状态为“{inquiry.status.label}”，延期已无必要。")
    ensure_not_author(actor, request.requested_by_id)
    if approve:
        _ensure_in_time(inquiry, "批准")
    note = validation.text(note, field="note", label="审批意见", max_length=500,
                           required=not approve, multiline=True)
    request.approved = approve
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    request.decision_note = note
    if approve:
        inquiry.extension_days += request.days
        clocks.refresh(inquiry)
        message = (f"经{actor.display_name}批准，答复期限延长 {request.days} 个工作日至 "
                   f"{format_local(inquiry.reply_due_at, '%Y-%m-%d')}。延期理由：{request.reason}")
    else:
        message = f"延期申请未获批准：{note}"
    inquiry.events.append(InquiryEvent(actor_id=actor.id, action="extension_decide",
                                       public=approve, message=message))
    audit.record(actor, "inquiry.extension_decide", inquiry,
                 after={"approved": approve, "days": request.days,
                        "reply_due_at": inquiry.reply_due_at})
    if approve:
        notify.tell_resident(inquiry, "resident_extended",
                             due=format_local(inquiry.reply_due_at, "%Y-%m-%d"))
    db.session.commit()
    return inquiry


def _ensure_in_time(inquiry: Inquiry, verb: str) -> None:
    """Raises Conflict, naming the rule, once the reply deadline has passed."""
    if not clocks.deadline_passed(inquiry, utcnow()):
        return
    rule = ("《政府信息公开条例》第三十三条：延长答复期限须在期限届满前决定"
            if inquiry.type is InquiryType.INFO_REQUEST
            else "延期须在答复期限届满前申请并批准，超期后答复仍计为超期")
    raise Conflict(f"答复期限已于 {format_local(inquiry.reply_due_at, '%Y-%m-%d')} 届满，"
                   f"不能再{verb}延期（{rule}）")


def pending_for_reviewer(actor) -> list[Inquiry]:
    """Inquiries with an extension request this reviewer may decide (never their own)."""
    scope = policy.organization_ids(actor, (Role.REVIEWER,))
    if scope is None:
        return []
    stmt = (select(Inquiry).join(ExtensionRequest)
            .where(Inquiry.organization_id.in_(scope), ExtensionRequest.approved.is_(None),
                   ExtensionRequest.requested_by_id != actor.id)
            .order_by(Inquiry.reply_due_at))
    return list(db.session.scalars(stmt).unique())
