"""The SLA policy table and reply templates, maintained by admins; keeping open clocks
right when the holiday calendar changes."""

from __future__ import annotations

from sqlalchemy import select

from portal import audit
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.inquiries import clocks
from portal.inquiries.models import InquiryType, ReplyTemplate, SlaPolicy
from portal.inquiries.queries import open_inquiries
from portal.timeutil import utcnow
from portal.workdays.signals import calendar_changed

MAX_AMOUNT = {clocks.WORKING_DAYS: 250, clocks.HOURS: 720}


def list_policies() -> list[SlaPolicy]:
    return list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.inquiry_type,
                                                             SlaPolicy.id)))


def update_policy(actor, policy_id: int, amount: int) -> SlaPolicy:
    """Change one clock. Requires `admin`. Applies to inquiries received from now on; open
    ones keep the period they were promised. Raises PermissionDenied or ValidationError."""
    require(actor, Role.ADMIN, None, action="sla.update")
    policy = db.session.get(SlaPolicy, policy_id)
    if policy is None:
        raise NotFound("找不到该时限设置。")
    limit = MAX_AMOUNT[policy.unit]
    if not isinstance(amount, int) or not 1 <= amount <= limit:
        unit = "个工作日" if policy.unit == clocks.WORKING_DAYS else "小时"
        raise ValidationError(f"时限应为 1 至 {limit} {unit}。", field="amount")
    before = policy.amount
    policy.amount = amount
    policy.updated_at = utcnow()
    audit.record(actor, "sla.update", policy,
                 before={"type": policy.inquiry_type.value, "clock": policy.clock,
                         "amount": before},
                 after={"amount": amount})
    db.session.commit()
    return policy


def templates_for(inquiry_type: InquiryType) -> list[ReplyTemplate]:
    return list(db.session.scalars(select(ReplyTemplate).where(
        ReplyTemplate.inquiry_type == inquiry_type).order_by(ReplyTemplate.id)))


@calendar_changed.connect
def recompute_open_inquiries(_sender=None, **_kwargs) -> int:
    """Working-day deadlines of every open inquiry, recomputed inside the calendar change's
    transaction (the calendar service audits the change itself)."""
    changed = 0
    for inquiry in open_inquiries():
        if inquiry.type is InquiryType.OPINION:
            continue
        before = (inquiry.reply_due_at, inquiry.due_provisional)
        clocks.refresh(inquiry)
        if (inquiry.reply_due_at, inquiry.due_provisional) != before:
            changed += 1
    return changed
