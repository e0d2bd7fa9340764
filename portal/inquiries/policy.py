"""The SLA policy table, maintained by admins; keeping open clocks
right when the holiday calendar changes.

An admin may make a clock stricter than the law, never looser (`portal.inquiries.limits`:
条例第三十、三十二、三十三条, 国办发〔2016〕61号). A change applies to cases received after
it: each case keeps the lengths it was promised at receipt (`clocks.promised_lengths`)."""

from __future__ import annotations

from sqlalchemy import select

from portal import audit
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.inquiries import clocks, limits
from portal.inquiries.models import InquiryType, SlaPolicy
from portal.inquiries.queries import open_inquiries
from portal.timeutil import utcnow
from portal.workdays.signals import calendar_changed

MAX_AMOUNT = {limits.WORKING_DAYS: 250, limits.HOURS: 720}


def list_policies() -> list[SlaPolicy]:
    return list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.inquiry_type,
                                                             SlaPolicy.id)))


def update_policy(actor, policy_id: int, amount: int) -> SlaPolicy:
    """Change one clock. Requires `admin`. Applies to inquiries received from now on; open
    ones keep the period they were promised. Raises PermissionDenied, NotFound or
    ValidationError (out of range, or looser than the law)."""
    require(actor, Role.ADMIN, None, action="sla.update")
    policy = db.session.get(SlaPolicy, policy_id)
    if policy is None:
        raise NotFound("找不到该时限设置。")
    limit = MAX_AMOUNT[policy.unit]
    if not isinstance(amount, int) or not 1 <= amount <= limit:
        raise ValidationError(f"时限应为 1 至 {limit} {limits.UNIT_LABELS[policy.unit]}。",
                              field="amount")
    limits.ensure_within_law(policy.inquiry_type, policy.clock,
                             clocks.CLOCK_LABELS.get(policy.clock, policy.clock), amount)
    before = policy.amount
    policy.amount = amount
    policy.updated_at = utcnow()
    audit.record(actor, "sla.update", policy,
                 before={"type": policy.inquiry_type.value, "clock": policy.clock,
                         "amount": before},
                 after={"amount": amount})
    db.session.commit()
    return policy


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
