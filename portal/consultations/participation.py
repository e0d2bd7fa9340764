"""What residents do without an account: comment on an open consultation."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import audit, validation
from portal.consultations.models import (
    CommentStatus,
    Consultation,
    ConsultationComment,
    ConsultationStatus,
    Phase,
)
from portal.consultations.queries import get_public
from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.inquiries import tracking
from portal.timeutil import format_day, utcnow

MAX_COMMENT = 3000
CONTACT_MESSAGE = "联系方式请填写手机号、带区号的固定电话或电子邮箱，也可以不填。"


@dataclass
class CommentInput:
    body: str
    name: str = ""
    contact: str = ""


@dataclass
class CommentReceipt:
    comment: ConsultationComment
    duplicate: bool = False



def check_window(consultation: Consultation) -> None:
    """Raise ValidationError (audited) unless the consultation takes comments right now.
    The closing message names the closing date, so a resident knows why."""
    phase = consultation.phase(utcnow())
    if consultation.status is not ConsultationStatus.PUBLISHED or phase is Phase.CLOSED:
        raise ValidationError(
            f"本次征求意见已于{format_day(consultation.closes_on)}截止，不再接收意见。",
            audit_action="consultation.comment_closed", target=consultation)
    if phase is Phase.UPCOMING:
        raise ValidationError(
            f"本次征求意见自{format_day(consultation.opens_on)}开始，请届时再提交意见。",
            audit_action="consultation.comment_early", target=consultation)


def _contact(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if "@" in value:
        if len(value) > 120 or not validation.EMAIL.fullmatch(value):
            raise ValidationError(CONTACT_MESSAGE, field="contact")
        return value
    try:
        return validation.phone(value, field="contact")
    except ValidationError:
        raise ValidationError(CONTACT_MESSAGE, field="contact") from None


def _clean(data: CommentInput) -> CommentInput:
    """The comment cleaned, or ValidationError (FieldErrors) naming every field at fault."""
    found = validation.Problems()
    clean = CommentInput(
        body=found.check(validation.text, data.body, field="body", label="意见内容",
                         max_length=MAX_COMMENT, multiline=True, default=""),
        name=found.check(validation.text, data.name, field="name", label="姓名",
                         max_length=50, required=False, default=""),
        contact=found.check(_contact, data.contact, default=""))
    found.raise_any()
    return clean


def problems(data: CommentInput) -> list[ValidationError]:
    """Every problem with the comment as typed (none: an empty list)."""
    try:
        _clean(data)
    except ValidationError as error:
        return getattr(error, "errors", None) or [error]
    return []


def _existing(key: str) -> ConsultationComment | None:
    return db.session.scalar(select(ConsultationComment).where(
        ConsultationComment.submission_key == key))


def _replayed(existing: ConsultationComment, digest: str) -> CommentReceipt:
    """The same comment sent again is the comment already received; a used token with
    other content (or for another consultation) is refused."""
    if existing.submission_digest is None or not hmac.compare_digest(
            existing.submission_digest, digest):
        raise Conflict(tracking.REPLAYED_TOKEN, field=tracking.TOKEN_FIELD,
                       audit_action="consultation.token_replay")
    return CommentReceipt(existing, duplicate=True)


def submit_comment(consultation_id: int, data: CommentInput,
                   submission_token: str) -> CommentReceipt:
    """Receive a resident's comment, pending moderation. Anyone may call it.

    `submission_token` must be one this server issued for the comment form. Idempotent per
    form: the same token with the same text returns the comment already received; with
    other text it is refused (Conflict). Raises NotFound or ValidationError (late or early
    comments are audited).
    """
    consultation = get_public(consultation_id)
    key = tracking.submission_key(tracking.redeem(submission_token, "comment"))
    clean = _clean(data)
    digest = tracking.content_digest({"consultation": consultation.id, **vars(clean)})
    existing = _existing(key)
    if existing is not None:
        return _replayed(existing, digest)
    check_window(consultation)
    comment = ConsultationComment(consultation=consultation, body=clean.body,
                                  commenter_name=clean.name, contact=clean.contact,
                                  status=CommentStatus.PENDING, submission_key=key,
                                  submission_digest=digest, submitted_at=utcnow())
    db.session.add(comment)
    try:
        db.session.flush()
    except IntegrityError:  # the same form, submitted concurrently, won the race
        db.session.rollback()
        return _replayed(_existing(key), digest)
    audit.record(None, "consultation.comment", comment,
                 after={"consultation": consultation.id, "status": "pending"})
    db.session.commit()
    return CommentReceipt(comment)
