"""Operations on the organization tree."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal import audit
from portal.auth.permissions import require
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.organizations.models import ALLOWED_PARENT, Organization, OrgKind

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,58}$")
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def get_organization(org_id: int) -> Organization:
    """Return the organization or raise NotFound."""
    org = db.session.get(Organization, org_id)
    if org is None:
        raise NotFound("找不到该单位。")
    return org


def get_by_slug(slug: str) -> Organization:
    """Return the organization with this slug or raise NotFound. Anything that cannot be a
    slug (a NUL from a URL, which PostgreSQL refuses in a query) is not looked up."""
    if not SLUG_RE.fullmatch(slug or ""):
        raise NotFound("找不到该单位。")
    org = db.session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        raise NotFound("找不到该单位。")
    return org


def subtree(org: Organization) -> list[Organization]:
    """The organization and everything below it, in tree order."""
    stmt = select(Organization).where(Organization.path.startswith(org.path))
    return list(db.session.scalars(stmt.order_by(Organization.path)))


def towns_with_villages() -> list[tuple[Organization, list[Organization]]]:
    """Every town with its villages, in tree order (for residents choosing a place)."""
    nodes = db.session.scalars(select(Organization).where(
        Organization.kind.in_((OrgKind.TOWN, OrgKind.VILLAGE))).order_by(Organization.path))
    towns: dict[int, tuple[Organization, list[Organization]]] = {}
    for node in nodes:
        if node.kind is OrgKind.TOWN:
            towns[node.id] = (node, [])
        elif node.parent_id in towns:
            towns[node.parent_id][1].append(node)
    return list(towns.values())


def all_organizations() -> list[Organization]:
    return list(db.session.scalars(select(Organization).order_by(Organization.path)))


def build_organization(*, name: str, slug: str, kind: OrgKind, parent: Organization | None,
                       credit_code: str | None = None, sort_order: int = 0,
                       formal_name: str = "") -> Organization:
    """Validate and add a node to the session without committing (shared by CLI and demo)."""
    name = name.strip()
    if not name:
        raise ValidationError("请填写单位名称。", field="name")
    if not SLUG_RE.match(slug):
        raise ValidationError("英文标识只能包含小写字母、数字和连字符。", field="slug")
    if credit_code and not CREDIT_CODE_RE.match(credit_code):
        raise ValidationError("统一社会信用代码应为 18 位数字或大写字母。", field="credit_code")
    expected_parent = ALLOWED_PARENT[kind]
    if (parent.kind if parent else None) != expected_parent:
        raise ValidationError(f"{kind.label}级单位的上级单位类型不正确。", field="parent")
    if db.session.scalar(select(Organization.id).where(Organization.slug == slug)):
        raise ValidationError("该英文标识已被使用。", field="slug")
    org = Organization(name=name, slug=slug, kind=kind, parent=parent,
                       credit_code=credit_code or None, sort_order=sort_order,
                       formal_name=formal_name.strip())
    db.session.add(org)
    db.session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    return org


def create_organization(actor, **fields) -> Organization:
    """Create an organization under a parent. Requires `admin` on the parent.

    Raises PermissionDenied or ValidationError.
    """
    parent = fields.get("parent")
    require(actor, "admin", parent, action="organization.create")
    org = build_organization(**fields)
    audit.record(actor, "organization.create", org, after=org_snapshot(org))
    db.session.commit()
    return org


def org_snapshot(org: Organization) -> dict:
    return {"name": org.name, "slug": org.slug, "kind": org.kind.value,
            "parent_id": org.parent_id, "credit_code": org.credit_code}
