"""Which roles may be granted at which level of the organization tree, and the grant
changes an administrator makes on a user's page.

A role belongs to the level where its work is done: the 村务专干 and the 村务监督委员会 to
one village; the 信息审核 to a town, a town's office or station, or the county; the 纪检监督
to a town or the county; the 综治中心 to a town and the 网格员 to one village. Roles
not named here may be granted anywhere. The rule table is
stated once, here; the grant service and the admin form both ask `refusal`.
"""

from __future__ import annotations

from sqlalchemy import select

from portal import audit
from portal.auth.models import Role, RoleGrant, User
from portal.auth.permissions import require
from portal.errors import ValidationError
from portal.extensions import db
from portal.organizations.models import Organization, OrgKind

# (role) -> (levels it may be granted at, the rule in words)
GRANT_LEVELS: dict[Role, tuple[frozenset[str], str]] = {
    Role.VILLAGE_CLERK: (frozenset({"village"}), "村务专干只能在村一级授予"),
    Role.VILLAGE_SUPERVISOR: (frozenset({"village"}), "村务监督委员会只能在村一级授予"),
    Role.REVIEWER: (frozenset({"county", "town", "town_department"}),
                    "信息审核只能在县、乡镇或乡镇所属站所一级授予"),
    Role.INSPECTOR: (frozenset({"county", "town"}), "纪检监督只能在县或乡镇一级授予"),
    Role.GOVERNANCE_CENTER: (frozenset({"town"}), "综治中心只能在乡镇一级授予"),
    Role.GRID_WORKER: (frozenset({"village"}), "网格员只能在村一级授予"),
}


def level(organization: Organization) -> str:
    """county, town, village, town_department (a town's office or station) or
    department (any other)."""
    if organization.kind is OrgKind.DEPARTMENT:
        parent = organization.parent
        return "town_department" if parent is not None and parent.kind is OrgKind.TOWN \
            else "department"
    return organization.kind.value


def refusal(role: Role, organization: Organization) -> str | None:
    """The rule that forbids granting `role` at `organization`, or None when it may be."""
    levels, rule_text = GRANT_LEVELS.get(role, (None, ""))
    if levels is None or level(organization) in levels:
        return None
    return f"不能在“{organization.full_name}”授予{role.label}：{rule_text}。"


def check(role: Role, organization: Organization) -> None:
    """Raise ValidationError (400) naming the rule unless `role` may be held there."""
    reason = refusal(role, organization)
    if reason is not None:
        raise ValidationError(reason, field="grant")


def valid_organizations(role: Role | None, organizations: list[Organization]) -> list:
    """The organizations among `organizations` where `role` may be granted."""
    if role is None:
        return organizations
    return [org for org in organizations if refusal(role, org) is None]


def form_choices(actor) -> dict[str, list[tuple[str, str]]]:
    """The grant form's options, grouped by role: only the active organizations in the
    admin's subtree where the role may be held. Each value is "role:organization id"."""
    from portal.organizations.services import all_organizations

    mine = [org for org in all_organizations() if actor.has_role(Role.ADMIN, org)]
    return {role.label: [(f"{role.value}:{org.id}", f"{org.full_name}（{role.label}）")
                         for org in valid_organizations(role, mine)]
            for role in Role}


def parse(value: str | None) -> tuple[Role, Organization]:
    """The role and organization a grant form sent ("role:organization id"). Raises
    ValidationError for anything else (the rule itself is checked by the service)."""
    role_text, _, org_text = (value or "").partition(":")
    try:
        role = Role(role_text)
    except ValueError:
        raise ValidationError("请选择要授予的角色和单位。", field="grant") from None
    organization = db.session.get(Organization, int(org_text)) \
        if org_text.isascii() and org_text.isdigit() and len(org_text) < 12 else None
    if organization is None:
        raise ValidationError("请选择要授予的角色和单位。", field="grant")
    return role, organization


def _snapshot(user: User) -> list[list[str]]:
    return sorted([g.role.value, g.organization.slug] for g in user.grants)


def add_grant(actor, user: User, role: Role, organization: Organization) -> RoleGrant:
    """Give `user` the role at `organization`. Requires admin there; the organization
    active; the level allowed for the role; not already held. Audited."""
    require(actor, Role.ADMIN, organization, action="user.grant", target=user)
    if not organization.active:
        raise ValidationError(f"“{organization.full_name}”已停用，不能授予角色。",
                              field="grant")
    check(role, organization)
    if any(g.role == role and g.organization_id == organization.id for g in user.grants):
        raise ValidationError(f"该用户已在“{organization.full_name}”担任{role.label}。",
                              field="grant")
    before = _snapshot(user)
    grant = RoleGrant(role=role, organization=organization)
    user.grants.append(grant)
    db.session.flush()
    audit.record(actor, "user.grant", user, before={"grants": before},
                 after={"grants": _snapshot(user)},
                 message=f"授予{organization.full_name}{role.label}")
    db.session.commit()
    return grant


def remove_grant(actor, user: User, grant_id: int) -> None:
    """Take one grant away. Requires admin on its organization; an admin cannot remove
    their own last admin grant. Audited."""
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.id == grant_id,
                                                      RoleGrant.user_id == user.id))
    if grant is None:
        raise ValidationError("该授权不存在或已撤销。", field="grant")
    require(actor, Role.ADMIN, grant.organization, action="user.revoke", target=user)
    if user.id == getattr(actor, "id", None) and grant.role is Role.ADMIN \
            and sum(g.role is Role.ADMIN for g in user.grants) == 1:
        raise ValidationError("不能撤销自己唯一的系统管理员授权。", field="grant")
    before = _snapshot(user)
    label = f"{grant.organization.full_name}{grant.role.label}"
    user.grants.remove(grant)
    db.session.flush()
    audit.record(actor, "user.revoke", user, before={"grants": before},
                 after={"grants": _snapshot(user)}, message=f"撤销{label}")
    db.session.commit()
