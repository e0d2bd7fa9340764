"""Operations on the organization tree: county → town → {站所, 村}.

The rules, each checked here and nowhere else (pages, the CLI and the tree import all
call these functions):
- Kinds and parents follow `ALLOWED_PARENT`; a deployment has one county, the root.
- 英文标识 (slug): lower-case ASCII letters, digits and hyphens, at most 60, unique. It is
  fixed once the unit exists: it is the key of the tree CSV and part of public addresses
  (`/villages/<slug>`). The kind is fixed too (a village's notices are a village's).
- 统一社会信用代码: GB 32100-2015 with its check character (`credit_code`), unique. It is
  checked whenever it is entered or changed; a code already stored is left as it is.
- A name is unique among its siblings (a choice list must tell units apart).
- Deactivation (撤并): never the county, and not while an active unit lies below; a
  deactivated unit keeps its records, documents and audit trail, leaves choice lists and
  public navigation, and takes no new inquiries or grants. Reactivation needs an active
  parent; so does a new or moved unit.
- Permission: `admin` on a unit to change it; `admin` on its parent (the old and the new
  one when it moves) to create, move, deactivate or reactivate it.
"""

from __future__ import annotations

import re

from sqlalchemy import bindparam, select

from portal import audit, validation
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.errors import Conflict, NotFound, ValidationError
from portal.extensions import db
from portal.organizations import credit_code as credit_codes
from portal.organizations.models import ALLOWED_PARENT, KIND_LABELS, Organization, OrgKind

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,58}$")
MAX_SORT_ORDER = 999_999
EDITABLE_FIELDS = ("name", "formal_name", "parent", "credit_code", "sort_order")


def get_organization(org_id: int) -> Organization:
    """Return the organization or raise NotFound."""
    org = db.session.get(Organization, org_id)
    if org is None:
        raise NotFound("找不到该单位。")
    return org


_BY_SLUG = select(Organization).where(Organization.slug == bindparam("slug"))  # built once


def get_by_slug(slug: str) -> Organization:
    """Return the organization with this slug or raise NotFound. Anything that cannot be a
    slug (a NUL from a URL, which PostgreSQL refuses in a query) is not looked up."""
    if not SLUG_RE.fullmatch(slug or ""):
        raise NotFound("找不到该单位。")
    org = db.session.scalar(_BY_SLUG, {"slug": slug})
    if org is None:
        raise NotFound(f"找不到代码为“{slug}”的单位。")
    return org


def subtree(org: Organization) -> list[Organization]:
    """The organization and everything below it, in tree order."""
    stmt = select(Organization).where(Organization.path.startswith(org.path))
    return list(db.session.scalars(stmt.order_by(Organization.path)))


def towns_with_villages() -> list[tuple[Organization, list[Organization]]]:
    """Every active town with its active villages, in tree order (for residents choosing
    a place, and the public village index)."""
    nodes = db.session.scalars(select(Organization).where(
        Organization.kind.in_((OrgKind.TOWN, OrgKind.VILLAGE)),
        Organization.active.is_(True)).order_by(Organization.path))
    towns: dict[int, tuple[Organization, list[Organization]]] = {}
    for node in nodes:
        if node.kind is OrgKind.TOWN:
            towns[node.id] = (node, [])
        elif node.parent_id in towns:
            towns[node.parent_id][1].append(node)
    return list(towns.values())


def all_organizations() -> list[Organization]:
    """Every active unit in tree order: what choice lists offer."""
    return list(db.session.scalars(select(Organization).where(
        Organization.active.is_(True)).order_by(Organization.path)))


def whole_tree() -> list[Organization]:
    """Every unit, active or not, parents before children and siblings by sort order."""
    nodes = list(db.session.scalars(select(Organization)))
    children: dict[int | None, list[Organization]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    ordered: list[Organization] = []

    def visit(parent_id: int | None) -> None:
        for node in sorted(children.get(parent_id, []), key=lambda o: (o.sort_order, o.id)):
            ordered.append(node)
            visit(node.id)

    visit(None)
    return ordered


def manageable(actor) -> list[Organization]:
    """The units under the actor's `admin` grants, in tree order (the admin page)."""
    require(actor, Role.ADMIN, None, action="organization.list")
    return [org for org in whole_tree() if actor.has_role(Role.ADMIN, org)]


def get_for_admin(actor, org_id: int) -> Organization:
    """A unit the actor administers. Raises NotFound or PermissionDenied."""
    org = get_organization(org_id)
    require(actor, Role.ADMIN, org, action="organization.view")
    return org


def parent_choices(actor, kind: OrgKind | None = None,
                   node: Organization | None = None) -> list[Organization]:
    """Active units the actor administers that may take a child (of `kind`, when given),
    leaving out `node` and everything below it."""
    kinds = {ALLOWED_PARENT[kind]} if kind is not None else set(ALLOWED_PARENT.values())
    return [org for org in manageable(actor)
            if org.active and org.kind in kinds and not (node is not None and node.contains(org))]


def suggest_slug(parent: Organization | None) -> str:
    """A free slug under the parent's (`shuangta-3`), for a unit added without one."""
    base = (parent.slug if parent is not None else "county")[:52]
    taken = set(db.session.scalars(select(Organization.slug).where(
        Organization.slug.startswith(f"{base}-"))))
    number = 1
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def county() -> Organization | None:
    return db.session.scalar(select(Organization).where(Organization.parent_id.is_(None))
                             .order_by(Organization.id).limit(1))


# -- checks: each raises ValidationError naming its field ----------------------------------

def check_name(name: str | None, *, field: str = "name", label: str = "单位名称",
               required: bool = True) -> str:
    return validation.text(name, field=field, label=label, max_length=100, required=required)


def check_slug(slug: str | None, *, current: Organization | None = None) -> str:
    """A well-formed slug no other unit uses; a unit's own slug cannot change."""
    slug = (slug or "").strip()
    if current is not None:
        if slug != current.slug:
            raise ValidationError(f"英文标识创建后不能修改（现为“{current.slug}”）。", field="slug")
        return slug
    if not slug:
        raise ValidationError("请填写英文标识（代码）。", field="slug")
    if not SLUG_RE.fullmatch(slug):
        raise ValidationError("英文标识只能包含小写英文字母、数字和连字符（-），以字母或数字开头，"
                              "不超过 60 个字符。", field="slug")
    if db.session.scalar(select(Organization.id).where(Organization.slug == slug)):
        raise ValidationError(f"英文标识“{slug}”已被其他单位使用。", field="slug")
    return slug


def check_credit_code(code: str | None, *, current: Organization | None = None) -> str | None:
    """The normalized code (None when empty): valid per GB 32100-2015 and used by no
    other unit. A unit's code as already stored passes unchanged."""
    code = credit_codes.normalize(code) or None
    if code is None or (current is not None and code == current.credit_code):
        return code
    if problem := credit_codes.problem(code):
        raise ValidationError(problem, field="credit_code")
    holder = db.session.scalar(select(Organization).where(Organization.credit_code == code))
    if holder is not None and holder is not current:
        raise ValidationError(f"统一社会信用代码 {code} 已是“{holder.full_name}”的代码。",
                              field="credit_code")
    return code


def check_sort_order(value) -> int:
    text = str(value if value is not None else "").strip() or "0"
    if not re.fullmatch(r"-?\d{1,6}", text) or abs(int(text)) > MAX_SORT_ORDER:
        raise ValidationError("排序应为整数（如 0、1、2，数字小的排在前面）。", field="sort_order")
    return int(text)


def check_parent(kind: OrgKind, parent: Organization | None, *,
                 node: Organization | None = None) -> None:
    """The parent fits the kind, is active, is not the unit itself or below it, and a
    second county is refused."""
    wanted = ALLOWED_PARENT[kind]
    if wanted is None:
        if parent is not None:
            raise ValidationError("县级单位没有上级单位。", field="parent")
        root = county()
        if root is not None and root is not node:
            raise ValidationError(f"本系统已有县级单位“{root.name}”，一个部署只有一个县。",
                                  field="parent")
        return
    if parent is None:
        raise ValidationError(f"请选择{kind.label}的上级单位（{KIND_LABELS[wanted]}）。",
                              field="parent")
    if parent.kind is not wanted:
        raise ValidationError(f"{kind.label}的上级单位应为{KIND_LABELS[wanted]}，"
                              f"“{parent.full_name}”是{parent.kind.label}。", field="parent")
    if node is not None and node.id is not None and node.contains(parent):
        raise ValidationError("不能把单位移到它自己或它的下级单位之下。", field="parent")
    if not parent.active and (node is None or parent is not node.parent):
        raise ValidationError(f"上级单位“{parent.full_name}”已停用。", field="parent")


def check_sibling_name(name: str, parent: Organization | None, *,
                       node: Organization | None = None) -> None:
    stmt = select(Organization).where(Organization.name == name)
    stmt = stmt.where(Organization.parent_id == parent.id) if parent is not None \
        else stmt.where(Organization.parent_id.is_(None))
    for other in db.session.scalars(stmt):
        if other is not node:
            raise ValidationError(f"同一上级单位下已有名为“{name}”的单位（{other.slug}）。",
                                  field="name")


# -- building and changing, without committing (shared by services, setup and import) ----

def build_organization(*, name: str, slug: str, kind: OrgKind, parent: Organization | None,
                       credit_code: str | None = None, sort_order: int = 0,
                       formal_name: str = "") -> Organization:
    """Validate and add a node to the session without committing or auditing (the demo,
    the first setup and the tree import build on it). Raises ValidationError."""
    name = check_name(name)
    formal_name = check_name(formal_name, field="formal_name", label="全称", required=False)
    slug = check_slug(slug)
    check_parent(kind, parent)
    check_sibling_name(name, parent)
    code = check_credit_code(credit_code)
    org = Organization(name=name, slug=slug, kind=kind, parent=parent, credit_code=code,
                       sort_order=check_sort_order(sort_order), formal_name=formal_name,
                       active=True)
    db.session.add(org)
    db.session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    return org


def change_organization(org: Organization, **fields) -> dict[str, tuple]:
    """Validate and apply new values of EDITABLE_FIELDS (those given) without committing.
    Returns {field: (before, after)} for what changed. Raises ValidationError."""
    wanted = dict(fields)
    if "name" in wanted:
        wanted["name"] = check_name(wanted["name"])
    if "formal_name" in wanted:
        wanted["formal_name"] = check_name(wanted["formal_name"], field="formal_name",
                                           label="全称", required=False)
    if "credit_code" in wanted:
        wanted["credit_code"] = check_credit_code(wanted["credit_code"], current=org)
    if "sort_order" in wanted:
        wanted["sort_order"] = check_sort_order(wanted["sort_order"])
    parent = wanted.get("parent", org.parent)
    if parent is not org.parent:
        check_parent(org.kind, parent, node=org)
    name = wanted.get("name", org.name)
    if name != org.name or parent is not org.parent:
        check_sibling_name(name, parent, node=org)
    changes = {key: (getattr(org, key), value) for key, value in wanted.items()
               if getattr(org, key) != value}
    for key, (_before, after) in changes.items():
        if key != "parent":
            setattr(org, key, after)
    if "parent" in changes:
        _move(org, parent)
    return changes


def _move(org: Organization, parent: Organization) -> None:
    """Re-hang `org` and its whole subtree under `parent` (paths rewritten)."""
    old_prefix, new_prefix = org.path, f"{parent.path}{org.id}/"
    for node in subtree(org):
        node.path = new_prefix + node.path[len(old_prefix):]
    org.parent = parent
    db.session.flush()


def active_children(org: Organization) -> list[Organization]:
    db.session.flush()
    return list(db.session.scalars(select(Organization).where(
        Organization.parent_id == org.id, Organization.active.is_(True))
        .order_by(Organization.sort_order, Organization.id)))


def change_active(org: Organization, active: bool) -> bool:
    """Deactivate or reactivate without committing; False when nothing changes. Raises
    Conflict for the county, for a unit with active units below it, and for a unit whose
    parent is deactivated."""
    if org.active == active:
        return False
    if not active:
        if org.parent is None:
            raise Conflict("县级单位不能停用。")
        below = active_children(org)
        if below:
            names = "、".join(child.name for child in below[:5])
            raise Conflict(f"“{org.full_name}”下还有启用的单位（{names}"
                           f"{'等' if len(below) > 5 else ''}），请先停用或迁移它们。")
    elif org.parent is not None and not org.parent.active:
        raise Conflict(f"上级单位“{org.parent.full_name}”已停用，请先启用上级单位。")
    org.active = active
    return True


# -- services: permission, work, audit, one commit ------------------------------------------

def create_organization(actor, **fields) -> Organization:
    """Create a unit under a parent (an empty slug gets `suggest_slug`). Requires `admin`
    on the parent (any admin grant for the county, of which there is one). Raises
    PermissionDenied or ValidationError."""
    parent = fields.get("parent")
    require(actor, Role.ADMIN, parent, action="organization.create")
    if not (fields.get("slug") or "").strip():
        fields["slug"] = suggest_slug(parent)
    org = build_organization(**fields)
    audit.record(actor, "organization.create", org, after=org_snapshot(org))
    db.session.commit()
    return org


def update_organization(actor, org_id: int, **fields) -> Organization:
    """Change a unit's names, credit code, sort order or parent (EDITABLE_FIELDS).
    Requires `admin` on the unit, and on the old and the new parent when it moves.
    Raises PermissionDenied, ValidationError."""
    org = get_organization(org_id)
    require(actor, Role.ADMIN, org, action="organization.update")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "parent" in fields and fields["parent"] is not org.parent:
        require(actor, Role.ADMIN, org.parent, action="organization.move", target=org)
        require(actor, Role.ADMIN, fields["parent"], action="organization.move", target=org)
    before = org_snapshot(org)
    if change_organization(org, **fields):
        audit.record(actor, "organization.update", org, before=before, after=org_snapshot(org))
    db.session.commit()
    return org


def set_active(actor, org_id: int, active: bool) -> Organization:
    """Deactivate (撤并) or reactivate a unit; its records stay. Requires `admin` on its
    parent. Raises PermissionDenied or Conflict."""
    org = get_organization(org_id)
    action = "organization.reactivate" if active else "organization.deactivate"
    require(actor, Role.ADMIN, org.parent or org, action=action, target=org)
    if org.parent is None and not active:
        raise Conflict("县级单位不能停用。")
    if change_active(org, active):
        audit.record(actor, action, org, before={"active": not active}, after={"active": active})
    db.session.commit()
    return org


def org_snapshot(org: Organization) -> dict:
    return {"name": org.name, "formal_name": org.formal_name, "slug": org.slug,
            "kind": org.kind.value, "parent_id": org.parent_id,
            "parent": org.parent.slug if org.parent else None,
            "credit_code": org.credit_code, "sort_order": org.sort_order,
            "active": org.active}
