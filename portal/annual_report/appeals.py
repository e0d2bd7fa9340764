"""行政复议、行政诉讼 about information disclosure: staff record each case and its result, and
table 四 of the annual report counts them.

Recording and updating require `admin` or `handler` on the case's organization; reading the
list requires a reading role of the report (see `services.READ_ROLES`). Every change is
audited and committed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal import audit, validation
from portal.annual_report import queries
from portal.annual_report.models import NOTE_MAX_LENGTH, AppealKind, AppealResult, InfoAppeal
from portal.annual_report.services import READ_ROLES, resolve_organization, validate_year
from portal.auth.models import Role
from portal.auth.permissions import require_any
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.inquiries.models import InquiryType
from portal.organizations.models import Organization
from portal.organizations.services import get_by_slug, subtree
from portal.timeutil import local_today, utcnow

APPEAL_ROLES = (Role.ADMIN, Role.HANDLER)


@dataclass
class AppealInput:
    organization: str = ""  # slug
    kind: str = ""
    result: str = AppealResult.PENDING.value
    filed_on: date | None = None
    decided_on: date | None = None
    inquiry_number: str = ""
    note: str = ""


@dataclass
class AppealListing:
    organization: Organization
    year: int
    appeals: list[InfoAppeal]
    recordable: list[Organization]  # where the actor may record or update cases
    report_frozen: bool = False  # the year's report is 定稿: changes show in its 对账说明

    @property
    def may_record(self) -> bool:
        return bool(self.recordable)


def may_record(actor, org: Organization) -> bool:
    """Whether `actor` may record or update cases of `org` (admin or handler there)."""
    return any(actor.has_role(role, org) for role in APPEAL_ROLES)


def list_appeals(actor, year: int | str, slug: str | None = None) -> AppealListing:
    """The cases of the organization's subtree that table 四 of `year` counts (filed during
    the year, or filed earlier and decided during it), and where the actor may record new
    ones. Requires a reading role. Raises ValidationError, NotFound or PermissionDenied
    (audited)."""
    year = validate_year(year)
    org = resolve_organization(actor, slug)
    require_any(actor, READ_ROLES, org, action="info_appeal.view", target=org)
    stored = queries.stored_report(org, year)
    return AppealListing(org, year, queries.appeals_counted(org, year),
                         [o for o in subtree(org) if may_record(actor, o)],
                         report_frozen=stored is not None and stored.is_frozen)


def _choice(value: str, kind: type[AppealKind] | type[AppealResult], field: str,
            label: str):
    options = {member.value: member.label for member in kind}
    return kind(validation.choice(value, options, field=field, label=label))


def _dates(result: AppealResult, filed_on: date | None,
           decided_on: date | None) -> date | None:
    """Check the dates; the decision date is kept only for a decided case."""
    today = local_today()
    if filed_on is None:
        raise ValidationError("请填写申请复议或起诉的日期。", field="filed_on")
    if filed_on > today:
        raise ValidationError("申请复议或起诉的日期不能晚于今天。", field="filed_on")
    if result is AppealResult.PENDING:
        return None
    if decided_on is None:
        raise ValidationError(f"结果为“{result.label}”时请填写审结日期。", field="decided_on")
    if decided_on < filed_on or decided_on > today:
        raise ValidationError("审结日期应在申请复议或起诉之日与今天之间。", field="decided_on")
    return decided_on


def _note(text: str) -> str:
    return validation.text(text, field="note", label="备注", max_length=NOTE_MAX_LENGTH,
                           required=False, multiline=True)


def _linked_inquiry(number: str, org: Organization):
    number = (number or "").strip()
    if not number:
        return None
    inquiry = queries.inquiry_by_number(number)
    if inquiry is None or inquiry.type is not InquiryType.INFO_REQUEST:
        raise ValidationError(f"找不到受理编号为“{number}”的政府信息公开申请。",
                              field="inquiry_number")
    if not org.contains(inquiry.organization):
        raise ValidationError(f"受理编号“{number}”的申请不由{org.name}（或其下属单位）办理。",
                              field="inquiry_number")
    return inquiry


def _snapshot(appeal: InfoAppeal) -> dict:
    return {"organization": appeal.organization.slug, "kind": appeal.kind.value,
            "result": appeal.result.value, "filed_on": appeal.filed_on,
            "decided_on": appeal.decided_on, "inquiry_id": appeal.inquiry_id,
            "note": appeal.note}


def record_appeal(actor, data: AppealInput) -> InfoAppeal:
    """Record a 行政复议 or 行政诉讼 case. Requires `admin` or `handler` on its organization.
    Raises ValidationError, NotFound or PermissionDenied (audited)."""
    if not data.organization:
        raise ValidationError("请选择被申请复议或被起诉的单位。", field="organization")
    org = get_by_slug(data.organization)
    require_any(actor, APPEAL_ROLES, org, action="info_appeal.record", target=org)
    kind = _choice(data.kind, AppealKind, "kind", "类型")
    result = _choice(data.result, AppealResult, "result", "结果")
    appeal = InfoAppeal(organization=org, kind=kind, result=result, filed_on=data.filed_on,
                        decided_on=_dates(result, data.filed_on, data.decided_on),
                        inquiry=_linked_inquiry(data.inquiry_number, org),
                        note=_note(data.note), recorded_by_id=getattr(actor, "id", None))
    db.session.add(appeal)
    db.session.flush()
    audit.record(actor, "info_appeal.record", appeal, after=_snapshot(appeal))
    db.session.commit()
    return appeal


def update_appeal(actor, appeal_id: int, result: str, decided_on: date | None,
                  note: str) -> InfoAppeal:
    """Record how a case ended (or correct it). Requires `admin` or `handler` on its
    organization. Raises NotFound, ValidationError or PermissionDenied (audited)."""
    appeal = db.session.get(InfoAppeal, appeal_id)
    if appeal is None:
        raise NotFound("找不到该复议或诉讼记录。")
    require_any(actor, APPEAL_ROLES, appeal.organization, action="info_appeal.update",
                target=appeal)
    before = _snapshot(appeal)
    appeal.result = _choice(result, AppealResult, "result", "结果")
    appeal.decided_on = _dates(appeal.result, appeal.filed_on, decided_on)
    appeal.note = _note(note)
    appeal.updated_at = utcnow()
    after = _snapshot(appeal)
    changed = [key for key in after if before[key] != after[key]]
    audit.record(actor, "info_appeal.update", appeal,
                 before={key: before[key] for key in changed},
                 after={key: after[key] for key in changed})
    db.session.commit()
    return appeal
