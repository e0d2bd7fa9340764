"""Staff decisions on residents' comments: moderation (before a comment shows) and
adoption (after the window: adopted, partly adopted or not, and why)."""

from __future__ import annotations

from portal import audit, validation
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.consultations.lifecycle import CONSULTATION
from portal.consultations.models import (
    Adoption,
    CommentStatus,
    Consultation,
    ConsultationComment,
)
from portal.consultations.queries import get_consultation
from portal.consultations.services import require_closed
from portal.errors import InvalidTransition, NotFound, ValidationError
from portal.extensions import db
from portal.timeutil import utcnow


def _comment(consultation: Consultation, comment_id: int) -> ConsultationComment:
    comment = next((c for c in consultation.comments if c.id == comment_id), None)
    if comment is None:
        raise NotFound("找不到该条意见。")
    return comment


def moderate(actor, consultation_id: int, comment_id: int, approve: bool,
             reason: str = "") -> ConsultationComment:
    """Approve a pending comment for publication, or reject it with a reason (the reason
    stays internal). Requires `reviewer` on the consultation's organization.
    Raises PermissionDenied, NotFound, InvalidTransition or ValidationError."""
    consultation = get_consultation(consultation_id)
    require(actor, Role.REVIEWER, consultation.organization, action="consultation.moderate",
            target=consultation)
    comment = _comment(consultation, comment_id)
    CONSULTATION.expect(consultation, "moderate")
    if comment.status is not CommentStatus.PENDING:
        raise InvalidTransition(comment.status.label, "审核")
    reason = validation.text(reason, field="reason", label="不予公开的理由", max_length=500,
                             required=not approve, multiline=True)
    comment.status = CommentStatus.APPROVED if approve else CommentStatus.REJECTED
    comment.moderation_reason = reason
    comment.moderated_by_id = actor.id
    comment.moderated_at = utcnow()
    audit.record(actor, "consultation.moderate", comment,
                 before={"status": CommentStatus.PENDING.value},
                 after={"status": comment.status.value, "consultation": consultation.id},
                 message=reason)
    db.session.commit()
    return comment


def set_adoption(actor, consultation_id: int, comment_id: int, adoption: Adoption | None,
                 note: str = "") -> ConsultationComment:
    """Record whether an approved comment was adopted; partly adopted or not adopted
    needs the reason (why not). Requires `editor`; only after the window has closed and
    before the result is published. Raises PermissionDenied, NotFound, Conflict or
    ValidationError."""
    consultation = get_consultation(consultation_id)
    require(actor, Role.EDITOR, consultation.organization, action="consultation.adoption",
            target=consultation)
    require_closed(consultation, "标明意见是否采纳")
    comment = _comment(consultation, comment_id)
    if comment.status is not CommentStatus.APPROVED:
        raise ValidationError("只有已公开的意见才标明是否采纳。")
    if adoption is None:
        raise ValidationError("请选择采纳、部分采纳或未采纳。", field="adoption")
    note = validation.text(note, field="note", label="未采纳的理由", max_length=1000,
                           required=adoption is not Adoption.ADOPTED, multiline=True)
    before = comment.adoption.value if comment.adoption else None
    comment.adoption = adoption
    comment.adoption_note = note
    audit.record(actor, "consultation.adoption", comment, before={"adoption": before},
                 after={"adoption": adoption.value, "consultation": consultation.id})
    db.session.commit()
    return comment
