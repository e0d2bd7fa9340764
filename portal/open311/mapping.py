"""Our inquiries in Open311 GeoReport v2 terms.

- Services are the inquiry types residents submit themselves, less 依申请公开: an
  application for government information needs the applicant's identity and delivery
  details (条例第二十九条), for which GeoReport has no fields, so it is made on the site.
- A service request is an inquiry whose reply is public (the resident consented and staff
  published it, as on the reply list). `service_request_id` is the 受理编号; `status` is
  closed once the work order is 办结, open before; `expected_datetime` is the reply due
  time of our clocks; `status_notes` the reply, masked; no contact details, and the
  address no finer than the village.
- POST fields map onto `portal.inquiries.submission.InquiryInput`; every field problem
  is collected, so one answer lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from werkzeug.datastructures import MultiDict

from portal import validation
from portal.errors import NotFound, ValidationError
from portal.inquiries.forms import TYPE_HELP
from portal.inquiries.models import Inquiry, InquiryType, Status
from portal.inquiries.submission import MAX_BODY, InquiryInput
from portal.organizations.models import OrgKind
from portal.organizations.services import get_by_slug
from portal.timeutil import to_local

SERVICES = tuple(t for t in InquiryType if t.is_public and t is not InquiryType.INFO_REQUEST)
TITLE_FROM_DESCRIPTION = 30


def timestamp(moment: datetime | None) -> str | None:
    """W3C date-time with the Beijing offset, as GeoReport wants."""
    return to_local(moment).isoformat(timespec="seconds") if moment else None


def service(kind: InquiryType) -> dict:
    """An inquiry type as a GeoReport service."""
    return {"service_code": kind.value, "service_name": kind.label,
            "description": TYPE_HELP.get(kind, ""), "metadata": False, "type": "realtime",
            "keywords": kind.label, "group": "留言"}


def _updated(inquiry: Inquiry) -> datetime:
    moments = [inquiry.received_at, inquiry.signed_at, inquiry.replied_at, inquiry.closed_at,
               inquiry.rated_at]
    return max(m for m in moments if m is not None)


def service_request(inquiry: Inquiry) -> dict:
    """A published inquiry as a GeoReport service request."""
    place = inquiry.village or inquiry.organization
    agency = inquiry.reply_organization or inquiry.organization
    return {
        "service_request_id": inquiry.number,
        "status": "closed" if inquiry.status is Status.CLOSED else "open",
        "status_notes": inquiry.public_text(inquiry.reply_text),
        "service_name": inquiry.type.label, "service_code": inquiry.type.value,
        "description": inquiry.public_text(inquiry.body),
        "agency_responsible": agency.publisher_name,
        "service_notice": "", "requested_datetime": timestamp(inquiry.received_at),
        "updated_datetime": timestamp(_updated(inquiry)),
        "expected_datetime": timestamp(inquiry.reply_due_at),
        "address": place.full_name, "address_id": place.slug,
    }


@dataclass
class FieldErrors:
    """Problems per POST field, in the order found."""

    messages: list[str] = field(default_factory=list)

    def check(self, name: str, check):
        try:
            return check()
        except (ValidationError, NotFound) as error:
            self.messages.append(f"{name}: {error.message}")
            return None


def _service(value: str) -> InquiryType:
    codes = {kind.value: kind for kind in SERVICES}
    if value not in codes:
        raise ValidationError("service_code 应为以下之一：" + "、".join(codes) + "。")
    return codes[value]


def _place(slug: str):
    if not slug:
        raise ValidationError("请填写 address_id：受理乡镇或村的代码"
                              "（如 shuangta、shuangta-cun）。")
    org = get_by_slug(slug[:60]) if slug.replace("-", "").isalnum() else None
    if org is None or org.kind not in (OrgKind.TOWN, OrgKind.VILLAGE):
        raise NotFound(f"没有代码为“{slug[:40]}”的乡镇或村。")
    return org


def _description(form: MultiDict) -> str:
    text = validation.text(form.get("description"), field="description", label="留言内容",
                           max_length=MAX_BODY, multiline=True)
    where = validation.text(form.get("address_string"), field="address_string",
                            label="地点", max_length=200, required=False)
    return f"地点：{where}\n{text}" if where else text


def _title(form: MultiDict, description: str | None) -> str:
    title = form.get("attribute[title]", "")
    if not title and description:
        title = description.split("\n")[-1][:TITLE_FROM_DESCRIPTION]
    return validation.text(title, field="title", label="标题", max_length=100)


def inquiry_input(form: MultiDict) -> InquiryInput:
    """An InquiryInput from a GeoReport POST. Raises ValidationError whose message lists
    every field problem, one per line."""
    errors = FieldErrors()
    kind = errors.check("service_code", lambda: _service(form.get("service_code", "")))
    place = errors.check("address_id", lambda: _place(form.get("address_id", "").strip()))
    body = errors.check("description", lambda: _description(form))
    title = None  # taken from the description when not given: no second message for it
    if body is not None or form.get("attribute[title]"):
        title = errors.check("attribute[title]", lambda: _title(form, body))
    name = " ".join(p for p in (form.get("last_name", ""), form.get("first_name", "")) if p)
    name = errors.check("first_name", lambda: validation.text(
        name, field="contact_name", label="姓名（first_name / last_name）", max_length=50))
    phone = errors.check("phone", lambda: validation.phone(form.get("phone")))
    consent = form.get("attribute[consent_publish]", "false").lower() in ("true", "1", "yes")
    if errors.messages:
        raise ValidationError("\n".join(errors.messages))
    town = place.parent if place.kind is OrgKind.VILLAGE else place
    return InquiryInput(type=kind, title=title, body=body, contact_name=name,
                        contact_phone=phone, organization=town,
                        village=place if place.kind is OrgKind.VILLAGE else None,
                        consent_publish=consent)
