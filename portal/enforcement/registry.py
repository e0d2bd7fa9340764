"""事前公示: keeping the list of enforcing bodies, their officers (执法人员, 持证上岗、亮证执法:
each with a 执法证号 unique across the county) and their matters (执法事项 with the legal
basis). An `editor` on the body's organization keeps them; they are public as soon as they
are saved, like the 公开指南. Each operation checks, works, audits and commits once.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal import audit, validation
from portal.auth import policy
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.enforcement.models import (
    BodyKind,
    EnforcementBody,
    EnforcementMatter,
    EnforcementOfficer,
    MatterKind,
)
from portal.enforcement.queries import get_body
from portal.errors import ValidationError
from portal.extensions import db
from portal.organizations.models import Organization
from portal.timeutil import local_today

CERTIFICATE_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-")


@dataclass
class BodyInput:
    organization: Organization | None
    name: str
    kind: str
    duties: str = ""
    contact: str = ""


@dataclass
class OfficerInput:
    name: str
    certificate_number: str
    field: str = ""
    valid_until: date | None = None


@dataclass
class MatterInput:
    kind: str
    name: str
    basis: str


def create_body(actor, data: BodyInput) -> EnforcementBody:
    """Add an enforcing body under an organization. Requires `editor` there. Raises
    PermissionDenied or ValidationError."""
    if data.organization is None:
        raise ValidationError("请选择所属单位。", field="organization")
    require(actor, Role.EDITOR, data.organization, action="enforcement.body")
    kinds = {k.value: k.label for k in BodyKind}
    body = EnforcementBody(
        organization=data.organization,
        name=validation.text(data.name, field="name", label="执法主体名称", max_length=100),
        kind=BodyKind(validation.choice(data.kind, kinds, field="kind", label="主体资格")),
        duties=validation.text(data.duties, field="duties", label="职责权限", max_length=5000,
                               required=False, multiline=True),
        contact=validation.text(data.contact, field="contact", label="办公地址和电话",
                                max_length=200, required=False))
    db.session.add(body)
    db.session.flush()
    audit.record(actor, "enforcement.body", body,
                 after={"name": body.name, "organization_id": body.organization_id,
                        "kind": body.kind.value})
    db.session.commit()
    return body


def clean_certificate(value: str | None) -> str:
    """A 执法证号 as printed: letters, digits and hyphens, upper-cased, full-width folded."""
    number = unicodedata.normalize("NFKC", value or "").strip().upper()
    if not number:
        raise ValidationError("请填写执法证号。", field="certificate_number")
    if len(number) > 40 or not set(number) <= CERTIFICATE_CHARS:
        raise ValidationError("执法证号只能由数字、大写字母和连字符组成，最长 40 位。",
                              field="certificate_number")
    return number


def _taken(number: str) -> EnforcementOfficer | None:
    return db.session.scalar(select(EnforcementOfficer).where(
        func.upper(EnforcementOfficer.certificate_number) == number))


def add_officer(actor, body_id: int, data: OfficerInput) -> EnforcementOfficer:
    """Add an officer to a body's list. Requires `editor` on the body's organization.
    Raises PermissionDenied or ValidationError (a 执法证号 already on any body's list, a
    certificate already expired)."""
    body = get_body(body_id)
    policy.require(actor, "edit", body, audit_action="enforcement.officer")
    name = validation.text(data.name, field="name", label="姓名", max_length=40)
    number = clean_certificate(data.certificate_number)
    if (holder := _taken(number)) is not None:
        raise ValidationError(f"执法证号 {number} 已登记（{holder.body.name}：{holder.name}），"
                              "同一证号不能重复登记，请核对。", field="certificate_number")
    if data.valid_until is not None and data.valid_until < local_today():
        raise ValidationError("执法证已过有效期，不能登记为持证执法人员。", field="valid_until")
    officer = EnforcementOfficer(
        body=body, name=name, certificate_number=number, valid_until=data.valid_until,
        field=validation.text(data.field, field="field", label="执法类别", max_length=100,
                              required=False))
    db.session.add(officer)
    db.session.flush()
    audit.record(actor, "enforcement.officer", body,
                 after={"officer_id": officer.id, "name": name, "certificate_number": number})
    db.session.commit()
    return officer


def add_matter(actor, body_id: int, data: MatterInput) -> EnforcementMatter:
    """Add a matter with its legal basis to a body's list. Requires `editor` on the body's
    organization. Raises PermissionDenied or ValidationError."""
    body = get_body(body_id)
    policy.require(actor, "edit", body, audit_action="enforcement.matter")
    kinds = {k.value: k.label for k in MatterKind}
    matter = EnforcementMatter(
        body=body,
        kind=MatterKind(validation.choice(data.kind, kinds, field="kind", label="事项类别")),
        name=validation.text(data.name, field="name", label="事项名称", max_length=200),
        basis=validation.text(data.basis, field="basis", label="实施依据", max_length=5000,
                              multiline=True))
    db.session.add(matter)
    db.session.flush()
    audit.record(actor, "enforcement.matter", body,
                 after={"matter_id": matter.id, "kind": matter.kind.value, "name": matter.name})
    db.session.commit()
    return matter
