"""Posting rules: how often each village must post each category. Town reviewers and
admins keep them; every village starts with the statutory defaults."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal import audit
from portal.auth.models import Role
from portal.auth.permissions import require_any
from portal.errors import ValidationError
from portal.extensions import db
from portal.organizations.models import Organization
from portal.villages.models import Frequency, NoticeCategory, PostingRule
from portal.villages.schedule import default_rules

RULE_ROLES = (Role.REVIEWER, Role.ADMIN)


def rules_for(villages: list[Organization]) -> list[PostingRule]:
    if not villages:
        return []
    return list(db.session.scalars(select(PostingRule).where(
        PostingRule.village_id.in_([v.id for v in villages]))
        .order_by(PostingRule.village_id, PostingRule.category)))


def set_rule(actor, village: Organization, category: NoticeCategory, frequency: Frequency,
             grace_days: int, active_from: date) -> PostingRule:
    """Create or change a village's rule for one category. Requires `reviewer` or `admin`
    on the village. Raises PermissionDenied or ValidationError."""
    require_any(actor, RULE_ROLES, village, action="posting_rule.set", target=village)
    if not 0 <= grace_days <= 60:
        raise ValidationError("宽限天数应为 0 至 60 天。", field="grace_days")
    rule = db.session.scalar(select(PostingRule).where(
        PostingRule.village_id == village.id, PostingRule.category == category))
    before = None
    if rule is None:
        rule = PostingRule(village=village, category=category)
        db.session.add(rule)
    else:
        before = {"frequency": rule.frequency.value, "grace_days": rule.grace_days,
                  "active_from": rule.active_from}
    rule.frequency, rule.grace_days, rule.active_from = frequency, grace_days, active_from
    db.session.flush()
    audit.record(actor, "posting_rule.set", rule, before=before,
                 after={"village": village.slug, "category": category.value,
                        "frequency": frequency.value, "grace_days": grace_days,
                        "active_from": active_from})
    db.session.commit()
    return rule


def add_default_rules(villages: list[Organization], active_from: date) -> int:
    """Give villages without any rule the statutory defaults (used when villages are set
    up). Adds to the session; the caller commits."""
    have = {rule.village_id for rule in rules_for(villages)}
    added = 0
    for village in villages:
        if village.id not in have:
            for rule in default_rules(village, active_from):
                db.session.add(rule)
                added += 1
    return added
