"""The access rules, one per action on each kind of record (see `portal.auth.policy`).

Each rule states who may act (role and the organization whose subtree the grant must
cover) and, for review steps, that nobody decides on their own work. The `when=` state is
only what the buttons ask: outside it the service answers with a conflict, not a refusal.
Kind names (strings) stand for creating a record or opening a section of the back office.
"""

from __future__ import annotations

from portal.auth.models import Role, RoleGrant
from portal.auth.policy import Actor, Refusal, refuse_unless, rule, scope
from portal.consultations.lifecycle import CONSULTATION
from portal.consultations.models import Consultation
from portal.disclosures.lifecycle import DISCLOSURE
from portal.disclosures.models import Disclosure, RevisionStatus, Status
from portal.disputes.lifecycle import DISPUTE
from portal.disputes.models import DailyCheck, Dispute
from portal.enforcement.lifecycle import ENFORCEMENT_DECISION
from portal.enforcement.models import EnforcementBody, EnforcementDecision
from portal.execution.lifecycle import EXECUTION_TASK
from portal.execution.models import ExecutionTask
from portal.inquiries.lifecycle import INQUIRY
from portal.inquiries.models import Inquiry
from portal.inspection.lifecycle import SUPERVISION
from portal.inspection.models import SupervisionNotice
from portal.notifications.models import Notification
from portal.notifications.models import State as NotificationState
from portal.villages.lifecycle import VILLAGE_NOTICE
from portal.villages.models import NoticeStatus, VillageNotice

R = Role
STAFF_VIEW = (R.EDITOR, R.REVIEWER, R.ADMIN, R.INSPECTOR)
VILLAGE_STAFF = (R.VILLAGE_CLERK, R.VILLAGE_SUPERVISOR, R.REVIEWER, R.ADMIN, R.INSPECTOR)
INQUIRY_STAFF = (R.HANDLER, R.REVIEWER, R.ADMIN, R.INSPECTOR)
DISPUTE_STAFF = (R.GRID_WORKER, R.GOVERNANCE_CENTER)

OWN_DISCLOSURE = "不能审核自己起草的信息（先审后发，须由他人审核）。"
OWN_REVISION = "不能审核自己提交的修订（先审后发，须由他人审核）。"
OWN_NOTICE = "不能签署或审核自己起草的公开事项。"


def holds(actor: Actor, roles, organization) -> Refusal | None:
    return refuse_unless(actor.holds(roles, organization))


# --- visibility: who sees which rows in the back office ------------------------------

scope(Disclosure, lambda: Disclosure.organization_id, STAFF_VIEW)
scope(VillageNotice, lambda: VillageNotice.village_id, VILLAGE_STAFF)
scope(Inquiry, lambda: Inquiry.organization_id, INQUIRY_STAFF)
scope(Consultation, lambda: Consultation.organization_id, STAFF_VIEW)
scope(ExecutionTask, lambda: ExecutionTask.organization_id, STAFF_VIEW)
scope(EnforcementDecision, lambda: EnforcementDecision.organization_id, STAFF_VIEW)
scope(EnforcementBody, lambda: EnforcementBody.organization_id, STAFF_VIEW)
scope(Dispute, lambda: Dispute.village_id, DISPUTE_STAFF)
scope(DailyCheck, lambda: DailyCheck.village_id, DISPUTE_STAFF)
scope(SupervisionNotice, lambda: SupervisionNotice.organization_id, (R.INSPECTOR, R.ADMIN))


# --- sections and new records (kind names) -------------------------------------------

def _anywhere(*roles):
    return lambda actor, _kind: refuse_unless(actor.holds(roles))


for _kind, _action, _roles in (
        ("disclosure", "create", (R.EDITOR,)),
        ("disclosures", "view", STAFF_VIEW),
        ("consultation", "create", (R.EDITOR,)),
        ("consultations", "view", STAFF_VIEW),
        ("execution_task", "create", (R.EDITOR,)),
        ("execution_tasks", "view", STAFF_VIEW),
        ("enforcement", "view", STAFF_VIEW),
        ("enforcement_register", "create", (R.EDITOR,)),
        ("enforcement_decision", "create", (R.EDITOR,)),
        ("enforcement_decisions", "export", (R.EDITOR, R.REVIEWER)),
        ("disputes", "view", DISPUTE_STAFF),
        ("dispute", "create", DISPUTE_STAFF),
        ("dispute_check", "create", (R.GRID_WORKER,)),
        ("dispute_reports", "view", (R.GOVERNANCE_CENTER,)),
        ("village_notice", "create", (R.VILLAGE_CLERK,)),
        ("village_notices", "view", VILLAGE_STAFF),
        ("inquiries", "view", INQUIRY_STAFF),
        ("opinion", "create", (R.HANDLER,)),
        ("inquiry", "register", (R.HANDLER,)),
        ("sla", "view", INQUIRY_STAFF),
        ("sla", "update", (R.ADMIN,)),
        ("reply_templates", "manage", (R.ADMIN,)),
        ("catalogue", "manage", (R.ADMIN,)),
        ("organizations", "manage", (R.ADMIN,)),
        ("users", "manage", (R.ADMIN,)),
        ("workdays", "manage", (R.ADMIN,)),
        ("open311_keys", "manage", (R.ADMIN,)),
        ("refusals", "view", (R.ADMIN,)),
        ("inspection", "view", (R.INSPECTOR, R.ADMIN)),
        ("annual_reports", "view", (R.INSPECTOR, R.ADMIN, R.REVIEWER, R.HANDLER)),
        ("posting_rules", "manage", (R.REVIEWER, R.ADMIN)),
        ("notifications", "manage", (R.ADMIN,)),  # delivery log, wording, test message
):
    rule(_kind, _action)(_anywhere(*_roles))


# --- 五公开 disclosures --------------------------------------------------------------

@rule(Disclosure, "view")
def view_disclosure(actor: Actor, d: Disclosure):
    return holds(actor, STAFF_VIEW, d.organization)


def _editor(actor: Actor, d: Disclosure):
    return holds(actor, R.EDITOR, d.organization)


rule(Disclosure, "edit", when=DISCLOSURE.offered("edit"))(_editor)
rule(Disclosure, "submit", when=DISCLOSURE.offered("submit"))(_editor)
rule(Disclosure, "attach", when=DISCLOSURE.offered("attach"))(_editor)
rule(Disclosure, "revise", when=lambda d: DISCLOSURE.offered("revise")(d)
     and d.pending_revision is None)(_editor)


@rule(Disclosure, "review", when=DISCLOSURE.offered("approve"))
def review_disclosure(actor: Actor, d: Disclosure):
    """初审/终审 and 退回: a reviewer of its organization, never on their own draft. (That
    the 终审 reviewer differs from the 初审 one is checked by the service, which knows
    the review record.)"""
    return holds(actor, R.REVIEWER, d.organization) or \
        refuse_unless(not actor.is_author(d.author_id), OWN_DISCLOSURE)


rule(Disclosure, "reject", when=DISCLOSURE.offered("reject"))(review_disclosure)


@rule(Disclosure, "approve", when=DISCLOSURE.offered("approve"))
def approve_disclosure(actor: Actor, d: Disclosure):
    """`review`, and the 终审 is by someone other than the 初审 reviewer."""
    first = None
    if d.status is Status.FIRST_APPROVED:
        firsts = [r for r in d.reviews if r.step == 1 and r.approved]
        first = firsts[-1] if firsts else None
    return review_disclosure(actor, d) or refuse_unless(
        first is None or not actor.is_author(first.reviewer_id), "终审须由初审以外的审核人进行。")


@rule(Disclosure, "publish", when=DISCLOSURE.offered("publish"))
def publish_disclosure(actor: Actor, d: Disclosure):
    return holds(actor, (R.EDITOR, R.REVIEWER), d.organization)


@rule(Disclosure, "publish_backdated")
def publish_backdated(actor: Actor, d: Disclosure):
    return holds(actor, R.ADMIN, d.organization)


@rule(Disclosure, "withdraw", when=DISCLOSURE.offered("withdraw"))
def withdraw_disclosure(actor: Actor, d: Disclosure):
    return holds(actor, R.REVIEWER, d.organization)


def _pending(d: Disclosure) -> bool:
    revision = d.pending_revision
    return revision is not None and revision.status is RevisionStatus.PENDING


@rule(Disclosure, "review_revision", when=_pending)
def review_revision(actor: Actor, d: Disclosure):
    revision = d.pending_revision
    return holds(actor, R.REVIEWER, d.organization) or refuse_unless(
        revision is None or not actor.is_author(revision.author_id), OWN_REVISION)


@rule(Disclosure, "amend_revision", when=_pending)
def amend_revision(actor: Actor, d: Disclosure):
    revision = d.pending_revision
    return _editor(actor, d) or refuse_unless(
        revision is not None and actor.is_author(revision.author_id))


# --- 村务公开 village notices --------------------------------------------------------

@rule(VillageNotice, "view")
def view_notice(actor: Actor, n: VillageNotice):
    return holds(actor, VILLAGE_STAFF, n.village)


def _clerk(actor: Actor, n: VillageNotice):
    return holds(actor, R.VILLAGE_CLERK, n.village)


rule(VillageNotice, "edit", when=VILLAGE_NOTICE.offered("edit"))(_clerk)
rule(VillageNotice, "submit", when=VILLAGE_NOTICE.offered("submit"))(_clerk)


@rule(VillageNotice, "sign_off", when=VILLAGE_NOTICE.offered("sign_off"))
def sign_off_notice(actor: Actor, n: VillageNotice):
    """村务监督委员会 of the village, not the notice's author."""
    return holds(actor, R.VILLAGE_SUPERVISOR, n.village) or \
        refuse_unless(not actor.is_author(n.author_id), OWN_NOTICE)


@rule(VillageNotice, "approve", when=VILLAGE_NOTICE.offered("approve"))
def approve_notice(actor: Actor, n: VillageNotice):
    """A town reviewer (a town grant covers its villages), not the notice's author."""
    return holds(actor, R.REVIEWER, n.village) or \
        refuse_unless(not actor.is_author(n.author_id), OWN_NOTICE)


@rule(VillageNotice, "send_back", when=VILLAGE_NOTICE.offered("send_back"))
def send_back_notice(actor: Actor, n: VillageNotice):
    """Whoever holds the notice now: the committee, then the town reviewer."""
    if n.status is NoticeStatus.AWAITING_SIGNOFF:
        return holds(actor, R.VILLAGE_SUPERVISOR, n.village)
    if n.status is NoticeStatus.AWAITING_APPROVAL:
        return holds(actor, R.REVIEWER, n.village)
    return holds(actor, (R.VILLAGE_SUPERVISOR, R.REVIEWER), n.village)


@rule(VillageNotice, "withdraw", when=VILLAGE_NOTICE.offered("withdraw"))
def withdraw_notice(actor: Actor, n: VillageNotice):
    return holds(actor, R.REVIEWER, n.village)


@rule(VillageNotice, "supervise")
def supervise_village(actor: Actor, n: VillageNotice):
    return holds(actor, R.INSPECTOR, n.village)


# --- inquiries -----------------------------------------------------------------------

@rule(Inquiry, "view")
def view_inquiry(actor: Actor, i: Inquiry):
    return holds(actor, INQUIRY_STAFF, i.organization)


@rule(Inquiry, "handle", when=INQUIRY.offered("handle"))
def handle_inquiry(actor: Actor, i: Inquiry):
    return holds(actor, R.HANDLER, i.organization)


@rule(Inquiry, "correct_reply", when=lambda i: i.status.value in ("replied", "closed"))
def correct_reply(actor: Actor, i: Inquiry):
    return holds(actor, R.HANDLER, i.organization)


@rule(Inquiry, "decide_extension", when=lambda i: i.pending_extension is not None)
def decide_extension(actor: Actor, i: Inquiry):
    """A reviewer of the organization; never on an extension they asked for."""
    request = i.pending_extension
    return holds(actor, R.REVIEWER, i.organization) or refuse_unless(
        request is None or not actor.is_author(request.requested_by_id),
        "不能审批自己提出的延期申请。")


@rule(Inquiry, "supervise", when=lambda i: i.is_open)
def supervise_inquiry(actor: Actor, i: Inquiry):
    return holds(actor, R.INSPECTOR, i.organization)


@rule(SupervisionNotice, "answer", when=SUPERVISION.offered("answer"))
def answer_supervision(actor: Actor, s: SupervisionNotice):
    """Handlers answer notices about inquiries; the village clerk or the town reviewer
    those about village postings."""
    roles = (R.HANDLER,) if s.inquiry_id else (R.VILLAGE_CLERK, R.REVIEWER)
    return holds(actor, roles, s.organization)


# --- 征求意见 consultations and 执行公开 tasks ---------------------------------------

@rule(Consultation, "edit", when=CONSULTATION.offered("edit"))
def edit_consultation(actor: Actor, c: Consultation):
    return holds(actor, R.EDITOR, c.organization)


@rule(Consultation, "report")  # 采纳情况、合法性审查、集体讨论、最终决策
def report_consultation(actor: Actor, c: Consultation):
    return holds(actor, R.EDITOR, c.organization)


@rule(Consultation, "publish", when=CONSULTATION.offered("publish"))
def publish_consultation(actor: Actor, c: Consultation):
    return holds(actor, R.REVIEWER, c.organization)


@rule(Consultation, "moderate", when=CONSULTATION.offered("moderate"))
def moderate_consultation(actor: Actor, c: Consultation):
    return holds(actor, R.REVIEWER, c.organization)


rule(Consultation, "conclude", when=CONSULTATION.offered("conclude"))(moderate_consultation)
rule(Consultation, "withdraw", when=CONSULTATION.offered("withdraw"))(moderate_consultation)


@rule(ExecutionTask, "edit")
def edit_task(actor: Actor, t: ExecutionTask):
    return holds(actor, R.EDITOR, t.organization)


@rule(ExecutionTask, "publish", when=EXECUTION_TASK.offered("publish"))
def publish_task(actor: Actor, t: ExecutionTask):
    return holds(actor, R.REVIEWER, t.organization)


rule(ExecutionTask, "withdraw", when=EXECUTION_TASK.offered("withdraw"))(publish_task)


# --- 行政执法公示 (portal/enforcement) ------------------------------------------------

OWN_DECISION = "不能公示自己录入的执法决定（先审后发，须由他人审核）。"


@rule(EnforcementBody, "view")
def view_body(actor: Actor, b: EnforcementBody):
    return holds(actor, STAFF_VIEW, b.organization)


@rule(EnforcementBody, "edit")  # add officers and matters to its lists
def edit_body(actor: Actor, b: EnforcementBody):
    return holds(actor, R.EDITOR, b.organization)


@rule(EnforcementDecision, "view")
def view_decision(actor: Actor, d: EnforcementDecision):
    return holds(actor, STAFF_VIEW, d.organization)


@rule(EnforcementDecision, "edit", when=ENFORCEMENT_DECISION.offered("edit"))
def edit_decision(actor: Actor, d: EnforcementDecision):
    return holds(actor, R.EDITOR, d.organization)


@rule(EnforcementDecision, "publish", when=ENFORCEMENT_DECISION.offered("publish"))
def publish_decision(actor: Actor, d: EnforcementDecision):
    """A reviewer of its organization, never on a decision they recorded."""
    return holds(actor, R.REVIEWER, d.organization) or \
        refuse_unless(not actor.is_author(d.author_id), OWN_DECISION)


@rule(EnforcementDecision, "revoke", when=ENFORCEMENT_DECISION.offered("revoke"))
def revoke_decision(actor: Actor, d: EnforcementDecision):
    return holds(actor, R.REVIEWER, d.organization)


# --- 矛盾纠纷排查化解 (portal/disputes) ------------------------------------------------

@rule(Dispute, "view")
def view_dispute(actor: Actor, d: Dispute):
    return holds(actor, DISPUTE_STAFF, d.village)


@rule(Dispute, "edit", when=DISPUTE.offered("edit"))
@rule(Dispute, "mediate", when=DISPUTE.offered("mediate"))
@rule(Dispute, "resolve", when=DISPUTE.offered("resolve"))
def work_dispute(actor: Actor, d: Dispute):
    """The village's 网格员 or the town's 综治中心."""
    return holds(actor, DISPUTE_STAFF, d.village)


@rule(Dispute, "escalate", when=DISPUTE.offered("escalate"))
def escalate_dispute(actor: Actor, d: Dispute):
    """Handing a dispute up beyond the town is the 综治中心's decision."""
    return holds(actor, R.GOVERNANCE_CENTER, d.village)


@rule(DailyCheck, "view")
def view_check(actor: Actor, c: DailyCheck):
    return holds(actor, DISPUTE_STAFF, c.village)


# --- notifications -------------------------------------------------------------------

@rule(Notification, "retry", when=lambda n: n.state is NotificationState.DEAD)
def retry_notification(actor: Actor, _n: Notification):
    """重试 a dead letter: administrators (the outbox is the whole portal's)."""
    return refuse_unless(actor.holds(R.ADMIN))


# --- users ----------------------------------------------------------------------------

@rule(RoleGrant, "revoke")
def revoke_grant(actor: Actor, g: RoleGrant):
    """An admin of the grant's organization; never one's own last admin grant."""
    own_last_admin = (g.user_id == actor.id and g.role is R.ADMIN
                      and sum(other.role is R.ADMIN for other in g.user.grants) == 1)
    return holds(actor, R.ADMIN, g.organization) or refuse_unless(not own_last_admin)
