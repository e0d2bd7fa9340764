"""Who may reach which route: one table, enforced before every request.

This is the coarse gate (is this person in the right line of work at all?), asked of
`portal.auth.policy.may_reach`. The fine check — on *which* organization, and never on
one's own work — is the policy's rule for the action, which each service calls, so a
page, the CLI and any API meet the same rule. An endpoint missing from the table is refused, so a
new route is closed until someone decides who may use it (and the access-matrix test
names it).
"""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user

from portal.auth.models import Role
from portal.auth.policy import may_reach
from portal.errors import PermissionDenied

PUBLIC = "public"
SIGNED_IN = "signed_in"  # any staff account

STAFF_VIEW = frozenset({Role.EDITOR, Role.REVIEWER, Role.ADMIN, Role.INSPECTOR})
EDITORS = frozenset({Role.EDITOR})
REVIEWERS = frozenset({Role.REVIEWER})
PUBLISHERS = frozenset({Role.EDITOR, Role.REVIEWER})
ADMINS = frozenset({Role.ADMIN})
HANDLERS = frozenset({Role.HANDLER})
INSPECTORS = frozenset({Role.INSPECTOR, Role.ADMIN})
CLERKS = frozenset({Role.VILLAGE_CLERK})
SUPERVISORS = frozenset({Role.VILLAGE_SUPERVISOR})
VILLAGE_STAFF = frozenset({Role.VILLAGE_CLERK, Role.VILLAGE_SUPERVISOR, Role.REVIEWER,
                           Role.ADMIN, Role.INSPECTOR})
INQUIRY_STAFF = frozenset({Role.HANDLER, Role.REVIEWER, Role.ADMIN, Role.INSPECTOR})
GRID_WORKERS = frozenset({Role.GRID_WORKER})
GOVERNANCE = frozenset({Role.GOVERNANCE_CENTER})
DISPUTE_STAFF = GRID_WORKERS | GOVERNANCE

ROUTE_POLICY: dict[str, str | frozenset[Role]] = {
    "static": PUBLIC,
    "health.healthz": PUBLIC,  # process alive
    "health.readyz": PUBLIC,  # database, schema and upload folder
    "public.home": PUBLIC,
    "site_files.robots": PUBLIC,
    "site_files.favicon": PUBLIC,
    "preferences.elderly_mode": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": SIGNED_IN,
    "auth.verify": PUBLIC,  # half signed-in: the view checks the pending login itself
    "auth.enroll": PUBLIC,
    "account.overview": SIGNED_IN,
    "account.password": SIGNED_IN,
    "account.enroll": SIGNED_IN,
    "account.remove_totp": SIGNED_IN,
    "users.listing": ADMINS,
    "users.new": ADMINS,
    "users.show": ADMINS,
    "users.reset_password": ADMINS,
    "users.disable": ADMINS,
    "users.enable": ADMINS,
    "users.unlock": ADMINS,
    "users.reset_totp": ADMINS,
    "users.enrolment_code": ADMINS,
    "users.add_grant": ADMINS,
    "users.remove_grant": ADMINS,
    "refusals.listing": ADMINS,
    "disclosures.listing": PUBLIC,
    "disclosures.detail": PUBLIC,
    "disclosures.attachment": PUBLIC,
    "staff.home": SIGNED_IN,
    "staff_disclosures.staff_listing": STAFF_VIEW,
    "staff_disclosures.show": STAFF_VIEW,
    "staff_disclosures.version": STAFF_VIEW,
    "staff_disclosures.staff_attachment": STAFF_VIEW,
    "staff_disclosures.new": EDITORS,
    "staff_disclosures.edit": EDITORS,
    "staff_disclosures.submit": EDITORS,
    "staff_disclosures.upload": EDITORS,
    "staff_disclosures.remove_attachment": EDITORS,
    "staff_disclosures.confirm_attachment": EDITORS,
    "staff_disclosures.mask": EDITORS,
    "staff_disclosures.clear_suspected": EDITORS,
    "staff_disclosures.approve": REVIEWERS,
    "staff_disclosures.reject": REVIEWERS,
    "staff_disclosures.withdraw": REVIEWERS,
    "staff_disclosures.publish": PUBLISHERS,
    "staff_disclosures.approve_revision": REVIEWERS,
    "staff_disclosures.return_revision": REVIEWERS,
    "staff_disclosures.discard_revision": EDITORS,
    "workdays.index": ADMINS,
    "workdays.set_override": ADMINS,
    "workdays.remove_override": ADMINS,
    "workdays.confirm_year": ADMINS,
    "workdays.unconfirm_year": ADMINS,
    "workdays.deadline": SIGNED_IN,
    "inquiries.new": PUBLIC,
    "inquiries.track": PUBLIC,
    "inquiries.status": PUBLIC,
    "inquiries.rate": PUBLIC,
    "inquiries.reopen": PUBLIC,
    "inquiries.supplement": PUBLIC,
    "inquiries.forget": PUBLIC,
    "inquiries.reply_file": PUBLIC,
    "inquiries.proof": PUBLIC,
    "inquiries.replies": PUBLIC,
    "staff_inquiries.queue": INQUIRY_STAFF,
    "staff_inquiries.show": INQUIRY_STAFF,
    "staff_inquiries.sign": HANDLERS,
    "staff_inquiries.process": HANDLERS,
    "staff_inquiries.note": HANDLERS,
    "staff_inquiries.transfer": HANDLERS,
    "staff_inquiries.return_": HANDLERS,
    "staff_inquiries.correction": HANDLERS,
    "staff_inquiries.correction_received": HANDLERS,
    "staff_inquiries.abandon": HANDLERS,
    "staff_inquiries.consult": HANDLERS,
    "staff_inquiries.consult_end": HANDLERS,
    "staff_inquiries.extension": HANDLERS,
    "staff_inquiries.extension_decision": REVIEWERS,
    "staff_inquiries.reply": HANDLERS,
    "staff_inquiries.close": HANDLERS,
    "staff_inquiries.refer": HANDLERS,
    "staff_inquiries.correct_reply": HANDLERS,
    "staff_inquiries.reply_file": INQUIRY_STAFF,
    "staff_inquiries.fee_notice": HANDLERS,
    "staff_inquiries.fee_paid": HANDLERS,
    "staff_inquiries.fee_lapsed": HANDLERS,
    "staff_inquiries.milestone": HANDLERS,
    "staff_inquiries.new_opinion": HANDLERS,
    "staff_inquiries.register": HANDLERS,
    "staff_inquiries.sla": INQUIRY_STAFF,
    "staff_inquiries.update_sla": ADMINS,
    "staff_inquiries.reply_template_list": ADMINS,
    "staff_inquiries.edit_reply_template": ADMINS,
    "villages.index": PUBLIC,
    "villages.board": PUBLIC,
    "villages.notice": PUBLIC,
    "villages.poster": PUBLIC,
    "villages.file": PUBLIC,
    "villages.finance_file": PUBLIC,
    "villages.feed": PUBLIC,
    "staff_villages.listing": VILLAGE_STAFF,
    "staff_villages.show": VILLAGE_STAFF,
    "staff_villages.staff_file": VILLAGE_STAFF,
    "staff_villages.schedule_report": VILLAGE_STAFF,
    "staff_villages.set_rule": frozenset({Role.REVIEWER, Role.ADMIN}),
    "staff_villages.new": CLERKS,
    "staff_villages.edit": CLERKS,
    "staff_villages.submit": CLERKS,
    "staff_villages.mask": CLERKS,
    "staff_villages.finance": CLERKS,
    "staff_villages.attachments": CLERKS,
    "staff_villages.confirm_attachment": CLERKS,
    "staff_villages.remove_attachment": CLERKS,
    "staff_villages.clear_suspected": CLERKS,
    "staff_villages.sign_off": SUPERVISORS,
    "staff_villages.send_back": frozenset({Role.VILLAGE_SUPERVISOR, Role.REVIEWER}),
    "staff_villages.approve": REVIEWERS,
    "staff_villages.withdraw": REVIEWERS,
    "inspection.index": INSPECTORS,
    "inspection.inquiries": INSPECTORS,
    "inspection.download": INSPECTORS,
    "inspection.audit_chain": INSPECTORS,
    "inspection.supervise_inquiry": frozenset({Role.INSPECTOR}),
    "inspection.supervise_village": frozenset({Role.INSPECTOR}),
    "inspection.answer": frozenset({Role.HANDLER, Role.VILLAGE_CLERK, Role.REVIEWER}),
}


# --- 政府信息公开工作年度报告 (portal/annual_report) ----------------------------------------
# Inspectors read; admins and reviewers keep the text and figures, 定稿 and 报送 it; only
# admins 退回修改 a 定稿; admins and handlers record 行政复议、行政诉讼 cases. The services
# check the organization and the report's state.
ANNUAL_REPORT_READERS = frozenset({Role.INSPECTOR, Role.ADMIN, Role.REVIEWER, Role.HANDLER})
ROUTE_POLICY.update({
    "annual_report.index": ANNUAL_REPORT_READERS,
    "annual_report.show": ANNUAL_REPORT_READERS,
    "annual_report.export": ANNUAL_REPORT_READERS,
    "annual_report.save": frozenset({Role.ADMIN, Role.REVIEWER}),
    "annual_report.finalize": frozenset({Role.ADMIN, Role.REVIEWER}),
    "annual_report.submit": frozenset({Role.ADMIN, Role.REVIEWER}),
    "annual_report.reopen": ADMINS,
    "annual_report.appeals_page": ANNUAL_REPORT_READERS,
    "annual_report.add_appeal": frozenset({Role.ADMIN, Role.HANDLER}),
    "annual_report.update_appeal": frozenset({Role.ADMIN, Role.HANDLER}),
})
# --- end annual report --------------------------------------------------------------------


# --- 征求意见、执行公开、公开目录 (portal/consultations, execution, catalogue) ----
# Editors draft and report; reviewers publish, moderate comments and publish results;
# admins keep the catalogue and the guides. The services check the organization.
ROUTE_POLICY.update({
    "consultations.listing": PUBLIC,
    "consultations.detail": PUBLIC,  # GET the page, POST a resident's comment
    "consultations.feed": PUBLIC,
    "staff_consultations.listing": STAFF_VIEW,
    "staff_consultations.show": STAFF_VIEW,
    "staff_consultations.new": EDITORS,
    "staff_consultations.edit": EDITORS,
    "staff_consultations.outcome": EDITORS,
    "staff_consultations.adoption": EDITORS,
    "staff_consultations.decision": EDITORS,
    "staff_consultations.publish": REVIEWERS,
    "staff_consultations.moderate": REVIEWERS,
    "staff_consultations.conclude": REVIEWERS,
    "staff_consultations.withdraw": REVIEWERS,
    "execution.listing": PUBLIC,
    "execution.detail": PUBLIC,
    "staff_execution.listing": STAFF_VIEW,
    "staff_execution.show": STAFF_VIEW,
    "staff_execution.new": EDITORS,
    "staff_execution.edit": EDITORS,
    "staff_execution.add_update": EDITORS,
    "staff_execution.add_milestone": EDITORS,
    "staff_execution.complete_milestone": EDITORS,
    "staff_execution.publish": REVIEWERS,
    "staff_execution.withdraw": REVIEWERS,
    "catalogue.listing": PUBLIC,
    "catalogue.entry": PUBLIC,
    "catalogue.guide": PUBLIC,
    "staff_catalogue.staff_listing": ADMINS,
    "staff_catalogue.new": ADMINS,
    "staff_catalogue.edit": ADMINS,
    "staff_catalogue.edit_guide": ADMINS,
})
# --- end 征求意见、执行公开、公开目录 -------------------------------------------------------


# --- 行政执法公示 (portal/enforcement) --------------------------------------------------
# Residents read the registers and the published decisions (masked CSV too); editors keep
# the registers and record decisions; reviewers publish and revoke; inspectors and admins
# read the back office; the credit platform's unmasked CSV is for editors and reviewers.
# The services check the organization and never on one's own decision.
ROUTE_POLICY.update({
    "enforcement.index": PUBLIC,
    "enforcement.decisions": PUBLIC,
    "enforcement.decision": PUBLIC,
    "enforcement.decisions_csv": PUBLIC,
    "staff_enforcement.listing": STAFF_VIEW,
    "staff_enforcement.show": STAFF_VIEW,
    "staff_enforcement.new_body": EDITORS,
    "staff_enforcement.new_officer": EDITORS,
    "staff_enforcement.new_matter": EDITORS,
    "staff_enforcement.new_decision": EDITORS,
    "staff_enforcement.edit_decision": EDITORS,
    "staff_enforcement.publish": REVIEWERS,
    "staff_enforcement.revoke": REVIEWERS,
    "staff_enforcement.export": PUBLISHERS,
})
# --- end 行政执法公示 ------------------------------------------------------------------------


# --- 矛盾纠纷排查化解 (portal/disputes) -------------------------------------------------
# Residents see yearly counts only. A village's 网格员 files the daily check; 网格员 and the
# town's 综治中心 record and work disputes (the services check the village, and that only
# the 综治中心 hands one up); the weekly and monthly reports are the 综治中心's.
ROUTE_POLICY.update({
    "disputes.index": PUBLIC,
    "staff_disputes.listing": DISPUTE_STAFF,
    "staff_disputes.new_check": GRID_WORKERS,
    "staff_disputes.new": DISPUTE_STAFF,
    "staff_disputes.show": DISPUTE_STAFF,
    "staff_disputes.edit": DISPUTE_STAFF,
    "staff_disputes.mediate": DISPUTE_STAFF,
    "staff_disputes.resolve": DISPUTE_STAFF,
    "staff_disputes.escalate": GOVERNANCE,
    "staff_disputes.report": GOVERNANCE,
    "staff_disputes.export": GOVERNANCE,
})
# --- end 矛盾纠纷排查化解 ----------------------------------------------------------------


# --- search, feeds and sitemap, JSON API, Open311 ------------------------------
# Machine endpoints are public; Open311 POSTs authenticate with an API key in the view.
ROUTE_POLICY.update({
    "search.results": PUBLIC,
    "feeds.index": PUBLIC,
    "feeds.all_disclosures": PUBLIC,
    "feeds.category": PUBLIC,
    "feeds.organization": PUBLIC,
    "feeds.sitemap": PUBLIC,
    "feeds.all_villages": PUBLIC,
    "feeds.execution": PUBLIC,
    "feeds.replies": PUBLIC,
    "feeds.sitemap_part": PUBLIC,
    "api.index": PUBLIC,
    "api.openapi_document": PUBLIC,
    "api.disclosures": PUBLIC,
    "api.disclosure": PUBLIC,
    "api.notices": PUBLIC,
    "api.notice": PUBLIC,
    "api.replies": PUBLIC,
    "api.reply": PUBLIC,
    "api.consultations": PUBLIC,
    "api.consultation": PUBLIC,
    "api.catalogue": PUBLIC,
    "api.catalogue_entry": PUBLIC,
    "open311.unrouted": PUBLIC,
    "open311.discovery_document": PUBLIC,
    "open311.services": PUBLIC,
    "open311.service_definition": PUBLIC,
    "open311.token": PUBLIC,
    "open311.requests": PUBLIC,
    "open311.service_request": PUBLIC,
    "open311.create_request": PUBLIC,
    "open311_keys.index": ADMINS,
    "open311_keys.issue": ADMINS,
    "open311_keys.revoke": ADMINS,
})
# The audit log's Merkle tree, signed heads, proofs and the verifier: for everyone.
ROUTE_POLICY.update({f"transparency.{name}": PUBLIC for name in (
    "index", "heads_json", "heads_atom", "inclusion", "consistency", "leaves", "cosignatures",
    "verifier")})
# --- end search, feeds, APIs ----------------------------------------------------------------------


# --- the organization tree and the open-data download -------------------------------
# Admins keep the tree of their own subtree (the services check which units); the
# dataset of every public record is public like the pages it is made of.
ROUTE_POLICY.update({
    "organizations.listing": ADMINS,
    "organizations.new": ADMINS,
    "organizations.edit": ADMINS,
    "organizations.deactivate": ADMINS,
    "organizations.activate": ADMINS,
    "open_data.index": PUBLIC,
    "open_data.download": PUBLIC,
})


# --- notifications: the resident's stop link, the 消息 centre, the admins' delivery pages --
# The stop link is public (holding it is the authority); everyone signed in reads and
# marks their own messages (the services answer 404 for anyone else's).
ROUTE_POLICY.update({
    "notifications.stop": PUBLIC,
    "notifications.sms_replies": PUBLIC,  # the provider's push; a secret address
    "messages.inbox": SIGNED_IN,
    "messages.read_all": SIGNED_IN,
    "messages.read_one": SIGNED_IN,
    "messages.settings": SIGNED_IN,
    "notification_admin.log": ADMINS,
    "notification_admin.retry": ADMINS,
    "notification_admin.test": ADMINS,
    "notification_admin.template_list": ADMINS,
    "notification_admin.edit_template": ADMINS,
})


def policy_for(endpoint: str | None) -> str | frozenset[Role] | None:
    return ROUTE_POLICY.get(endpoint or "")


def check_route_access() -> None:
    """before_request hook: raise PermissionDenied (403) or let Flask-Login redirect."""
    if request.endpoint is None:  # 404 and 405 are answered by routing itself
        return None
    policy = policy_for(request.endpoint)
    if policy == PUBLIC:
        return None
    if not current_user.is_authenticated:
        from portal.extensions import login_manager

        return login_manager.unauthorized()
    if policy == SIGNED_IN:
        return None
    if policy is None or not may_reach(current_user, policy):
        raise PermissionDenied(action=f"route:{request.endpoint}", actor=current_user)
    return None


def register(app: Flask) -> None:
    app.before_request(check_route_access)
