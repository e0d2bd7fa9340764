"""Our inquiries in Open311 GeoReport v2 terms (wiki.open311.org/GeoReport_v2).

- Services are the inquiry types residents submit themselves, less 依申请公开: an
  application for government information needs the applicant's identity and delivery
  details (条例第二十九条), for which GeoReport has no fields, so it is made on the site;
  the service list's 咨询 entry and the discovery document's `contact` say so.
  Each service is `batch`: a POST answers with a `token` (the resident's 查询码), and
  GET tokens/{token} gives the `service_request_id` (the 受理编号). `metadata` is true:
  the service definition lists the two optional attributes we take (title, consent to
  publish).
- A public service request is an inquiry whose reply is public (the resident consented and
  staff published it, as on the reply list). `service_request_id` is the 受理编号;
  `status` is closed once the work order is 办结, open before; `expected_datetime` is the
  reply due time of our clocks; `status_notes` the reply, masked; no contact details, and
  the address no finer than the village.
- The client that filed a request may follow it before anything is published
  (`own_request`): status, type, dates and place only — no text (neither the question,
  which staff have not checked for others' personal data, nor an unpublished reply).
- POST fields map onto `portal.inquiries.submission.InquiryInput`; every field problem
  is collected, so one answer lists them all. The contact fields are optional, as in the
  spec: without `phone` or `email` nobody can be told of the reply, which the resident
  then reads with the 查询码 (the POST's `token`) on the site; an `email` opts in to
  messages about the case. `description` is required here although the spec lists it as
  optional: a question with no text cannot be answered (400, the spec's "general service
  error"). `media_url`, `device_id` and `account_id` are not kept.
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
from portal.open311.locations import Location, locate
from portal.timeutil import to_local

SERVICES = tuple(t for t in InquiryType if t.is_public and t is not InquiryType.INFO_REQUEST)
TITLE_FROM_DESCRIPTION = 30


def timestamp(moment: datetime | None) -> str | None:
    """W3C date-time with the Beijing offset, as GeoReport wants."""
    return to_local(moment).isoformat(timespec="seconds") if moment else None


INFO_REQUEST_NOTE = ("申请公开政府信息（依申请公开）须提供申请人身份等信息（《政府信息公开条例》"
                     "第二十九条），不通过本接口受理，请在门户网站提交。")


def service(kind: InquiryType) -> dict:
    """An inquiry type as a GeoReport service."""
    description = TYPE_HELP.get(kind, "")
    if kind is InquiryType.CONSULT:
        description += "。" + INFO_REQUEST_NOTE
    return {"service_code": kind.value, "service_name": kind.label,
            "description": description, "metadata": True, "type": "batch",
            "keywords": kind.label, "group": "留言"}


def find_service(code: str) -> InquiryType:
    """The service with this code. Raises NotFound (404, as the spec says)."""
    for kind in SERVICES:
        if kind.value == code:
            return kind
    raise NotFound(f"没有代码为“{code[:40]}”的服务。可用的 service_code："
                   + "、".join(k.value for k in SERVICES) + "。")


def definition(kind: InquiryType) -> dict:
    """The service definition: the optional attributes a POST may carry."""
    return {"service_code": kind.value, "attributes": [
        {"variable": True, "code": "title", "datatype": "string", "required": False,
         "datatype_description": "不超过 100 字；不填则取留言内容开头", "order": 1,
         "description": "留言标题", "values": []},
        {"variable": True, "code": "consent_publish", "datatype": "singlevaluelist",
         "required": False, "datatype_description": "", "order": 2,
         "description": "留言人是否同意公开留言及答复（个人信息遮盖后）；不填为不同意",
         "values": [{"key": "true", "name": "同意公开"}, {"key": "false", "name": "不同意"}]},
    ]}


def _updated(inquiry: Inquiry) -> datetime:
    moments = [inquiry.received_at, inquiry.signed_at, inquiry.replied_at, inquiry.closed_at,
               inquiry.rated_at]
    return max(m for m in moments if m is not None)


def service_request(inquiry: Inquiry) -> dict:
    """A published inquiry as a GeoReport service request."""
    return {**own_request(inquiry),
            "status_notes": inquiry.public_text(inquiry.reply_text),
            "description": inquiry.public_text(inquiry.body)}


def own_request(inquiry: Inquiry) -> dict:
    """What the client that filed an inquiry may see of it before publication: no text."""
    place = inquiry.village or inquiry.organization
    agency = inquiry.reply_organization or inquiry.organization
    return {
        "service_request_id": inquiry.number,
        "status": "closed" if inquiry.status is Status.CLOSED else "open",
        "status_notes": None,
        "service_name": inquiry.type.label, "service_code": inquiry.type.value,
        "description": None,
        "agency_responsible": agency.publisher_name,
        "service_notice": None, "requested_datetime": timestamp(inquiry.received_at),
        "updated_datetime": timestamp(_updated(inquiry)),
        "expected_datetime": timestamp(inquiry.reply_due_at),
        "address": place.full_name, "address_id": place.slug,
    }


@dataclass
class FieldErrors:
    """Problems per POST field, in the order found; `missing_service` when the service_code
    names no service (404 in the spec; every other problem is 400)."""

    messages: list[str] = field(default_factory=list)
    missing_service: bool = False

    def check(self, name: str, check):
        try:
            return check()
        except NotFound as error:
            self.missing_service = True
            self.messages.append(f"{name}: {error.message}")
        except ValidationError as error:
            self.messages.append(f"{name}: {error.message}")
        return None

    def raise_any(self) -> None:
        if self.messages:
            error = NotFound if self.missing_service else ValidationError
            raise error("\n".join(self.messages))


def _service(value: str) -> InquiryType:
    if not value:
        raise ValidationError("请填写 service_code。")
    return find_service(value)


def _description(form: MultiDict, place: Location | None) -> str:
    text = validation.text(form.get("description"), field="description", label="留言内容",
                           max_length=MAX_BODY, multiline=True)
    return f"{place.described}\n{text}" if place and place.described else text


def _title(form: MultiDict, description: str | None) -> str:
    title = form.get("attribute[title]", "")
    if not title and description:
        title = description.split("\n")[-1][:TITLE_FROM_DESCRIPTION]
    return validation.text(title, field="title", label="标题", max_length=100)


def _contact(form: MultiDict, errors: FieldErrors) -> tuple[str, str, str]:
    """Name, phone and email, each optional."""
    name = " ".join(p for p in (form.get("last_name", ""), form.get("first_name", "")) if p)
    name = errors.check("first_name", lambda: validation.text(
        name, field="contact_name", label="姓名（first_name / last_name）", max_length=50,
        required=False))
    phone = errors.check("phone", lambda: validation.phone(form.get("phone"), required=False))
    email = errors.check("email", lambda: validation.email(form.get("email"), required=False))
    return name or "", phone or "", email or ""


def inquiry_input(form: MultiDict) -> tuple[InquiryInput, Location]:
    """An InquiryInput from a GeoReport POST, and where it is. Raises NotFound for an
    unknown service_code, else ValidationError; either message lists every field problem,
    one per line."""
    errors = FieldErrors()
    kind = errors.check("service_code", lambda: _service(form.get("service_code", "")))
    place = errors.check("location", lambda: locate(form))
    body = errors.check("description", lambda: _description(form, place))
    title = None  # taken from the description when not given: no second message for it
    if body is not None or form.get("attribute[title]"):
        title = errors.check("attribute[title]", lambda: _title(form, body))
    name, phone, email = _contact(form, errors)
    consent = form.get("attribute[consent_publish]", "false").lower() in ("true", "1", "yes")
    errors.raise_any()
    return InquiryInput(type=kind, title=title, body=body, contact_name=name,
                        contact_phone=phone, organization=place.town, village=place.village,
                        consent_publish=consent, notify_channel="email" if email else "",
                        notify_email=email, contact_optional=True), place
