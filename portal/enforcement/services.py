"""事后公示 of enforcement decisions (国办发〔2018〕118号): an `editor` records a 行政许可,
行政处罚 or 行政强制 decision of a body of their organization; a `reviewer` other than its
author publishes it (先审后发), within 7 working days of the decision (`publish_due`;
`portal.workdays`); a reviewer records a revocation, which takes it off the public pages.
Each operation checks the policy, does the work, records the audit event and commits once;
publishing and revoking follow the table in `portal.enforcement.lifecycle`.

The party's ID number is validated and stored for the credit platform's export, but never
written to the audit log: the log keeps the decision's number, kind and dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from portal import audit, validation
from portal.auth import policy
from portal.enforcement import publication
from portal.enforcement.models import (
    DecisionKind,
    DecisionStatus,
    EnforcementBody,
    EnforcementDecision,
    PartyKind,
)
from portal.enforcement.queries import get_decision, staff_decisions
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.lifecycle import check, transition
from portal.timeutil import local_today, utcnow
from portal.workdays.calendar import working_deadline

PUBLISH_WITHIN_WORKING_DAYS = 7  # 国办发〔2018〕118号: 自作出决定之日起 7 个工作日内
MAX_FINE = Decimal("100000000")  # 万元


@dataclass
class DecisionInput:
    body: EnforcementBody | None
    kind: str
    document_number: str
    title: str
    party_kind: str
    party_name: str
    party_code: str
    basis: str
    content: str
    decided_on: date | None
    facts: str = ""
    legal_representative: str = ""
    fine_amount: str = ""
    valid_from: date | None = None
    valid_until: date | None = None


def snapshot(d: EnforcementDecision) -> dict:
    """What the audit log keeps of a decision: never the party's ID number."""
    return {"kind": d.kind.value, "document_number": d.document_number, "title": d.title,
            "body_id": d.body_id, "party_kind": d.party_kind.value,
            "decided_on": d.decided_on, "publish_due": d.publish_due,
            "fine_amount": str(d.fine_amount) if d.fine_amount is not None else None}


def _fine(text: str, kind: DecisionKind) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    if kind is not DecisionKind.PENALTY:
        raise ValidationError("只有行政处罚决定填写罚款金额。", field="fine_amount")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or not text.isascii() \
            or value != value.quantize(Decimal("0.0001")) or value >= MAX_FINE:
        raise ValidationError("罚款金额应为不小于 0 的数字（单位：万元，最多四位小数），"
                              "如 0.2 表示 2000 元。", field="fine_amount")
    return value


def _party_code(kind: PartyKind, value: str) -> str:
    if kind is PartyKind.NATURAL:
        return validation.id_number(value, field="party_code")
    if not (value or "").strip() and kind is PartyKind.SOLE_TRADER:
        return ""
    return validation.credit_code(value, field="party_code")


def _decided_on(day: date | None) -> date:
    if day is None:
        raise ValidationError("请填写决定日期。", field="decided_on")
    if day > local_today():
        raise ValidationError(f"决定日期 {day.isoformat()} 晚于今天：只能公示已经作出的决定，"
                              "请核对日期。", field="decided_on")
    return day


def _validity(data: DecisionInput, kind: DecisionKind) -> tuple[date | None, date | None]:
    if kind is not DecisionKind.LICENSING:
        return None, None
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        raise ValidationError("有效期至不能早于有效期自。", field="valid_until")
    return data.valid_from, data.valid_until


def _apply(d: EnforcementDecision, data: DecisionInput) -> None:
    """Validate every field before anything is set on `d`, so a refusal changes nothing."""
    kinds = {k.value: k.label for k in DecisionKind}
    parties = {k.value: k.label for k in PartyKind}
    kind = DecisionKind(validation.choice(data.kind, kinds, field="kind", label="决定类别"))
    party_kind = PartyKind(validation.choice(data.party_kind, parties, field="party_kind",
                                             label="行政相对人类别"))
    values = dict(
        kind=kind, party_kind=party_kind,
        document_number=validation.text(data.document_number, field="document_number",
                                        label="决定文书号", max_length=100),
        title=validation.text(data.title, field="title", label="决定文书名称",
                              max_length=200),
        party_name=validation.text(data.party_name, field="party_name",
                                   label="行政相对人名称", max_length=100),
        party_code=_party_code(party_kind, data.party_code),
        legal_representative=validation.text(
            data.legal_representative, field="legal_representative", label="法定代表人",
            max_length=40, required=False) if party_kind is not PartyKind.NATURAL else "",
        facts=validation.text(data.facts, field="facts", label="违法事实或许可事项",
                              max_length=5000, required=False, multiline=True),
        basis=validation.text(data.basis, field="basis", label="法律依据", max_length=5000,
                              multiline=True),
        content=validation.text(data.content, field="content", label="决定内容",
                                max_length=5000, multiline=True),
        fine_amount=_fine(data.fine_amount, kind),
        decided_on=_decided_on(data.decided_on),
    )
    values["valid_from"], values["valid_until"] = _validity(data, kind)
    due = working_deadline(values["decided_on"], PUBLISH_WITHIN_WORKING_DAYS)
    values["publish_due"], values["publish_due_provisional"] = due.due, due.provisional
    for name, value in values.items():
        setattr(d, name, value)
    d.updated_at = utcnow()


def create_decision(actor, data: DecisionInput) -> EnforcementDecision:
    """Record a decision of `data.body`, awaiting publication. Requires `editor` on the
    body's organization. Raises PermissionDenied or ValidationError (a decision date in the
    future, an ID number or credit code that does not check, …); nothing is saved then."""
    if data.body is None:
        raise ValidationError("请选择执法主体。", field="body")
    policy.require(actor, "edit", data.body, audit_action="enforcement.create")
    decision = EnforcementDecision(status=DecisionStatus.DRAFT, author_id=actor.id)
    _apply(decision, data)
    decision.body, decision.organization = data.body, data.body.organization
    db.session.add(decision)
    db.session.flush()
    audit.record(actor, "enforcement.create", decision, after=snapshot(decision))
    db.session.commit()
    return decision


def update_decision(actor, decision_id: int, data: DecisionInput) -> EnforcementDecision:
    """Correct a decision that awaits publication. Requires `editor` on its organization
    (and on the new body's). Raises PermissionDenied, InvalidTransition (already public or
    revoked) or ValidationError.

    A corrected decision date moves the deadline, except past a deadline already missed:
    inspectors may have seen the decision listed late, and a later date must not take it
    off that list. The missed day stays the deadline (the audit event keeps both dates)."""
    decision = get_decision(decision_id)
    check(actor, decision, "edit")
    if data.body is None:
        raise ValidationError("请选择执法主体。", field="body")
    policy.require(actor, "edit", data.body, audit_action="enforcement.edit")
    before = snapshot(decision)
    missed = decision.publish_due if decision.publish_due < local_today() else None
    _apply(decision, data)
    if missed is not None and decision.publish_due > missed:
        decision.publish_due = missed
    decision.body, decision.organization = data.body, data.body.organization
    transition(actor, decision, "edit", data={"before": before, **snapshot(decision)})
    db.session.commit()
    return decision


def publish_decision(actor, decision_id: int) -> EnforcementDecision:
    """公示: make a decision public. Requires `reviewer` on its organization, not its
    author. A publication after `publish_due` is recorded as late (the audit event says
    so and inspectors see it). Raises PermissionDenied or InvalidTransition."""
    decision = get_decision(decision_id)
    check(actor, decision, "publish")
    decision.published_at = utcnow()
    transition(actor, decision, "publish",
               data=lambda: {"publish_due": decision.publish_due, "late": decision.is_late,
                             "days_late": decision.days_late})
    db.session.commit()
    return decision


def revoke_decision(actor, decision_id: int, reason: str) -> EnforcementDecision:
    """Record that a decision was revoked (撤销), with the reason: it leaves the public pages
    and the credit platform's export marks it 无效. Requires `reviewer` on its
    organization. Raises PermissionDenied, InvalidTransition or ValidationError."""
    decision = get_decision(decision_id)
    check(actor, decision, "revoke")
    reason = validation.text(reason, field="reason", label="撤销原因", max_length=500,
                             multiline=True)
    decision.revoked_at, decision.revoke_reason = utcnow(), reason
    transition(actor, decision, "revoke", message=reason)
    db.session.commit()
    return decision


@dataclass(frozen=True)
class ExportFile:
    fallback_name: str  # ASCII
    quoted_name: str  # the Chinese name, %-encoded for `filename*`
    content: bytes


EXPORT_NAMES = {DecisionKind.LICENSING: "行政许可", DecisionKind.PENALTY: "行政处罚"}


def export_for_platform(actor, kind: str) -> ExportFile:
    """The 双公示 CSV of one kind (licensing or penalty) for the credit platform: every
    decision the actor sees that was published (revoked ones with 当前状态 2), with whole ID
    numbers. Requires `editor` or `reviewer`; every export is audited. Raises
    PermissionDenied or NotFound (an unknown kind)."""
    from urllib.parse import quote

    try:
        wanted = DecisionKind(kind)
    except ValueError:
        raise NotFound("没有这种导出格式：可导出行政许可（licensing）或行政处罚（penalty）。") \
            from None
    if wanted not in EXPORT_NAMES:
        raise NotFound("信用平台的双公示只收行政许可和行政处罚信息。")
    policy.require(actor, "export", "enforcement_decisions", audit_action="enforcement.export")
    rows = [d for d in staff_decisions(actor)
            if d.kind is wanted and d.published_at is not None]
    content = publication.to_csv(rows, wanted, masked=False)
    audit.record(actor, "enforcement.export", None,
                 after={"kind": wanted.value, "rows": len(rows)})
    db.session.commit()
    today = local_today().isoformat()
    return ExportFile(f"{today}-{wanted.value}.csv",
                      quote(f"{today}-{EXPORT_NAMES[wanted]}双公示.csv"), content)
