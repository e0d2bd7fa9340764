"""重新办理: a resident not satisfied with a reply asks, once, for the matter to be handled
again.

The reply given, its timeliness and the year it was given in are part of the record and
stay as they are: inspectors and the annual report have seen them. The new handling is a
work order of its own, linked to the first (`Inquiry.reopened_from`), numbered after it
(2026-000123-2, the second handling), received by the office that replied, with every
clock starting afresh on the day of the request. The resident follows both on the same
tracking page with the same code, and rates the latest reply. For 依申请公开 the new
handling is not a new application: the annual report counts the application once, with
its first reply (portal.annual_report.figures).
"""

from __future__ import annotations

from portal import audit, validation
from portal.errors import Conflict
from portal.extensions import db
from portal.inquiries import clocks
from portal.inquiries.models import (
    ANSWERED_STATUSES,
    InfoApplication,
    Inquiry,
    InquiryEvent,
    Rating,
    Status,
)
from portal.timeutil import utcnow

APPLICATION_FIELDS = ("applicant_kind", "organization_type", "id_type", "id_number",
                      "organization_code", "legal_representative", "address", "postal_code",
                      "email", "description", "delivery_form", "acquisition")


def latest_handling(inquiry: Inquiry) -> Inquiry:
    """The handling the resident deals with now: the reopened one once there is one."""
    while inquiry.reopenings:
        inquiry = inquiry.reopenings[-1]
    return inquiry


def handlings(inquiry: Inquiry) -> list[Inquiry]:
    """The first handling and every reopened one after it, in order."""
    chain = [inquiry]
    while chain[-1].reopenings:
        chain.append(chain[-1].reopenings[-1])
    return chain


def reopen(inquiry: Inquiry, reason: str) -> Inquiry:
    """Open the linked handling for the resident's original inquiry (the one their tracking
    code names). Only after an answer rated 不满意, and once. Returns the new work order;
    the caller commits. Raises Conflict or ValidationError."""
    latest = latest_handling(inquiry)
    if latest.rating is not Rating.UNSATISFIED or latest.status not in ANSWERED_STATUSES:
        raise Conflict("只有评价为“不满意”的答复才能申请重新办理。")
    if inquiry.reopened_count >= 1:
        raise Conflict("每件留言只能申请重新办理一次。")
    reason = validation.text(reason, field="reason", label="重新办理的理由", max_length=1000,
                             multiline=True)
    now = utcnow()
    inquiry.reopened_count += 1
    handling = _linked_copy(latest, now, number=f"{inquiry.number}-{inquiry.reopened_count + 1}")
    handling.events.append(InquiryEvent(
        action="receive", public=True, at=now,
        message=f"群众对{latest.number}的答复不满意，申请重新办理：{reason}（重新办理编号 "
                f"{handling.number}，交{handling.organization.name}办理）"))
    inquiry.events.append(InquiryEvent(
        action="reopen", public=True, at=now,
        message=f"已申请重新办理，重新办理编号 {handling.number}。原答复保留。"))
    db.session.flush()
    audit.record(None, "inquiry.reopen", inquiry,
                 after={"handling": handling.number, "reason": reason})
    return handling


def _linked_copy(latest: Inquiry, now, *, number: str) -> Inquiry:
    handling = Inquiry(
        number=number, type=latest.type, status=Status.RECEIVED, title=latest.title,
        body=latest.body, contact_name=latest.contact_name,
        contact_phone=latest.contact_phone, channel=latest.channel,
        organization=latest.reply_organization or latest.organization, village=latest.village,
        consent_publish=latest.consent_publish, received_at=now)
    clocks.start(handling, now)  # reads the policies: before the row joins the session
    db.session.add(handling)
    handling.reopened_from = latest
    if latest.application is not None:
        handling.application = InfoApplication(
            **{name: getattr(latest.application, name) for name in APPLICATION_FIELDS})
    return handling
