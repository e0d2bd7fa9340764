"""定稿、报送、退回修改: the annual report becomes a frozen, audited record (条例第四十九条、
第五十条: the report is filed and published; later events must not rewrite it).

- 定稿 (`finalize`): `admin` or `reviewer` on the organization, once the year is over and
  the 勾稽关系 check passes. Tables 二、三、四, the check and the narrative are stored as they
  stand (`frozen`); from then on every page, export and the command line show them.
- 报送 (`submit`): `admin` or `reviewer`, on a 定稿, with the date it was submitted.
- 退回修改 (`reopen`): `admin` only, on a 定稿 not yet 报送, with a reason; the snapshot is
  dropped (its digest and totals stay in the audit log) and the report is editable again.

Each checks permission and state (`states`), acts, records one audit event and commits once.
"""

from __future__ import annotations

from datetime import date

from portal import audit, validation
from portal.annual_report import attestation, frozen, queries, states
from portal.annual_report.assembly import Report, assemble
from portal.annual_report.figures import TOTAL
from portal.annual_report.models import REASON_MAX_LENGTH, AnnualReport
from portal.annual_report.services import resolve_organization, validate_year
from portal.auth.permissions import require_any
from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.organizations.models import Organization
from portal.timeutil import local_today, to_local, utcnow


def may(actor, action: str, report: Report) -> bool:
    """Whether `actor` may take `action` (finalize, submit, reopen) on `report` now."""
    transition = states.TRANSITIONS[action]
    return states.refusal(action, report.stored) is None and any(
        actor.has_role(role, report.organization) for role in transition.roles)


def _record(actor, action: str, year: int | str, slug: str | None
            ) -> tuple[Organization, int, AnnualReport | None]:
    """The organization, year and locked report `action` applies to, permission and state
    checked. Raises ValidationError, NotFound, PermissionDenied (audited) or Conflict."""
    year = validate_year(year)
    org = resolve_organization(actor, slug)
    require_any(actor, states.TRANSITIONS[action].roles, org,
                action=f"annual_report.{action}", target=org)
    record = queries.stored_report(org, year, lock=True)
    if refused := states.refusal(action, record):
        raise Conflict(refused)
    return org, year, record


def _totals(snapshot: dict) -> dict:
    counts = snapshot["applications"]["counts"]
    return {row: counts[row][TOTAL] for row in ("new", "carried_in", "answered_total",
                                                "carried_out")}


def finalize(actor, year: int | str, slug: str | None = None) -> AnnualReport:
    """定稿: freeze the report as it stands. Raises Conflict when the year is not over, the
    report is already frozen, or the 勾稽关系 check fails (naming the failing columns and
    the applications without a valid outcome); nothing is saved then."""
    org, year, record = _record(actor, "finalize", year, slug)
    if year >= local_today().year:
        raise Conflict(f"{year} 年尚未结束，年度报告不能定稿。")
    report = assemble(org, year)
    if not report.check.passed:
        failing = "；".join(f"{m.label}（一 + 二 = {m.received}，三（七） + 四 = {m.settled}）"
                           for m in report.check.mismatches)
        unclassified = report.applications.unclassified
        raise Conflict(f"勾稽关系校验不通过，不能定稿：{failing}。"
                       + (f"以下已答复的申请没有有效的处理结果：{'、'.join(unclassified)}。"
                          if unclassified else "") + "请核对后再定稿。")
    if record is None:
        record = AnnualReport(organization=org, year=year, figures={})
        db.session.add(record)
    now = utcnow()
    snapshot = frozen.snapshot_of(
        narrative=report.narrative, manual={**report.registered, **(record.figures or {})},
        overrides=report.overrides,
        applications=report.applications, appeals=report.appeals,
        check=report.check.summary, counted_at=now,
        carried_in_from=report.carried_in_from, missed=report.missed,
        fees=report.fees.as_dict() if report.fees is not None else None)
    record.frozen, record.frozen_digest = snapshot, frozen.digest(snapshot)
    record.status = states.TRANSITIONS["finalize"].target
    record.finalized_at, record.finalized_by_id = now, getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, "annual_report.finalize", record, before={"status": "draft"},
                 after={"status": record.status.value, "organization": org.slug, "year": year,
                        "digest": record.frozen_digest, "totals": _totals(snapshot),
                        "appeals": sum(report.appeals.all_cells()[4::5])},
                 message=f"{org.name}{year}年政府信息公开工作年度报告定稿")
    db.session.commit()
    attestation.sign_after_freeze()
    return record


def submit(actor, year: int | str, slug: str | None, submitted_on: date | None
           ) -> AnnualReport:
    """报送: record that the 定稿 was submitted, on `submitted_on` (not after today, not
    before the 定稿). Raises ValidationError or Conflict; nothing is saved then."""
    org, year, record = _record(actor, "submit", year, slug)
    if submitted_on is None:
        raise ValidationError("请填写报送日期。", field="submitted_on")
    finalized_on = to_local(record.finalized_at).date()
    if submitted_on > local_today():
        raise ValidationError("报送日期不能晚于今天。", field="submitted_on")
    if submitted_on < finalized_on:
        raise ValidationError(f"报送日期不能早于定稿日期（{finalized_on.isoformat()}）。",
                              field="submitted_on")
    record.status = states.TRANSITIONS["submit"].target
    record.submitted_on, record.submitted_at = submitted_on, utcnow()
    record.submitted_by_id = getattr(actor, "id", None)
    audit.record(actor, "annual_report.submit", record, before={"status": "finalized"},
                 after={"status": record.status.value, "organization": org.slug, "year": year,
                        "submitted_on": submitted_on, "digest": record.frozen_digest},
                 message=f"{org.name}{year}年政府信息公开工作年度报告报送")
    db.session.commit()
    return record


def reopen(actor, year: int | str, slug: str | None, reason: str) -> AnnualReport:
    """退回修改: an admin reopens a 定稿 that is not yet 报送, giving a reason. The frozen
    figures are dropped; the audit event keeps their digest and totals. Raises
    ValidationError (no reason) or Conflict (not a 定稿, or already 报送)."""
    org, year, record = _record(actor, "reopen", year, slug)
    reason = validation.text(reason, field="reason", label="退回修改的理由",
                             max_length=REASON_MAX_LENGTH, multiline=True)
    before = {"status": record.status.value, "digest": record.frozen_digest,
              "finalized_at": record.finalized_at, "totals": _totals(record.frozen)}
    record.status = states.TRANSITIONS["reopen"].target
    record.frozen = record.frozen_digest = None
    record.finalized_at = record.finalized_by_id = None
    record.reopened_at, record.reopened_by_id = utcnow(), getattr(actor, "id", None)
    record.reopen_reason = reason
    audit.record(actor, "annual_report.reopen", record, before=before,
                 after={"status": record.status.value, "organization": org.slug, "year": year,
                        "reason": reason},
                 message=reason)
    db.session.commit()
    return record

