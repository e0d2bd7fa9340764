"""What residents do without an account: comment on an open consultation."""

from __future__ import annotations

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
from portal.errors import ValidationError
from portal.extensions import db
from portal.inquiries import tracking
from portal.timeutil import utcnow

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


def cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def check_window(consultation: Consultation) -> None:
    """Raise ValidationError (audited) unless the consultation takes comments right now.
    The closing message names the closing date, so a resident knows why."""
    phase = consultation.phase(utcnow())
    if consultation.status is not ConsultationStatus.PUBLISHED or phase is Phase.CLOSED:
        raise ValidationError(
            f"本次征求意见已于{cn_date(consultation.closes_on)}截止，不再接收意见。",
            audit_action="consultation.comment_closed", target=consultation)
    if phase is Phase.UPCOMING:
        raise ValidationError(
            f"本次征求意见自{cn_date(consultation.opens_on)}开始，请届时再提交意见。",
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
    return CommentInput(
        body=validation.text(data.body, field="body", label="意见内容", max_length=MAX_COMMENT,
                             multiline=True),
        name=validation.text(data.name, field="name", label="姓名", max_length=50,
                             required=False),
        contact=_contact(data.contact))


def _existing(key: str) -> ConsultationComment | None:
    return db.session.scalar(select(ConsultationComment).where(
        ConsultationComment.submission_key == key))


def submit_comment(consultation_id: int, data: CommentInput,
                   submission_token: str) -> CommentReceipt:
    """Receive a resident's comment, pending moderation. Anyone may call it.

    Idempotent per form: the same `submission_token` returns the comment already
    received. Raises NotFound or ValidationError (late or early comments are audited).
    """
    consultation = get_public(consultation_id)
    if not submission_token or len(submission_token) != 32:
        raise ValidationError("表单已失效，请刷新页面后重新填写。")
    key = tracking.submission_key(submission_token)
    existing = _existing(key)
    if existing is not None:
        if existing.consultation_id != consultation.id:
            raise ValidationError("表单已失效，请刷新页面后重新填写。")
        return CommentReceipt(existing, duplicate=True)
    check_window(consultation)
    clean = _clean(data)
    comment = ConsultationComment(consultation=consultation, body=clean.body,
                                  commenter_name=clean.name, contact=clean.contact,
                                  status=CommentStatus.PENDING, submission_key=key,
                                  submitted_at=utcnow())
    db.session.add(comment)
    try:
        db.session.flush()
    except IntegrityError:  # the same form, submitted concurrently, won the race
        db.session.rollback()
        return CommentReceipt(_existing(key), duplicate=True)
    audit.record(None, "consultation.comment", comment,
                 after={"consultation": consultation.id, "status": "pending"})
    db.session.commit()
    return CommentReceipt(comment)
