"""矛盾纠纷排查化解: a village's 网格员 files the day's check (日摸排, a nil report when
nothing was found) and records the disputes found; the 网格员 or the town's 综治中心 takes
a dispute up for mediation and records its resolution; only the 综治中心 hands one up
beyond the town (上交). Each operation checks the policy, validates every field before
anything is set, records the audit event and commits once; status changes follow the
table in `portal.disputes.lifecycle`.

The parties and the summary never reach the audit log: it keeps the dispute's type,
village, dates and the person responsible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from portal import audit, validation
from portal.auth.models import Role
from portal.auth.permissions import require, require_any
from portal.disputes.models import DailyCheck, Dispute, DisputeStatus, DisputeType
from portal.disputes.queries import get_dispute
from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.lifecycle import check, transition
from portal.organizations.models import Organization, OrgKind
from portal.timeutil import local_today, utcnow

BACKFILL_DAYS = 31  # 补报: a missed check may be filed up to a month later


@dataclass
class CheckInput:
    village: Organization | None
    check_date: date | None
    result: str  # "nil" (零报告) or "found"
    note: str = ""


@dataclass
class DisputeInput:
    village: Organization | None
    type: str
    parties: str
    summary: str
    responsible: str
    reported_on: date | None


@dataclass
class CloseInput:
    closed_on: date | None
    outcome: str


RESULTS = {"nil": "零报告（未发现矛盾纠纷）", "found": "发现矛盾纠纷"}


def _village(village: Organization | None) -> Organization:
    if village is None or village.kind is not OrgKind.VILLAGE:
        raise ValidationError("请选择所在村（矛盾纠纷按村登记）。", field="village")
    return village


def _past(day: date | None, *, field: str, label: str) -> date:
    if day is None:
        raise ValidationError(f"请填写{label}（如 {local_today().isoformat()}）。", field=field)
    if day > local_today():
        raise ValidationError(f"{label} {day.isoformat()} 晚于今天：只能登记已经发生的情况，"
                              "请核对日期。", field=field)
    return day


def snapshot(d: Dispute) -> dict:
    """What the audit log keeps of a dispute: never the parties or the summary."""
    return {"village_id": d.village_id, "type": d.type.value, "status": d.status.value,
            "responsible": d.responsible, "reported_on": d.reported_on,
            "resolved_on": d.resolved_on}


def _disputes_on(village_id: int, day: date) -> int:
    return db.session.scalar(select(func.count()).select_from(Dispute).where(
        Dispute.village_id == village_id, Dispute.reported_on == day)) or 0


def file_check(actor, data: CheckInput) -> DailyCheck:
    """File a village's check of one day. Requires `grid_worker` on the village. Raises
    PermissionDenied, ValidationError (no village, a day in the future or past the
    backfill window, a nil report on a day with disputes recorded) or Conflict (that day
    already filed)."""
    village = _village(data.village)
    require(actor, Role.GRID_WORKER, village, action="dispute_check.create")
    day = _past(data.check_date, field="check_date", label="排查日期")
    if day < local_today() - timedelta(days=BACKFILL_DAYS):
        raise ValidationError(f"只能补报 {BACKFILL_DAYS} 天以内的排查（{day.isoformat()} "
                              "已超过）。", field="check_date")
    result = validation.choice(data.result, RESULTS, field="result", label="排查结果")
    note = validation.text(data.note, field="note", label="情况说明", max_length=2000,
                           required=False, multiline=True)
    found = _disputes_on(village.id, day)
    if result == "nil" and found:
        raise ValidationError(f"{village.name} {day.isoformat()} 已登记 {found} 件矛盾纠纷，"
                              "不能报送零报告，请选择“发现矛盾纠纷”。", field="result")
    if db.session.scalar(select(DailyCheck.id).where(
            DailyCheck.village_id == village.id, DailyCheck.check_date == day)):
        raise Conflict(f"{village.name} {day.isoformat()} 的排查已经报送，不能重复报送。",
                       field="check_date")
    entry = DailyCheck(village=village, check_date=day, nil=result == "nil", note=note,
                       reporter_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "dispute_check.create", entry,
                 after={"village_id": village.id, "check_date": day, "nil": entry.nil})
    db.session.commit()
    return entry


def _values(data: DisputeInput) -> dict:
    village = _village(data.village)
    types = {t.value: t.label for t in DisputeType}
    return dict(
        village=village,
        type=DisputeType(validation.choice(data.type, types, field="type", label="纠纷类型")),
        parties=validation.text(data.parties, field="parties", label="当事人", max_length=500,
                                multiline=True),
        summary=validation.text(data.summary, field="summary", label="纠纷简要情况",
                                max_length=5000, multiline=True),
        responsible=validation.text(data.responsible, field="responsible", label="化解责任人",
                                    max_length=40),
        reported_on=_past(data.reported_on, field="reported_on", label="排查发现日期"))


def create_dispute(actor, data: DisputeInput) -> Dispute:
    """Record a dispute found in a village (排查). Requires `grid_worker` on the village or
    `governance_center` on its town. A nil report already filed for that day becomes
    “发现矛盾纠纷”. Raises PermissionDenied or ValidationError; nothing is saved then."""
    village = _village(data.village)
    require_any(actor, (Role.GRID_WORKER, Role.GOVERNANCE_CENTER), village,
                action="dispute.create")
    values = _values(data)
    dispute = Dispute(status=DisputeStatus.SCREENING, reporter_id=actor.id, **values)
    db.session.add(dispute)
    _found_that_day(dispute)
    db.session.flush()
    audit.record(actor, "dispute.create", dispute, after=snapshot(dispute))
    db.session.commit()
    return dispute


def _found_that_day(dispute: Dispute) -> None:
    """A nil report filed for the day the dispute was found now says one was found."""
    same_day = db.session.scalar(select(DailyCheck).where(
        DailyCheck.village_id == dispute.village.id,
        DailyCheck.check_date == dispute.reported_on))
    if same_day is not None and same_day.nil:
        same_day.nil = False


def update_dispute(actor, dispute_id: int, data: DisputeInput) -> Dispute:
    """Correct a dispute still in 排查 or 调解中. Requires `grid_worker` or
    `governance_center` on its village and on the village it is moved to. Raises
    PermissionDenied, InvalidTransition (already resolved or handed up) or
    ValidationError; nothing changes then."""
    dispute = get_dispute(dispute_id)
    check(actor, dispute, "edit")
    village = _village(data.village)
    require_any(actor, (Role.GRID_WORKER, Role.GOVERNANCE_CENTER), village,
                action="dispute.edit")
    values = _values(data)
    before = snapshot(dispute)
    for name, value in values.items():
        setattr(dispute, name, value)
    _found_that_day(dispute)
    transition(actor, dispute, "edit", data={"before": before, **snapshot(dispute)})
    db.session.commit()
    return dispute


def mediate(actor, dispute_id: int) -> Dispute:
    """排查 → 调解中. Raises PermissionDenied or InvalidTransition."""
    dispute = get_dispute(dispute_id)
    transition(actor, dispute, "mediate", data=snapshot(dispute))
    db.session.commit()
    return dispute


def _close(actor, dispute_id: int, action: str, data: CloseInput, label: str) -> Dispute:
    dispute = get_dispute(dispute_id)
    check(actor, dispute, action)
    day = _past(data.closed_on, field="closed_on", label=f"{label}日期")
    if day < dispute.reported_on:
        found = dispute.reported_on.isoformat()
        raise ValidationError(f"{label}日期不能早于排查发现日期 {found}。", field="closed_on")
    outcome = validation.text(data.outcome, field="outcome",
                              label="化解结果" if action == "resolve" else "上交去向",
                              max_length=2000, multiline=True)
    dispute.resolved_on, dispute.outcome, dispute.updated_at = day, outcome, utcnow()
    transition(actor, dispute, action, data={**snapshot(dispute),
                                             "days_to_close": dispute.days_to_close})
    db.session.commit()
    return dispute


def resolve(actor, dispute_id: int, data: CloseInput) -> Dispute:
    """调解中 → 化解, with the day and the result. Raises PermissionDenied,
    InvalidTransition or ValidationError (no date, a date in the future or before the
    dispute was found, no result)."""
    return _close(actor, dispute_id, "resolve", data, "化解")


def escalate(actor, dispute_id: int, data: CloseInput) -> Dispute:
    """调解中 → 上交 (to the county's bodies, a court…). Requires `governance_center`."""
    return _close(actor, dispute_id, "escalate", data, "上交")
