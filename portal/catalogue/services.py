"""Managing the 公开目录 and each organization's 公开指南.

Who may do what: the catalogue is county-wide, so its entries are kept by an `admin` whose
grant covers the county (the root of the organization tree); a guide belongs to one
organization and is kept by an `admin` of that organization (a county admin covers every
town). Each operation checks permission, does the work, records the audit event and
commits once.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from sqlalchemy import select

from portal import audit, validation
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.catalogue.models import CatalogueEntry, DisclosureGuide
from portal.errors import Conflict, NotFound, ValidationError
from portal.extensions import db
from portal.organizations.models import Organization, OrgKind
from portal.timeutil import utcnow

MAX_AGE_LIMIT = 3660  # ten years: anything longer is a typo


@dataclass
class EntryInput:
    """The 国办发〔2019〕54号 columns as staff type them, plus the staleness threshold."""

    level1: str
    level2: str
    content: str = ""
    basis: str = ""
    time_limit: str = ""
    subject: str = "乡镇人民政府"
    channels: str = "政府网站、政务公开栏"
    audience: str = "全社会"
    manner: str = "主动公开"
    tier: str = "乡级"
    max_age_days: str | int = 365
    position: str | int = 0
    active: bool = True


@dataclass
class GuideInput:
    office: str = ""
    address: str = ""
    postal_code: str = ""
    hours: str = ""
    phone: str = ""
    fax: str = ""
    email: str = ""
    how_to_apply: str = ""
    remedies: str = ""


def county_root() -> Organization:
    """The county at the root of the tree; the catalogue belongs to it. Raises Conflict."""
    county = db.session.scalar(select(Organization).where(
        Organization.kind == OrgKind.COUNTY, Organization.parent_id.is_(None))
        .order_by(Organization.id).limit(1))
    if county is None:
        raise Conflict("尚未建立县级单位，无法维护公开目录。")
    return county


def get_entry(entry_id: int) -> CatalogueEntry:
    """Return the entry or raise NotFound."""
    entry = db.session.get(CatalogueEntry, entry_id)
    if entry is None:
        raise NotFound("找不到该目录事项。")
    return entry


def require_catalogue_admin(actor, action: str = "catalogue.create") -> None:
    """Raise PermissionDenied (audited) unless the actor is an `admin` of the county."""
    require(actor, Role.ADMIN, county_root(), action=action)


def entry_for_editing(actor, entry_id: int) -> CatalogueEntry:
    """The entry, for its edit form. Requires `admin` on the county (audited when refused).
    Raises NotFound, PermissionDenied or Conflict."""
    entry = get_entry(entry_id)
    require(actor, Role.ADMIN, county_root(), action="catalogue.update", target=entry)
    return entry


def guide_for_editing(actor, organization: Organization) -> DisclosureGuide | None:
    """The organization's guide (None before the first save), for its edit form.
    Requires `admin` on the organization. Raises PermissionDenied."""
    require(actor, Role.ADMIN, organization, action="guide.update")
    return db.session.scalar(select(DisclosureGuide).where(
        DisclosureGuide.organization_id == organization.id))


def check_entry_choice(entry_id: int | None, current_id: int | None = None) -> None:
    """For the disclosure form: the chosen entry exists and is in use (an entry a document
    is already filed under may stay even after it was retired). Raises ValidationError."""
    if not entry_id or entry_id == current_id:
        return
    entry = db.session.get(CatalogueEntry, entry_id)
    if entry is None or not entry.active:
        raise ValidationError("请从列表中选择公开目录事项。", field="catalogue_entry")


def whole_number(value: str | int | None, *, field: str, label: str, low: int,
                 high: int) -> int:
    """An integer typed into a form, or ValidationError saying what is allowed."""
    text = str(value if value is not None else "").strip()
    message = f"{label}请填写 {low} 到 {high} 之间的整数。"
    if not validation.is_number(text.removeprefix("-"), max_digits=8):
        raise ValidationError(message, field=field)
    number = int(text)
    if not low <= number <= high:
        raise ValidationError(message, field=field)
    return number


_ENTRY_TEXTS = (("level1", "一级事项", 100), ("level2", "二级事项", 100),
                ("time_limit", "公开时限", 200), ("subject", "公开主体", 100),
                ("channels", "公开渠道和载体", 300), ("audience", "公开对象", 100),
                ("manner", "公开方式", 100), ("tier", "公开层级", 100))


def _clean_entry(data: EntryInput) -> dict:
    fields = {name: validation.text(getattr(data, name), field=name, label=label,
                                    max_length=size)
              for name, label, size in _ENTRY_TEXTS}
    for name, label in (("content", "公开内容（要素）"), ("basis", "公开依据")):
        fields[name] = validation.text(getattr(data, name), field=name, label=label,
                                       max_length=2000, multiline=True)
    fields["max_age_days"] = whole_number(data.max_age_days, field="max_age_days",
                                          label="时效天数", low=1, high=MAX_AGE_LIMIT)
    fields["position"] = whole_number(data.position or 0, field="position", label="排序",
                                      low=0, high=99999)
    fields["active"] = bool(data.active)
    return fields


def _entry_snapshot(entry: CatalogueEntry) -> dict:
    return {name: getattr(entry, name) for name in (
        "level1", "level2", "content", "basis", "time_limit", "subject", "channels",
        "audience", "manner", "tier", "max_age_days", "position", "active")}


def _ensure_unique(fields: dict, entry_id: int | None) -> None:
    clash = db.session.scalar(select(CatalogueEntry.id).where(
        CatalogueEntry.level1 == fields["level1"], CatalogueEntry.level2 == fields["level2"]))
    if clash is not None and clash != entry_id:
        raise ValidationError("该一级事项下已有同名的二级事项。", field="level2")


def create_entry(actor, data: EntryInput) -> CatalogueEntry:
    """Add a catalogue entry. Requires `admin` on the county.
    Raises PermissionDenied, ValidationError or Conflict."""
    require_catalogue_admin(actor)
    fields = _clean_entry(data)
    _ensure_unique(fields, None)
    entry = CatalogueEntry(**fields)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "catalogue.create", entry, after=_entry_snapshot(entry))
    db.session.commit()
    return entry


def update_entry(actor, entry_id: int, data: EntryInput) -> CatalogueEntry:
    """Change an entry's columns, threshold, order or whether it is in use. Requires
    `admin` on the county. Raises PermissionDenied, NotFound or ValidationError."""
    entry = get_entry(entry_id)
    require(actor, Role.ADMIN, county_root(), action="catalogue.update", target=entry)
    fields = _clean_entry(data)
    _ensure_unique(fields, entry.id)
    before = _entry_snapshot(entry)
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.updated_at = utcnow()
    audit.record(actor, "catalogue.update", entry, before=before, after=_entry_snapshot(entry))
    db.session.commit()
    return entry


def _fax(value: str) -> str:
    """A landline with its area code, or empty when the office has no fax."""
    digits = re.sub(r"[\s()（）]", "", value or "").replace("+86", "", 1)
    if digits and not validation.LANDLINE.fullmatch(digits):
        raise ValidationError("请填写正确的传真号码：带区号的固定电话（如 0370-1234567）；"
                              "没有传真的不填。", field="fax")
    return digits


def _clean_guide(data: GuideInput) -> dict:
    fields = {
        "office": validation.text(data.office, field="office", label="受理机构", max_length=100),
        "address": validation.text(data.address, field="address", label="办公地址",
                                   max_length=200),
        "postal_code": validation.postal_code(data.postal_code),
        "hours": validation.text(data.hours, field="hours", label="办公时间", max_length=200),
        "phone": validation.phone(data.phone, field="phone"),
        "fax": _fax(data.fax),
        "email": validation.email(data.email, required=False),
    }
    for name, label in (("how_to_apply", "申请方式"), ("remedies", "监督和救济")):
        fields[name] = validation.text(getattr(data, name), field=name, label=label,
                                       max_length=3000, required=False, multiline=True)
    return fields


def save_guide(actor, organization: Organization, data: GuideInput) -> DisclosureGuide:
    """Create or change the organization's 公开指南. Requires `admin` on the organization.
    Raises PermissionDenied or ValidationError."""
    require(actor, Role.ADMIN, organization, action="guide.update")
    fields = _clean_guide(data)
    guide = db.session.scalar(select(DisclosureGuide).where(
        DisclosureGuide.organization_id == organization.id))
    before = None
    if guide is None:
        guide = DisclosureGuide(organization=organization)
        db.session.add(guide)
    else:
        before = {name: getattr(guide, name) for name in asdict(data)}
    for name, value in fields.items():
        setattr(guide, name, value)
    guide.updated_by_id = actor.id
    guide.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "guide.update", guide, before=before, after=fields)
    db.session.commit()
    return guide
