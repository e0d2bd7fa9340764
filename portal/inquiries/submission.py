"""What residents do without an account: submit, track, supplement, rate and reopen."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from portal import audit, first_write, validation
from portal.database import commit_keeping_loaded, reads_first
from portal.errors import Conflict, NotFound, ValidationError
from portal.extensions import db
from portal.inquiries import clocks, reopening, tracking
from portal.inquiries.lifecycle import INQUIRY
from portal.inquiries.models import (
    ANSWERED_STATUSES,
    InfoApplication,
    Inquiry,
    InquiryEvent,
    InquirySequence,
    InquiryType,
    Rating,
    Status,
)
from portal.notifications import reminders as notify
from portal.organizations.models import Organization, OrgKind
from portal.sequences import next_value
from portal.timeutil import local_now, utcnow
from portal.workdays.calendar import current_calendar

APPLICANT_KINDS = {"citizen": "公民", "organization": "法人或者其他组织"}
# The applicant columns of 国办公开办函〔2021〕30号 table 三.
ORGANIZATION_TYPES = {"commercial": "商业企业", "research": "科研机构",
                      "public_welfare": "社会公益组织", "legal_services": "法律服务机构",
                      "other": "其他"}
ID_TYPES = {"resident_id": "居民身份证"}
DELIVERY_FORMS = {"paper": "纸质", "electronic": "电子文档"}
ACQUISITIONS = {"mail": "邮寄", "email": "电子邮件", "pickup": "自行领取",
                "onsite": "当场阅读、抄录"}
MAX_BODY = 5000


@dataclass
class ApplicationInput:
    """依申请公开 fields required by 条例第二十九条."""

    applicant_kind: str = "citizen"
    organization_type: str = ""
    id_type: str = "resident_id"
    id_number: str = ""
    organization_code: str = ""
    legal_representative: str = ""
    address: str = ""
    postal_code: str = ""
    email: str = ""
    description: str = ""
    delivery_form: str = "paper"
    acquisition: str = "mail"


@dataclass
class InquiryInput:
    type: InquiryType
    title: str
    body: str
    contact_name: str
    contact_phone: str
    organization: Organization | None
    village: Organization | None = None
    consent_publish: bool = False
    application: ApplicationInput | None = field(default=None)
    # Opt-in to messages about this case: "sms" (to contact_phone) or "email", and where.
    notify_channel: str = ""
    notify_email: str = ""
    # Open311 clients may leave the contact out (GeoReport v2 makes it optional); the
    # resident then follows the case with the tracking code alone.
    contact_optional: bool = False


@dataclass
class Receipt:
    inquiry: Inquiry
    tracking_code: str
    duplicate: bool = False
    known_leaf: int | None = None  # the leaf of the receipt's audit event, when known

    @functools.cached_property
    def leaf_index(self) -> int | None:
        """Where the receipt stands in the public audit log (portal.transparency)."""
        if self.known_leaf is not None:
            return self.known_leaf
        from portal.transparency.receipts import receipt_leaf

        return receipt_leaf(self.inquiry)


def problems(data: InquiryInput) -> validation.Problems:
    """Every problem with the inquiry as typed, each naming its field, in the order the
    form shows them; the input is cleaned in place where it passes."""
    found = validation.Problems()
    check = found.check
    if not data.type.is_public:
        found.add(ValidationError("请选择留言类型。", field="type"))
    _check_place(data, found)
    data.title = check(validation.text, data.title, field="title", label="标题",
                       max_length=100, default=data.title)
    data.body = check(validation.text, data.body, field="body", label="内容",
                      max_length=MAX_BODY, multiline=True, default=data.body)
    if data.type is InquiryType.INFO_REQUEST:
        _check_application(data.application or ApplicationInput(), found)
    data.contact_name = check(validation.text, data.contact_name, field="contact_name",
                              label="姓名", max_length=50,
                              required=not data.contact_optional, default=data.contact_name)
    data.contact_phone = check(validation.phone, data.contact_phone,
                               required=not data.contact_optional, default=data.contact_phone)
    data.notify_email = check(notify.check_opt_in, data.notify_channel, data.notify_email,
                              default=data.notify_email)
    return found


def _validate(data: InquiryInput) -> None:
    """Raises ValidationError for one problem, FieldErrors for several."""
    problems(data).raise_any()


def _check_place(data: InquiryInput, found: validation.Problems) -> None:
    if data.organization is None or data.organization.kind is not OrgKind.TOWN:
        found.add(ValidationError("请选择受理的乡镇。", field="place"))
        return
    if data.village is not None and data.village.parent_id != data.organization.id:
        found.add(ValidationError("所选村不属于该乡镇。", field="place"))
    for place in (data.organization, data.village):
        if place is not None and not place.active:
            found.add(ValidationError(f"“{place.full_name}”已撤并，不再受理留言，请重新选择所在地。",
                                      field="place"))


def _check_application(app: ApplicationInput, found: validation.Problems) -> None:
    check = found.check
    check(validation.choice, app.applicant_kind, APPLICANT_KINDS, field="applicant_kind",
          label="申请人类型")
    if app.applicant_kind == "citizen":
        check(validation.choice, app.id_type, ID_TYPES, field="id_type", label="证件类型")
        app.id_number = check(validation.id_number, app.id_number, default=app.id_number)
        app.organization_type = ""
    elif app.applicant_kind in APPLICANT_KINDS:
        check(validation.choice, app.organization_type, ORGANIZATION_TYPES,
              field="organization_type", label="组织类型")
        app.organization_code = check(validation.credit_code, app.organization_code,
                                      default=app.organization_code)
        app.legal_representative = check(
            validation.text, app.legal_representative, field="legal_representative",
            label="法定代表人或者主要负责人", max_length=50, default=app.legal_representative)
    app.address = check(validation.text, app.address, field="address", label="通信地址",
                        max_length=200, default=app.address)
    app.postal_code = check(validation.postal_code, app.postal_code, default=app.postal_code)
    app.email = check(validation.email, app.email, required=app.acquisition == "email",
                      default=app.email)
    app.description = check(validation.text, app.description, field="description",
                            label="所需政府信息的名称、文号或者特征性描述",
                            max_length=2000, multiline=True, default=app.description)
    check(validation.choice, app.delivery_form, DELIVERY_FORMS, field="delivery_form",
          label="信息的载体形式")
    check(validation.choice, app.acquisition, ACQUISITIONS, field="acquisition",
          label="获取信息的方式")


def next_number(connection=None) -> str:
    """受理编号 "2026-000123": one series per year, allocated under the write lock, in the
    session's transaction or on `connection`."""
    year = local_now().year
    return f"{year}-{next_value(InquirySequence, connection, year=year):06d}"


_BY_KEY = select(Inquiry.id).where(Inquiry.submission_key == bindparam("key"))  # built once


def _existing(key: str) -> Inquiry | None:
    """By the unique index alone: joined with the eager loads, SQLite's planner may pick a
    full scan when most rows have no key (statistics of a NULL-heavy unique index)."""
    inquiry_id = db.session.scalar(_BY_KEY, {"key": key})
    return db.session.get(Inquiry, inquiry_id) if inquiry_id is not None else None


def submit(data: InquiryInput | Callable[[], InquiryInput], submission_token: str) -> Receipt:
    """Receive a resident's inquiry from the web form (受理). Anyone may call it.

    `data` may be a function that reads it (the form's place is looked up in the
    database): it is called in the same read transaction as the submission's other reads.

    `submission_token` must be one this server issued for the inquiry form
    (`tracking.redeem`). Idempotent per form: the same token with the same content (a
    double click, a retry after a time-out) returns the inquiry already received, with the
    same tracking code; with other content it is refused. Raises ValidationError.
    """
    return receive(data, tracking.redeem(submission_token, "inquiry"))


@dataclass(frozen=True)
class Intake:
    """How a work order came in: the channel, its legal moment of receipt and, for staff
    registering a paper application, who registered it (None: the resident online)."""

    channel: str = "online"
    received_at: datetime | None = None
    actor: object | None = None
    note: str = ""


def receive(data: InquiryInput | Callable[[], InquiryInput], material: str,
            intake: Intake = Intake()) -> Receipt:
    """Receive an inquiry whose submission token (web), idempotency key (Open311) or staff
    registration stands for `material`; see `submit`. Raises ValidationError, or Conflict
    for a replay."""
    with reads_first():  # what the writes need to know, before the write lock is taken
        if callable(data):
            data = data()
        _validate(data)
        key = tracking.submission_key(material)
        code = tracking.code_for(material)
        digest = tracking.content_digest(_content(data))
        lengths = clocks.promised_lengths(data.type)
        current_calendar()  # the deadlines' calendar, kept for this request
        handlers = notify.arrival_audience(data.organization)
    inquiry = _build(data, key, code, digest, intake, lengths)
    try:
        db.session.flush()
    except IntegrityError:
        # The key is taken: this form (or Open311 key) came in before, or concurrently
        # and won the race. Nothing of this attempt stays (its number and counts roll
        # back with it). Not looked up beforehand: a statement on every submission to
        # spare the rare double click the rollback.
        db.session.rollback()
        existing = _existing(key)
        if existing is None:  # another constraint: not a replay
            raise
        return _replayed(existing, digest, code)
    registered = intake.actor is not None
    event = audit.record(
        intake.actor, "inquiry.register" if registered else "inquiry.submit", inquiry,
        after={"number": inquiry.number, "type": inquiry.type.value,
               "organization": inquiry.organization.slug, "channel": intake.channel,
               "received_at": inquiry.received_at})
    notify.case_received(inquiry, data.notify_channel,
                         data.notify_email or data.contact_phone, handlers)
    commit_keeping_loaded()  # the receipt shows what was just stored
    return Receipt(inquiry, code, known_leaf=event.leaf_index)


def _content(data: InquiryInput) -> dict:
    fields = {name: getattr(data, name) for name in
              ("title", "body", "contact_name", "contact_phone", "consent_publish")}
    fields.update(type=data.type.value, organization=data.organization.id,
                  village=data.village.id if data.village else None,
                  application=vars(data.application) if data.application else None)
    return fields


def _replayed(existing: Inquiry, digest: str, code: str) -> Receipt:
    """The earlier receipt for a resubmission of the same content; anything else that
    carries a used token is refused, and the earlier case is never shown."""
    if existing.submission_digest is None or not hmac.compare_digest(
            existing.submission_digest, digest):
        raise Conflict(tracking.REPLAYED_TOKEN, field=tracking.TOKEN_FIELD,
                       audit_action="inquiry.token_replay")
    return Receipt(existing, code, duplicate=True)


def _build(data: InquiryInput, key: str, code: str, digest: str, intake: Intake,
           lengths: dict[str, int]) -> Inquiry:
    now = intake.received_at or utcnow()
    inquiry = Inquiry(
        type=data.type, status=Status.RECEIVED, title=data.title,
        body=data.body, contact_name=data.contact_name, contact_phone=data.contact_phone,
        organization=data.organization, village=data.village,
        consent_publish=data.consent_publish, tracking_hash=tracking.code_hash(code),
        submission_key=key, submission_digest=digest, received_at=now,
        channel=intake.channel,
        registered_by_id=getattr(intake.actor, "id", None),
    )
    if data.type is InquiryType.INFO_REQUEST:
        inquiry.application = InfoApplication(**vars(data.application))
    clocks.start(inquiry, now, lengths)
    received = InquiryEvent(at=now, action="receive", public=True)
    inquiry.events.append(received)

    def number(connection) -> None:
        """From here on every other submission waits (the year's series is one row,
        locked until the commit); so it runs as the flush writes its first row, once
        the flush's statements are made (`portal.first_write`). The event's row is
        written after the work order's, with this message."""
        inquiry.number = next_number(connection)
        received.message = (f"已受理（受理编号 {inquiry.number}），交"
                            f"{data.organization.name}办理。{intake.note}")

    first_write.defer(db.session(), number)
    db.session.add(inquiry)
    return inquiry


NOT_FOUND_MESSAGE = "没有找到与该查询码对应的留言。请核对查询码（共 16 位，不区分大小写）后重试。"


def find_by_code(code: str) -> Inquiry:
    """The inquiry a tracking code belongs to. A mistyped, guessed or unknown code gets
    the same NotFound, so the answer never tells which codes exist."""
    if not tracking.looks_valid(code):
        raise NotFound(NOT_FOUND_MESSAGE)
    inquiry = db.session.scalar(select(Inquiry).where(
        Inquiry.tracking_hash == tracking.code_hash(code)))
    if inquiry is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return inquiry


def get_tracked(inquiry_id: int) -> Inquiry:
    """The inquiry a resident proved with the tracking code earlier in this session."""
    return _tracked(inquiry_id)


def _tracked(inquiry_id: int) -> Inquiry:
    inquiry = db.session.get(Inquiry, inquiry_id)
    if inquiry is None or inquiry.tracking_hash is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return inquiry


def rate(inquiry_id: int, rating: Rating, comment: str = "") -> Inquiry:
    """The resident rates the latest reply (满意/基本满意/不满意), once per reply.

    Callers pass the id the resident proved with the tracking code. Raises Conflict.
    """
    inquiry = reopening.latest_handling(_tracked(inquiry_id))
    if inquiry.status not in ANSWERED_STATUSES:
        raise Conflict("答复之后才能评价。")
    if inquiry.rating is not None:
        raise Conflict("您已经评价过本次答复。")
    comment = validation.text(comment, field="comment", label="评价意见", max_length=500,
                              required=False, multiline=True)
    inquiry.rating = rating
    inquiry.rated_at = utcnow()
    inquiry.events.append(InquiryEvent(action="rate", public=True,
                                       message=f"群众评价：{rating.label}。{comment}".strip()))
    audit.record(None, "inquiry.rate", inquiry, after={"rating": rating.value})
    db.session.commit()
    return inquiry


def reopen(inquiry_id: int, reason: str) -> Inquiry:
    """A resident not satisfied with the reply asks once for it to be handled again: a
    linked work order with its own clocks; the reply given stays on record
    (`portal.inquiries.reopening`). Returns the new handling. Raises Conflict or
    ValidationError."""
    handling = reopening.reopen(_tracked(inquiry_id), reason)
    db.session.commit()
    return handling


def supplement(inquiry_id: int, text: str) -> Inquiry:
    """The resident sends the correction or further material asked for. For 依申请公开 the
    reply period counts afresh from today (条例第三十条); otherwise the clock resumes."""
    inquiry = reopening.latest_handling(_tracked(inquiry_id))
    if not INQUIRY.can(inquiry, "supplement"):
        raise Conflict("该留言当前不需要补充材料。")
    text = validation.text(text, field="text", label="补充内容", max_length=MAX_BODY,
                           multiline=True)
    from portal.inquiries.workflow import resume_after_correction

    resume_after_correction(inquiry, None, f"群众已补正：{text}", source="resident")
    db.session.commit()
    return inquiry
