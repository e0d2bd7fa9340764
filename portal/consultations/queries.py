"""Reading consultations: the public lists (open, upcoming, closed), the feed and the
staff's scoped list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal.auth import policy
from portal.auth.models import Role
from portal.auth.permissions import require_any
from portal.consultations.models import (
    PUBLIC_STATUSES,
    CommentStatus,
    Consultation,
    ConsultationComment,
    ConsultationStatus,
)
from portal.disclosures.queries import Page, paginate
from portal.errors import NotFound
from portal.extensions import db
from portal.timeutil import local_today

STAFF_VIEW_ROLES = (Role.EDITOR, Role.REVIEWER, Role.ADMIN, Role.INSPECTOR)


def get_consultation(consultation_id: int) -> Consultation:
    """Return the consultation or raise NotFound."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound("找不到该征求意见事项。")
    return consultation


def get_public(consultation_id: int) -> Consultation:
    """A published or concluded consultation; drafts and withdrawn ones are 404."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not consultation.is_public:
        raise NotFound("该征求意见事项不存在或已撤回。")
    return consultation


def get_for_staff(actor, consultation_id: int) -> Consultation:
    """A consultation the actor may see in the back office. Raises NotFound,
    PermissionDenied (audited)."""
    consultation = get_consultation(consultation_id)
    require_any(actor, STAFF_VIEW_ROLES, consultation.organization,
                action="consultation.view", target=consultation)
    return consultation


def _public():
    return select(Consultation).where(Consultation.status.in_(PUBLIC_STATUSES))


def open_consultations(limit: int | None = 5) -> list[Consultation]:
    """Consultations taking comments today (Beijing time), closing soonest first.

    The window covers whole Beijing days, so comparing dates is the same as comparing
    instants with the window's boundaries.
    """
    today = local_today()
    stmt = (_public().where(Consultation.opens_on <= today, Consultation.closes_on >= today)
            .order_by(Consultation.closes_on, Consultation.id))
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class Open:
    """A consultation taking comments, as the home page names it."""

    id: int
    title: str
    closes_on: date


def open_today(limit: int = 5) -> list[Open]:
    """The home page's `open_consultations`, kept per public-content version and day."""
    from portal.pagecache import per_content_version

    def read() -> list[Open]:
        return [Open(c.id, c.title, c.closes_on) for c in open_consultations(limit)]

    return per_content_version(f"consultations.open.{limit}", read, local_today())


def upcoming_consultations() -> list[Consultation]:
    stmt = _public().where(Consultation.opens_on > local_today()).order_by(
        Consultation.opens_on, Consultation.id)
    return list(db.session.scalars(stmt))


def closed_consultations(page: int = 1, size: int = 20) -> Page:
    stmt = _public().where(Consultation.closes_on < local_today()).order_by(
        Consultation.closes_on.desc(), Consultation.id.desc())
    return paginate(stmt, page, size)


def latest_published(limit: int = 20) -> list[Consultation]:
    """For the Atom feed: newest publications first."""
    stmt = _public().order_by(Consultation.published_at.desc(), Consultation.id.desc())
    return list(db.session.scalars(stmt.limit(limit)))


def staff_listing(actor, *, status: ConsultationStatus | None = None, page: int = 1,
                  size: int = 20) -> Page:
    """Consultations of every organization where the actor holds a staff role."""
    stmt = select(Consultation).where(policy.visible(actor, Consultation, STAFF_VIEW_ROLES))
    if status is not None:
        stmt = stmt.where(Consultation.status == status)
    return paginate(stmt.order_by(Consultation.updated_at.desc(), Consultation.id.desc()),
                    page, size)


def pending_comment_counts(actor) -> dict[int, int]:
    """Comments waiting for moderation, per consultation the actor may moderate."""
    rows = db.session.execute(
        select(ConsultationComment.consultation_id, func.count())
        .join(Consultation, Consultation.id == ConsultationComment.consultation_id)
        .where(policy.visible(actor, Consultation, (Role.REVIEWER,)),
               ConsultationComment.status == CommentStatus.PENDING)
        .group_by(ConsultationComment.consultation_id))
    return {row[0]: row[1] for row in rows}
