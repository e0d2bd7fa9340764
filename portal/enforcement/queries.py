"""Reading the enforcement registers: the public lists, the staff's scoped lists, the late
decisions for inspectors, and the counts table 二 of the annual report takes."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from portal.auth import policy
from portal.enforcement.models import (
    DecisionKind,
    DecisionStatus,
    EnforcementBody,
    EnforcementDecision,
)
from portal.errors import NotFound
from portal.extensions import db
from portal.lifecycle import check
from portal.organizations.models import Organization
from portal.timeutil import local_today


def get_body(body_id: int) -> EnforcementBody:
    body = db.session.get(EnforcementBody, body_id)
    if body is None:
        raise NotFound("找不到该执法主体。")
    return body


def get_for_editing(actor, body_id: int) -> EnforcementBody:
    """A body whose lists the actor keeps. Raises NotFound, PermissionDenied."""
    body = get_body(body_id)
    policy.require(actor, "edit", body, audit_action="enforcement.body_edit")
    return body


def get_decision(decision_id: int) -> EnforcementDecision:
    decision = db.session.get(EnforcementDecision, decision_id)
    if decision is None:
        raise NotFound("找不到该执法决定。")
    return decision


def get_for_staff(actor, decision_id: int) -> EnforcementDecision:
    """A decision the actor may see in the back office. Raises NotFound, PermissionDenied."""
    decision = get_decision(decision_id)
    policy.require(actor, "view", decision, audit_action="enforcement.view")
    return decision


def get_editable_decision(actor, decision_id: int) -> EnforcementDecision:
    """A decision the actor may correct now. Raises NotFound, PermissionDenied or
    InvalidTransition (published or revoked)."""
    decision = get_decision(decision_id)
    check(actor, decision, "edit")
    return decision


def get_public(decision_id: int) -> EnforcementDecision:
    """A published decision; a draft or a revoked one is 404."""
    decision = db.session.get(EnforcementDecision, decision_id)
    if decision is None or not decision.is_public:
        raise NotFound("该执法决定不存在或未公示。")
    return decision


def public_bodies() -> list[EnforcementBody]:
    """Every body with its officers and matters (事前公示), in tree order."""
    stmt = (select(EnforcementBody).join(EnforcementBody.organization)
            .options(selectinload(EnforcementBody.officers),
                     selectinload(EnforcementBody.matters))
            .order_by(Organization.path, EnforcementBody.id))
    return list(db.session.scalars(stmt))


def public_decisions(kind: DecisionKind | None = None) -> list[EnforcementDecision]:
    """Published decisions, newest decision first."""
    stmt = select(EnforcementDecision).where(
        EnforcementDecision.status == DecisionStatus.PUBLISHED)
    if kind is not None:
        stmt = stmt.where(EnforcementDecision.kind == kind)
    return list(db.session.scalars(stmt.order_by(EnforcementDecision.decided_on.desc(),
                                                 EnforcementDecision.id.desc())))


def staff_bodies(actor) -> list[EnforcementBody]:
    stmt = (select(EnforcementBody).where(policy.visible(actor, EnforcementBody))
            .options(selectinload(EnforcementBody.officers),
                     selectinload(EnforcementBody.matters))
            .order_by(EnforcementBody.id))
    return list(db.session.scalars(stmt))


def staff_decisions(actor) -> list[EnforcementDecision]:
    stmt = (select(EnforcementDecision).where(policy.visible(actor, EnforcementDecision))
            .order_by(EnforcementDecision.decided_on.desc(), EnforcementDecision.id.desc()))
    return list(db.session.scalars(stmt))


def bodies_for_editor(actor) -> list[EnforcementBody]:
    """Bodies under the actor's editor grants: where they may record decisions."""
    from portal.auth.models import Role

    stmt = (select(EnforcementBody)
            .where(policy.visible(actor, EnforcementBody, (Role.EDITOR,)))
            .order_by(EnforcementBody.id))
    return list(db.session.scalars(stmt))


def awaiting_publication(actor, roles) -> list[EnforcementDecision]:
    """Decisions waiting to be published under the actor's grants of `roles`, not their own."""
    stmt = (select(EnforcementDecision)
            .where(policy.visible(actor, EnforcementDecision, roles),
                   EnforcementDecision.status == DecisionStatus.DRAFT,
                   EnforcementDecision.author_id != actor.id)
            .order_by(EnforcementDecision.publish_due))
    return list(db.session.scalars(stmt))


def _under(paths: list[str]):
    return or_(*[Organization.path.startswith(p) for p in paths])


def late_decisions(paths: list[str], year: int) -> list[EnforcementDecision]:
    """Decisions of `year` (by decision date) under `paths` published after their due day,
    or still unpublished past it; revoked ones stay listed, with their state."""
    if not paths:
        return []
    today = local_today()
    stmt = (select(EnforcementDecision).join(EnforcementDecision.organization)
            .where(_under(paths),
                   EnforcementDecision.decided_on >= date(year, 1, 1),
                   EnforcementDecision.decided_on <= date(year, 12, 31),
                   or_(EnforcementDecision.published_at.is_not(None),
                       (EnforcementDecision.status == DecisionStatus.DRAFT)
                       & (EnforcementDecision.publish_due < today)))
            .order_by(EnforcementDecision.publish_due))
    return [d for d in db.session.scalars(stmt) if d.is_late]


def decision_counts(org: Organization, start: date, end: date) -> Counter:
    """Table 二's 本年处理决定数量 by kind: decisions of `org`'s subtree dated in [start, end)
    and not revoked (a revoked decision was set aside; it is no decision of the year)."""
    stmt = (select(EnforcementDecision.kind, func.count())
            .join(EnforcementDecision.organization)
            .where(Organization.path.startswith(org.path),
                   EnforcementDecision.status != DecisionStatus.REVOKED,
                   EnforcementDecision.decided_on >= start,
                   EnforcementDecision.decided_on < end)
            .group_by(EnforcementDecision.kind))
    return Counter({kind: n for kind, n in db.session.execute(stmt)})

