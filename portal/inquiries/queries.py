"""Staff queues and the public list of published replies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, and_, not_, or_, select, text
from sqlalchemy.orm import selectinload

from portal.auth import policy
from portal.auth.models import Role
from portal.disclosures.queries import Page, paginate
from portal.extensions import db
from portal.inquiries import clocks
from portal.inquiries.models import (
    ANSWERED_STATUSES,
    CLOCKED_SQL,
    CLOCKED_STATUSES,
    OPEN_STATUSES,
    PAUSED_STATUSES,
    Inquiry,
    InquiryType,
    Status,
)
from portal.paging import KeysetPage, PageRequest, keyset_page
from portal.timeutil import utcnow

QUEUES = {
    "mine": "我签收的",
    "organization": "本单位全部",
    "unsigned": "待签收",
    "due_soon": "即将到期",
    "overdue": "已超期",
    "waiting": "等待群众或第三方",
    "answered": "已答复/办结",
}
STAFF_ROLES = (Role.HANDLER, Role.REVIEWER, Role.ADMIN, Role.INSPECTOR)


def overdue_condition(now: datetime):
    """`clocks.is_overdue` as SQL: a clocked status (running, or consulting, whose stored
    deadline is the capped one; waiting on the resident never counts), and past the
    sign-for deadline while unsigned, or past the reply deadline."""
    unsigned = Inquiry.status.in_((Status.RECEIVED, Status.RETURNED))
    return and_(Inquiry.status.in_(CLOCKED_STATUSES), or_(
        and_(unsigned, Inquiry.sign_due_at.is_not(None), Inquiry.sign_due_at < now),
        and_(Inquiry.reply_due_at.is_not(None), Inquiry.reply_due_at < now)))


def due_soon_condition(now: datetime):
    """`clocks.is_due_soon` as SQL: clocked, not overdue, reply due by the type's cutoff."""
    cutoffs = [and_(Inquiry.type == t, Inquiry.reply_due_at <= clocks.due_soon_cutoff(t, now))
               for t in InquiryType]
    return and_(Inquiry.status.in_(CLOCKED_STATUSES), Inquiry.reply_due_at.is_not(None),
                not_(overdue_condition(now)), or_(*cutoffs))


def queue_statement(actor, queue: str, now: datetime) -> Select | None:
    if not policy.Actor.of(actor).holds(STAFF_ROLES):
        return None
    stmt = select(Inquiry).where(policy.visible(actor, Inquiry, STAFF_ROLES))
    filters = {
        "mine": and_(Inquiry.handler_id == actor.id, Inquiry.status.in_(OPEN_STATUSES)),
        "organization": Inquiry.status.in_(OPEN_STATUSES),
        "unsigned": Inquiry.status.in_((Status.RECEIVED, Status.RETURNED)),
        # With the partial index's own terms (literal statuses): the clocked orders are a
        # few percent of all, and the database reads only those.
        "due_soon": and_(text(f"inquiries.{CLOCKED_SQL}"), due_soon_condition(now)),
        "overdue": and_(text(f"inquiries.{CLOCKED_SQL}"), overdue_condition(now)),
        "waiting": and_(Inquiry.status.in_(PAUSED_STATUSES), not_(overdue_condition(now))),
        "answered": Inquiry.status.in_(ANSWERED_STATUSES),
    }
    return stmt.where(filters[queue])


def queue(actor, queue_name: str = "organization", *, descending: bool = False,
          page: int = 1, size: int = 20) -> Page:
    """One of QUEUES for the actor's organizations, ordered by reply due time."""
    now = utcnow()
    stmt = queue_statement(actor, queue_name, now)
    if stmt is None:
        return Page([], 1, size, 0)
    due = Inquiry.reply_due_at.desc() if descending else Inquiry.reply_due_at.asc()
    stmt = stmt.order_by(Inquiry.reply_due_at.is_(None), due, Inquiry.id)
    return paginate(stmt, page, size)


def queue_counts(actor) -> dict[str, int]:
    from sqlalchemy import func

    now = utcnow()
    counts = {}
    for name in QUEUES:
        stmt = queue_statement(actor, name, now)
        counts[name] = 0 if stmt is None else db.session.scalar(
            select(func.count()).select_from(stmt.subquery()))
    return counts


def public_replies() -> Select:
    """Answered inquiries whose authors consented and whose replies staff published: the
    reply list, the JSON API and GeoReport. What each shows of one is loaded with the
    page, not one statement per reply (GeoReport's 1,000: 1,161 statements, 0.5 s): the
    place, the replying unit, and the 依申请公开 application, whose legal
    representative's name `Inquiry.public_text` masks."""
    return (select(Inquiry)
            .where(Inquiry.reply_published.is_(True), Inquiry.consent_publish.is_(True),
                   Inquiry.status.in_(ANSWERED_STATUSES))
            .options(selectinload(Inquiry.village), selectinload(Inquiry.reply_organization),
                     selectinload(Inquiry.application)))


def published_replies(page: PageRequest | None = None, size: int = 20) -> KeysetPage:
    """`public_replies`, newest reply first, one keyset page (`portal.paging`)."""
    stmt = public_replies().options(selectinload(Inquiry.reopenings))
    return keyset_page(stmt, Inquiry.replied_at, Inquiry.id, page or PageRequest(), size)


def open_inquiries() -> list[Inquiry]:
    return list(db.session.scalars(select(Inquiry).where(Inquiry.status.in_(OPEN_STATUSES))))
