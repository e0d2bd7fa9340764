"""Work-order transitions (签收、办理、转办、退回、补正、征求意见、延期、答复、办结、视为放弃):
which operation each state allows, who may perform it, and the audit trail it leaves."""

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain
from portal.auth.models import Role
from portal.errors import Conflict, InvalidTransition, PermissionDenied, ValidationError
from portal.extensions import db
from portal.inquiries import clocks, extension_requests, fees, workflow
from portal.inquiries.models import ExtensionRequest, Inquiry, InquiryEvent, InquiryType, Status
from tests.inquiries.timetravel import TimeMachine, cheap_password_hashing, end_of_beijing_day

S = Status


@pytest.fixture(autouse=True)
def _fast_users(monkeypatch):
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def travel(app, monkeypatch):
    return TimeMachine(monkeypatch)


# name → (call(actor, inquiry_id, orgs), resulting status or None if unchanged, audit action)
OPS = {
    "sign": (lambda a, i, o: workflow.sign(a, i), S.SIGNED, "inquiry.sign"),
    "start_processing": (lambda a, i, o: workflow.start_processing(a, i), S.PROCESSING,
                         "inquiry.process"),
    "transfer": (lambda a, i, o: workflow.transfer(a, i, o["finance"], "属于财政所职责。"),
                 S.RECEIVED, "inquiry.transfer"),
    "return_to_dispatcher": (lambda a, i, o: workflow.return_to_dispatcher(
        a, i, "不属于本单位职责。"), S.RETURNED, "inquiry.return"),
    "request_correction": (lambda a, i, o: workflow.request_correction(
        a, i, "请写明所需信息的文号。"), S.AWAITING_RESIDENT, "inquiry.request_correction"),
    "record_correction": (lambda a, i, o: workflow.record_correction(
        a, i, "申请人到窗口补交了说明。"), S.PROCESSING, "inquiry.correction_received"),
    "start_consultation": (lambda a, i, o: workflow.start_consultation(a, i, "县财政局"),
                           S.CONSULTING, "inquiry.consult"),
    "end_consultation": (lambda a, i, o: workflow.end_consultation(a, i, "县财政局同意公开。"),
                         S.PROCESSING, "inquiry.consult_end"),
    "request_extension": (lambda a, i, o: extension_requests.request_extension(
        a, i, 5, "需要调取历史档案。"), None, "inquiry.extension_request"),
    "reply": (lambda a, i, o: workflow.reply(a, i, "所申请的信息见附件。", outcome="grant"),
              S.REPLIED, "inquiry.reply"),
    "close": (lambda a, i, o: workflow.close(a, i), S.CLOSED, "inquiry.close"),
    "treat_as_abandoned": (lambda a, i, o: workflow.treat_as_abandoned(a, i), S.CLOSED,
                           "inquiry.abandon"),
    "issue_fee_notice": (lambda a, i, o: fees.issue_notice(a, i, "per_volume", 120),
                         S.AWAITING_FEE, "inquiry.fee_notice"),
    "record_payment": (lambda a, i, o: fees.record_payment(a, i, "No.1"), S.PROCESSING,
                       "inquiry.fee_paid"),
    "close_unpaid": (lambda a, i, o: fees.close_unpaid(a, i), S.CLOSED, "inquiry.fee_lapsed"),
}

ALLOWED = {
    S.RECEIVED: {"sign", "transfer", "return_to_dispatcher"},
    S.SIGNED: {"start_processing", "transfer", "return_to_dispatcher", "request_correction",
               "start_consultation", "request_extension", "reply", "issue_fee_notice"},
    S.PROCESSING: {"transfer", "return_to_dispatcher", "request_correction",
                   "start_consultation", "request_extension", "reply", "issue_fee_notice"},
    S.AWAITING_RESIDENT: {"record_correction", "treat_as_abandoned"},
    S.CONSULTING: {"end_consultation"},
    S.AWAITING_FEE: {"record_payment", "close_unpaid"},
    S.RETURNED: {"sign", "transfer"},
    S.REPLIED: {"close"},
    S.CLOSED: set(),
}
assert set(ALLOWED) == set(Status)

# For each operation, a state in which the town handler may perform it.
ACTIONABLE_IN = {op: next(s for s in ALLOWED if op in ALLOWED[s]) for op in OPS}


@pytest.fixture
def bring_to(travel, submit, handlers, orgs):
    """bring_to(status) → a 依申请公开 received Tue 2026-03-10, passed to the village inside
    the town (an application stays inside its 行政机关, so 退回 leads back to the town) and
    moved to `status` by the town handler that day; then the clock moves to Wed 04-08 10:00,
    past the sign-for, 补正-notice and correction periods and on the last day of the reply
    period (an extension or a consultation must begin within it); to 04-15 for a fee notice,
    so that it has lapsed."""
    handler = handlers["handler"]

    def run(status: Status) -> Inquiry:
        travel.to(date(2026, 3, 10), 9)
        inquiry = submit(type=InquiryType.INFO_REQUEST).inquiry
        if status is S.RETURNED:
            workflow.transfer(handler, inquiry.id, orgs["finance"], "属于财政所职责。")
            workflow.return_to_dispatcher(handlers["finance_handler"], inquiry.id,
                                          "不属于本所职责。")
        else:
            workflow.transfer(handler, inquiry.id, orgs["village_a"], "由村里办理。")
        steps = {
            S.SIGNED: ["sign"], S.PROCESSING: ["sign", "start_processing"],
            S.AWAITING_RESIDENT: ["sign", "start_processing", "request_correction"],
            S.CONSULTING: ["sign", "start_processing", "start_consultation"],
            S.AWAITING_FEE: ["sign", "start_processing", "issue_fee_notice"],
            S.REPLIED: ["sign", "start_processing", "reply"],
            S.CLOSED: ["sign", "start_processing", "reply", "close"],
        }.get(status, [])
        for op in steps:
            OPS[op][0](handler, inquiry.id, orgs)
        assert inquiry.status is status
        # a fee notice of 03-10 lapses after 04-08, the 20th working day
        travel.to(date(2026, 4, 15 if status is S.AWAITING_FEE else 8), 10)
        return inquiry

    return run


def _audit_actions(after_id: int = 0) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.id > after_id)
                                   .order_by(AuditEvent.id)))


def _last_audit_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def _snapshot(inquiry_id: int) -> tuple:
    """A fresh read from the database, bypassing the session's objects."""
    row = db.session.execute(select(
        Inquiry.status, Inquiry.organization_id, Inquiry.handler_id, Inquiry.sign_due_at,
        Inquiry.reply_due_at, Inquiry.paused_since, Inquiry.outcome, Inquiry.extension_days,
    ).where(Inquiry.id == inquiry_id)).one()
    events = db.session.scalar(select(func.count()).where(InquiryEvent.inquiry_id == inquiry_id))
    requests = db.session.scalar(select(func.count()).where(
        ExtensionRequest.inquiry_id == inquiry_id))
    return (*row, events, requests, _last_audit_id())


CELLS = [pytest.param(status, op, id=f"{status.value}-{op}") for status in ALLOWED for op in OPS]


@pytest.mark.parametrize(("status", "op"), CELLS)
def test_transition_table(bring_to, handlers, orgs, status, op):
    inquiry = bring_to(status)
    call, result, action = OPS[op]
    mark = _last_audit_id()

    if op in ALLOWED[status]:
        call(handlers["handler"], inquiry.id, orgs)
        assert inquiry.status is (result or status)
        assert _audit_actions(mark) == [action]
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.id > mark)).one()
        assert event.object_type == "inquiries" and event.object_id == str(inquiry.id)
        assert event.actor_id == handlers["handler"].id and event.result == "ok"
        if result is not None:
            assert event.before["status"] == status.value
            assert event.after["status"] == result.value
    else:
        error = Conflict if op in ("request_extension", "issue_fee_notice", "record_payment",
                                   "close_unpaid") else InvalidTransition
        before = _snapshot(inquiry.id)
        with pytest.raises(error):
            call(handlers["handler"], inquiry.id, orgs)
        db.session.rollback()
        assert _snapshot(inquiry.id) == before
    assert verify_chain().ok


OUTSIDERS = ["other_handler", "finance_handler", "inspector", "reviewer", "admin"]


@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize("op", list(OPS))
def test_staff_without_handler_role_here_are_denied_and_nothing_changes(
        bring_to, handlers, orgs, op, outsider):
    inquiry = bring_to(ACTIONABLE_IN[op])
    before = _snapshot(inquiry.id)

    with pytest.raises(PermissionDenied):
        OPS[op][0](handlers[outsider], inquiry.id, orgs)
    db.session.rollback()

    assert _snapshot(inquiry.id) == before
    # The same call by the town's handler goes through: only the actor was wrong.
    OPS[op][0](handlers["handler"], inquiry.id, orgs)
    assert _audit_actions(before[-1]) == [OPS[op][2]]


def test_inspector_may_view_but_other_towns_handler_may_not(bring_to, handlers):
    inquiry = bring_to(S.PROCESSING)

    assert workflow.get_for_staff(handlers["inspector"], inquiry.id) is inquiry
    assert workflow.get_for_staff(handlers["reviewer"], inquiry.id) is inquiry
    with pytest.raises(PermissionDenied):
        workflow.get_for_staff(handlers["other_handler"], inquiry.id)


def test_start_consultation_is_only_for_information_requests(travel, submit, handlers):
    handler = handlers["handler"]
    inquiry = submit(type=InquiryType.COMPLAINT).inquiry
    workflow.sign(handler, inquiry.id)

    with pytest.raises(ValidationError):
        workflow.start_consultation(handler, inquiry.id, "县市场监管局")
    assert inquiry.status is S.SIGNED


# --- 转办 and 退回 ------------------------------------------------------------------------

def test_transfer_restarts_sign_clock_but_not_reply_deadline(travel, submit, handlers, orgs):
    travel.to(date(2026, 3, 10), 9)  # Tue: sign due 03-11, reply due 03-17
    inquiry = submit(type=InquiryType.CONSULT).inquiry
    workflow.sign(handlers["handler"], inquiry.id)

    travel.to(date(2026, 3, 12), 15)
    workflow.transfer(handlers["handler"], inquiry.id, orgs["finance"], "属于财政所职责。")

    assert inquiry.status is S.RECEIVED and inquiry.organization is orgs["finance"]
    assert inquiry.handler_id is None
    assert inquiry.sign_due_at == end_of_beijing_day(date(2026, 3, 13))
    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 3, 17))
    assert not clocks.is_overdue(inquiry, travel.to(date(2026, 3, 13), 18))
    assert clocks.is_overdue(inquiry, travel.to(date(2026, 3, 16), 9))
    with pytest.raises(PermissionDenied):
        workflow.sign(handlers["other_handler"], inquiry.id)
    workflow.sign(handlers["finance_handler"], inquiry.id)
    assert inquiry.handler_id == handlers["finance_handler"].id
    assert inquiry.signed_on_time is False


def test_transfer_to_the_same_organization_is_refused(submit, handlers, orgs):
    inquiry = submit().inquiry
    with pytest.raises(ValidationError):
        workflow.transfer(handlers["handler"], inquiry.id, orgs["town"], "重新派单。")
    assert inquiry.status is S.RECEIVED


def test_return_goes_to_parent_organization(travel, submit, handlers, orgs, make_user):
    travel.to(date(2026, 3, 10), 9)
    inquiry = submit(type=InquiryType.HELP).inquiry
    workflow.transfer(handlers["handler"], inquiry.id, orgs["finance"], "属于财政所职责。")
    workflow.sign(handlers["finance_handler"], inquiry.id)

    travel.to(date(2026, 3, 11), 16)
    workflow.return_to_dispatcher(handlers["finance_handler"], inquiry.id, "不属于本所职责。")

    assert inquiry.status is S.RETURNED and inquiry.organization is orgs["town"]
    assert inquiry.handler_id is None
    assert inquiry.sign_due_at == end_of_beijing_day(date(2026, 3, 12))
    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 3, 13))
    reason_notes = [e for e in inquiry.events if e.action == "note"]
    assert [(e.public, "不属于本所职责" in e.message) for e in reason_notes] == [(False, True)]

    county_handler = make_user("county", (Role.HANDLER, orgs["county"]))
    workflow.sign(handlers["handler"], inquiry.id)
    workflow.return_to_dispatcher(handlers["handler"], inquiry.id, "属于县级事权。")
    assert inquiry.status is S.RETURNED and inquiry.organization is orgs["county"]
    with pytest.raises(PermissionDenied):
        workflow.sign(handlers["handler"], inquiry.id)
    workflow.sign(county_handler, inquiry.id)
    with pytest.raises(ValidationError):
        workflow.return_to_dispatcher(county_handler, inquiry.id, "县里也不管。")


def test_return_needs_a_reason(submit, handlers):
    inquiry = submit().inquiry
    with pytest.raises(ValidationError):
        workflow.return_to_dispatcher(handlers["handler"], inquiry.id, "   ")
    assert inquiry.status is S.RECEIVED


# --- 延期 decisions ----------------------------------------------------------------------

@pytest.fixture
def double_role(make_user, orgs):
    return make_user("both", (Role.HANDLER, orgs["town"]), (Role.REVIEWER, orgs["town"]))


def test_reviewer_cannot_approve_own_extension_request(submit, handlers, double_role):
    inquiry = submit(type=InquiryType.COMPLAINT).inquiry
    workflow.sign(double_role, inquiry.id)
    extension_requests.request_extension(double_role, inquiry.id, 5, "需要现场核查。")
    due = inquiry.reply_due_at

    assert extension_requests.pending_for_reviewer(double_role) == []
    with pytest.raises(PermissionDenied):
        extension_requests.decide_extension(double_role, inquiry.id, True, "同意")
    db.session.rollback()
    assert inquiry.pending_extension is not None and inquiry.reply_due_at == due

    assert extension_requests.pending_for_reviewer(handlers["reviewer"]) == [inquiry]
    extension_requests.decide_extension(handlers["reviewer"], inquiry.id, True, "同意")
    assert inquiry.extensions[0].decided_by_id == handlers["reviewer"].id
    assert inquiry.extension_days == 5


def test_handler_without_reviewer_role_cannot_decide(submit, handlers):
    inquiry = submit(type=InquiryType.COMPLAINT).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    extension_requests.request_extension(handlers["handler"], inquiry.id, 5, "需要现场核查。")

    for actor in (handlers["handler2"], handlers["inspector"], handlers["other_handler"]):
        with pytest.raises(PermissionDenied):
            extension_requests.decide_extension(actor, inquiry.id, True, "同意")
        db.session.rollback()
    assert inquiry.pending_extension is not None and inquiry.extension_days == 0


def test_refusal_needs_a_note_and_leaves_the_deadline(submit, handlers):
    inquiry = submit(type=InquiryType.COMPLAINT).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    due = inquiry.reply_due_at
    extension_requests.request_extension(handlers["handler"], inquiry.id, 5, "需要现场核查。")

    with pytest.raises(ValidationError):
        extension_requests.decide_extension(handlers["reviewer"], inquiry.id, False, "")
    db.session.rollback()
    extension_requests.decide_extension(handlers["reviewer"], inquiry.id, False, "理由不充分。")

    assert inquiry.extensions[0].approved is False
    assert inquiry.reply_due_at == due and inquiry.extension_days == 0
    assert [e.public for e in inquiry.events if e.action == "extension_decide"] == [False]


def test_extension_left_pending_cannot_be_approved_after_the_reply(submit, handlers):
    inquiry = submit(type=InquiryType.COMPLAINT).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    extension_requests.request_extension(handlers["handler"], inquiry.id, 5, "需要现场核查。")
    workflow.reply(handlers["handler"], inquiry.id, "经核查，情况属实，已责令整改。")
    due = inquiry.reply_due_at

    with pytest.raises(Conflict):
        extension_requests.decide_extension(handlers["reviewer"], inquiry.id, True, "同意")
    db.session.rollback()
    assert inquiry.reply_due_at == due and inquiry.extension_days == 0


# --- the audit trail of a whole work order -----------------------------------------------

def test_every_step_of_a_work_order_is_audited_and_chain_verifies(travel, submit, handlers,
                                                                  orgs):
    handler = handlers["handler"]
    mark = _last_audit_id()
    inquiry = submit(type=InquiryType.INFO_REQUEST).inquiry
    workflow.transfer(handler, inquiry.id, orgs["finance"], "属于财政所职责。")
    workflow.return_to_dispatcher(handlers["finance_handler"], inquiry.id, "不属于本所职责。")
    workflow.sign(handler, inquiry.id)
    workflow.start_processing(handler, inquiry.id)
    workflow.request_correction(handler, inquiry.id, "请写明所需信息的文号。")
    workflow.record_correction(handler, inquiry.id, "申请人电话补充了文号。")
    workflow.start_consultation(handler, inquiry.id, "县财政局")
    workflow.end_consultation(handler, inquiry.id, "同意公开。")
    extension_requests.request_extension(handler, inquiry.id, 10, "材料较多。")
    extension_requests.decide_extension(handlers["reviewer"], inquiry.id, True, "同意")
    workflow.reply(handler, inquiry.id, "所申请的信息见附件。", outcome="grant")
    workflow.close(handler, inquiry.id)

    assert _audit_actions(mark) == [
        "inquiry.submit", "inquiry.transfer", "inquiry.return", "inquiry.sign",
        "inquiry.process", "inquiry.request_correction", "inquiry.correction_received",
        "inquiry.consult", "inquiry.consult_end", "inquiry.extension_request",
        "inquiry.extension_decide", "inquiry.reply", "inquiry.close"]
    verdict = verify_chain()
    assert verdict.ok and verdict.count >= 13
