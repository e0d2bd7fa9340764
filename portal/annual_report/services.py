"""The annual report: reading it, editing what staff write, exporting it.

Who may do what — checked here, so the page and the CLI meet the same rule:
- read the report (and export it): `inspector`, `admin`, `reviewer` or `handler` on the
  organization (a grant covers its subtree);
- edit sections 一、五、六 and the 手工填报 figures of table 二: `admin` or `reviewer`, while
  the report is not frozen (`states`);
- 定稿, 报送 and 退回修改: see `freezing.py`;
- record 行政复议、行政诉讼 cases: `admin` or `handler` (see `appeals.py`).

A report covers the organization's whole subtree: a town's covers its departments and
villages, the county's covers everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from portal import audit, validation
from portal.annual_report import export, queries, states
from portal.annual_report.assembly import Report, assemble
from portal.annual_report.figures import (
    FIRST_YEAR,
    MANUAL_FIELDS,
    NARRATIVE_SECTIONS,
    REGISTER_FIELDS,
    clean_manual_figures,
)
from portal.annual_report.models import AnnualReport
from portal.annual_report.states import EDIT_ROLES
from portal.auth.models import Role
from portal.auth.permissions import require_any
from portal.auth.system import SystemActor
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationError
from portal.extensions import db
from portal.organizations.models import Organization, OrgKind
from portal.organizations.services import get_by_slug
from portal.timeutil import local_today, utcnow

READ_ROLES = (Role.INSPECTOR, Role.ADMIN, Role.REVIEWER, Role.HANDLER)
NARRATIVE_FIELDS = NARRATIVE_SECTIONS
NARRATIVE_MAX_LENGTH = 20_000


@dataclass(frozen=True)
class ExportFile:
    filename: str
    fallback_name: str  # ASCII, for clients that ignore `filename*`
    mimetype: str
    content: bytes


# --- which report ----------------------------------------------------------------------------

def validate_year(year: int | str) -> int:
    """A report year from 2008 (the 条例 took effect) up to this year. Raises
    ValidationError with a Chinese message."""
    latest = local_today().year
    text = str(year).strip()
    if not text.isascii() or not text.isdigit() or not FIRST_YEAR <= int(text) <= latest:
        raise ValidationError(f"年度“{text}”无效：应为 {FIRST_YEAR} 年至 {latest} 年之间的"
                              f"四位数年份，例如 {latest - 1}。", field="year")
    return int(text)


def _granted_tops(actor) -> list[Organization]:
    if isinstance(actor, SystemActor):
        stmt = select(Organization).where(Organization.parent_id.is_(None))
        return list(db.session.scalars(stmt.order_by(Organization.path)))
    from portal.auth.policy import Actor

    return sorted(set(Actor.of(actor).organizations(READ_ROLES)),
                  key=lambda org: (org.depth, org.path))


def visible_organizations(actor) -> list[Organization]:
    """The organizations whose report `actor` may read, in tree order."""
    tops = _granted_tops(actor)
    if not tops:
        return []
    # Villages are not administrative organs (条例 第二条): they publish no annual report.
    stmt = select(Organization).where(or_(*(Organization.path.startswith(t.path)
                                            for t in tops)),
                                      Organization.kind != OrgKind.VILLAGE)
    return list(db.session.scalars(stmt.order_by(Organization.path)))


def resolve_organization(actor, slug: str | None) -> Organization:
    """The organization named by `slug`, else the actor's top organization (the shallowest
    one a reading grant is held on; for the command line, the root of the tree). Raises
    NotFound or PermissionDenied; whether the actor may read it is checked by the caller."""
    if slug:
        return get_by_slug(slug)
    tops = _granted_tops(actor)
    if tops:
        return tops[0]
    if isinstance(actor, SystemActor):
        raise NotFound("尚未建立任何单位。")
    raise PermissionDenied(action="annual_report.view", actor=actor)


def may_edit(actor, org: Organization) -> bool:
    """Whether `actor` holds a role that edits `org`'s report (while it is not frozen)."""
    return any(actor.has_role(role, org) for role in EDIT_ROLES)


# --- reading ----------------------------------------------------------------------------------

def get_report(actor, year: int | str, slug: str | None = None) -> Report:
    """The report of `slug` (default: the actor's top organization) for `year`.

    Requires a reading role (inspector, admin, reviewer, handler) on the organization.
    Raises ValidationError (year), NotFound (organization) or PermissionDenied (audited).
    """
    year = validate_year(year)
    org = resolve_organization(actor, slug)
    require_any(actor, READ_ROLES, org, action="annual_report.view", target=org)
    return assemble(org, year)


def form_data(report: Report) -> dict:
    """The edit form's initial values: the narrative and the figures as entered (a
    register-filled figure is blank unless it was typed over)."""
    overrides = report.overrides or {}
    return {**report.narrative, **{
        key: (str(overrides[key]) if key in overrides else "") if key in REGISTER_FIELDS
        else str(value) for key, value in report.manual.items()}}


# --- editing ----------------------------------------------------------------------------------

def _snapshot(record: AnnualReport) -> dict:
    stored = record.figures or {}
    return {**{key: getattr(record, key) or "" for key in NARRATIVE_FIELDS},
            **{key: stored.get(key, None if key in REGISTER_FIELDS else 0)
               for key in MANUAL_FIELDS}}


def save_report(actor, year: int | str, slug: str | None,
                values: Mapping[str, str | None]) -> AnnualReport:
    """Save sections 一、五、六 and the 手工填报 figures of table 二 of one report.

    Requires `admin` or `reviewer` on the organization. Every save is audited
    (`annual_report.save`, with the fields that changed). Raises ValidationError,
    NotFound, PermissionDenied (audited) or Conflict (the report is frozen — the attempt is
    audited as `annual_report.edit_frozen` — or was saved by someone else at the same
    moment for the first time).
    """
    year = validate_year(year)
    org = resolve_organization(actor, slug)
    require_any(actor, EDIT_ROLES, org, action="annual_report.save", target=org)
    record = queries.stored_report(org, year, lock=True)
    if refused := states.edit_refusal(record):
        raise Conflict(refused, audit_action="annual_report.edit_frozen", target=record)
    narrative = {key: validation.text(values.get(key), field=key, label=label,
                                      max_length=NARRATIVE_MAX_LENGTH, required=False,
                                      multiline=True)
                 for key, label in NARRATIVE_FIELDS.items()}
    figures = clean_manual_figures({key: values.get(key) for key in MANUAL_FIELDS})
    if record is None:
        record = AnnualReport(organization=org, year=year, figures={})
        db.session.add(record)
    before = _snapshot(record)
    for key, text in narrative.items():
        setattr(record, key, text)
    record.figures = figures
    record.updated_at = utcnow()
    record.updated_by_id = getattr(actor, "id", None)
    after = _snapshot(record)
    changed = [key for key in after if str(before[key]) != str(after[key])]
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("该报告刚刚由他人首次保存，请刷新页面后重新填写。") from None
    audit.record(actor, "annual_report.save", record,
                 before={key: before[key] for key in changed},
                 after={"organization": org.slug, "year": year,
                        **{key: after[key] for key in changed}},
                 message=f"{org.name}{year}年政府信息公开工作年度报告")
    db.session.commit()
    return record


# --- exporting --------------------------------------------------------------------------------

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


def export_report(actor, year: int | str, slug: str | None, fmt: str) -> ExportFile:
    """The report as a file: xlsx (the official layout), csv (one figure a line) or html
    (a standalone printable page). Requires a reading role on the organization; every
    export is audited (`annual_report.export`, with the report's state and, once frozen,
    the digest of the figures exported). Raises ValidationError, NotFound or
    PermissionDenied (audited).
    """
    if fmt not in FORMATS:
        raise ValidationError(f"不支持的导出格式“{fmt}”，可选：{'、'.join(FORMATS)}。",
                              field="format")
    report = get_report(actor, year, slug)
    content = {"xlsx": export.to_xlsx, "csv": export.to_csv, "html": export.to_html}[fmt](report)
    org = report.organization
    audit.record(actor, "annual_report.export", org,
                 after={"organization": org.slug, "year": report.year, "format": fmt,
                        "check_passed": report.check.passed, "status": report.status.value,
                        "digest": report.digest})
    db.session.commit()
    return ExportFile(filename=f"{report.year}-{org.slug}-政府信息公开年度报告.{fmt}",
                      fallback_name=f"{report.year}-{org.slug}-annual-report.{fmt}",
                      mimetype=FORMATS[fmt], content=content)
