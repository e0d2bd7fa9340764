"""舆情: items staff find and log, on calendar-hour clocks (国办发〔2016〕61号、80号)."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal import audit, validation
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.disclosures.models import Disclosure
from portal.disclosures.models import Status as DisclosureStatus
from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.inquiries import clocks
from portal.inquiries.models import Inquiry, InquiryEvent, InquiryType, Severity, Status
from portal.inquiries.submission import next_number
from portal.inquiries.workflow import get_inquiry
from portal.organizations.models import Organization
from portal.timeutil import format_local, utcnow

MILESTONES = {
    "authoritative": ("authoritative_due_at", "authoritative_at", "发布权威信息"),
    "press": ("press_due_at", "press_at", "召开新闻发布会"),
    "response": ("response_due_at", "responded_at", "作出回应"),
}


def log_opinion(actor, organization: Organization, *, title: str, summary: str, source: str,
                source_url: str, severity: Severity, found_at: datetime | None = None
                ) -> Inquiry:
    """Log a public-opinion item. Requires `handler` on the organization; the logger is its
    handler. Hour clocks run from `found_at` (default now, never in the future)."""
    require(actor, Role.HANDLER, organization, action="inquiry.opinion_log")
    now = utcnow()
    found_at = found_at or now
    if found_at > now + timedelta(minutes=5) or found_at < now - timedelta(days=30):
        raise ValidationError("发现时间应在最近 30 天内，且不能晚于现在。", field="found_at")
    title = validation.text(title, field="title", label="舆情标题", max_length=100)
    summary = validation.text(summary, field="summary", label="舆情摘要", max_length=5000,
                              multiline=True)
    source = validation.text(source, field="source", label="来源", max_length=100)
    source_url = validation.text(source_url, field="source_url", label="链接", max_length=500,
                                 required=False)
    if source_url and not source_url.startswith(("http://", "https://")):
        raise ValidationError("链接应以 http:// 或 https:// 开头。", field="source_url")
    inquiry = Inquiry(number=next_number(), type=InquiryType.OPINION, status=Status.PROCESSING,
                      title=title, body=summary, organization=organization,
                      handler_id=actor.id, received_at=found_at, signed_at=now,
                      signed_on_time=True, clock_start_on=clocks.local_day(found_at),
                      sign_clock_start_on=clocks.local_day(found_at), pauses=[])
    details = clocks.start_opinion(inquiry, severity, found_at)
    details.source, details.source_url = source, source_url
    db.session.add(inquiry)
    inquiry.events.append(InquiryEvent(actor_id=actor.id, action="opinion_log", public=False,
                                       message=f"登记舆情（{severity.label}），来源：{source}。"))
    db.session.flush()
    audit.record(actor, "inquiry.opinion_log", inquiry,
                 after={"severity": severity.value, "source": source})
    db.session.commit()
    return inquiry


def record_milestone(actor, inquiry_id: int, milestone: str, *, at: datetime | None = None,
                     disclosure_id: int | None = None, note: str = "") -> Inquiry:
    """Record that authoritative information went out, the press conference took place or
    the response was made, optionally linking the published disclosure that carried it."""
    inquiry = get_inquiry(inquiry_id)
    require(actor, Role.HANDLER, inquiry.organization, action="inquiry.opinion_milestone",
            target=inquiry)
    if inquiry.type is not InquiryType.OPINION or inquiry.opinion is None:
        raise Conflict("这不是舆情事项。")
    if milestone not in MILESTONES:
        raise ValidationError("请选择回应环节。", field="milestone")
    due_field, done_field, label = MILESTONES[milestone]
    details = inquiry.opinion
    if getattr(details, done_field) is not None:
        recorded = format_local(getattr(details, done_field))
        raise Conflict(f"“{label}”已于 {recorded} 记录，不能重复记录。")
    if getattr(details, due_field) is None:
        raise ValidationError(f"该舆情（{details.severity.label}）没有“{label}”环节。",
                              field="milestone")
    at = at or utcnow()
    if at > utcnow() + timedelta(minutes=5):
        raise ValidationError("完成时间不能晚于现在。", field="at")
    if disclosure_id is not None:
        _link_disclosure(details, disclosure_id)
    setattr(details, done_field, at)
    clocks.refresh_opinion(inquiry)
    on_time = at <= getattr(details, due_field)
    inquiry.events.append(InquiryEvent(
        actor_id=actor.id, action=f"opinion_{milestone}", public=False,
        message=f"{label}：{format_local(at)}（{'按时' if on_time else '超时'}）。{note}".strip()))
    audit.record(actor, "inquiry.opinion_milestone", inquiry,
                 after={"milestone": milestone, "at": at, "on_time": on_time,
                        "disclosure_id": disclosure_id})
    db.session.commit()
    return inquiry


def _link_disclosure(details, disclosure_id: int) -> None:
    disclosure = db.session.get(Disclosure, disclosure_id)
    if disclosure is None or disclosure.status is not DisclosureStatus.PUBLISHED:
        raise ValidationError("请填写已发布的公开信息编号。", field="disclosure_id")
    details.response_disclosure_id = disclosure.id
