"""Every route × every role (and anonymous), against portal.access.ROUTE_POLICY.

A route added without a policy fails `test_every_route_has_a_policy`; the matrix then
checks that the gate really answers as the table says.
"""

import io
import time
from datetime import date

import pytest

from portal.access import PUBLIC, ROUTE_POLICY, SIGNED_IN
from portal.auth.models import Role
from portal.disclosures import revisions, services
from portal.extensions import db
from tests.sample_files import PDF

IDENTITIES = [None, *Role]
# Public by policy; without a half-finished login the view itself sends the person back
# to the password step, which is its answer and not the gate's.
SECOND_STEP = {"auth.verify", "auth.enroll"}


def test_every_route_has_a_policy(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - ROUTE_POLICY.keys())
    assert not missing, f"routes without an access policy: {missing}"
    stale = sorted(ROUTE_POLICY.keys() - endpoints)
    assert not stale, f"policies for routes that no longer exist: {stale}"


@pytest.fixture
def world(orgs, make_user, draft_input_factory):
    at = {Role.ADMIN: "county", Role.VILLAGE_CLERK: "village_a",
          Role.VILLAGE_SUPERVISOR: "village_a", Role.GRID_WORKER: "village_a"}
    users = {role: make_user(f"u-{role.value}", (role, orgs[at.get(role, "town")]))
             for role in Role}
    author = make_user("author", (Role.EDITOR, orgs["town"]))
    reviewer = make_user("rev", (Role.REVIEWER, orgs["town"]))
    doc = services.create_draft(author, draft_input_factory(orgs["town"]))
    from werkzeug.datastructures import FileStorage

    services.add_attachments(author, doc.id, [FileStorage(io.BytesIO(PDF), "a.pdf")],
                             confirmed=True)
    services.submit(author, doc.id)
    services.approve(reviewer, doc.id)
    services.publish(author, doc.id)
    services.update(author, doc.id, draft_input_factory(orgs["town"], title="改"))
    revisions.approve(reviewer, doc.id)  # version 1 kept
    revisions.propose(users[Role.EDITOR], doc.id, draft_input_factory(orgs["town"], title="再改"),
                      revisions.Correction(substantive=True, note="标题有误"))
    from portal.inquiries import submission, tracking
    from portal.inquiries.models import InquiryType

    inquiry = submission.submit(submission.InquiryInput(
        type=InquiryType.CONSULT, title="矩阵", body="正文", contact_name="甲",
        contact_phone="13812345678", organization=orgs["town"]),
        tracking.new_submission_token()).inquiry
    notice = _published_village_notice(orgs, make_user)
    managed = make_user("m-target", (Role.EDITOR, orgs["town"]))  # for /staff/users/<id>
    return {"users": users, "doc": doc, "user_id": managed.id,
            "grant_id": managed.grants[0].id, "org_id": orgs["village_b"].id,
            "file_id": doc.attachments[0].stored_file_id,
            "inquiry_id": inquiry.id, "notice_id": notice.id,
            **_civic_samples(orgs, author, reviewer)}


def _civic_samples(orgs, author, reviewer) -> dict:
    """An open consultation with a pending comment, a task with a milestone, and
    a seeded catalogue entry."""
    from datetime import timedelta

    from portal.catalogue.models import CatalogueEntry
    from portal.consultations import participation
    from portal.consultations import services as consultations
    from portal.execution import progress
    from portal.execution import services as execution
    from portal.inquiries import tracking
    from portal.timeutil import local_today

    today = local_today()
    consultation = consultations.create_draft(author, consultations.ConsultationInput(
        organization=orgs["town"], title="矩阵征求意见", draft_html="正文", opens_on=today,
        closes_on=today + timedelta(days=30)))
    consultations.publish(reviewer, consultation.id)
    comment = participation.submit_comment(consultation.id, participation.CommentInput(
        body="矩阵意见"), tracking.new_submission_token("comment")).comment
    task = execution.create_task(author, execution.TaskInput(organization=orgs["town"],
                                                             title="矩阵任务"))
    milestone = progress.add_milestone(author, task.id, "矩阵节点", today)
    entry_id = db.session.scalar(db.select(CatalogueEntry.id).limit(1))
    return {"consultation_id": consultation.id, "comment_id": comment.id, "task_id": task.id,
            "milestone_id": milestone.id, "entry_id": entry_id,
            **_enforcement_samples(orgs, author, today), **_dispute_samples(orgs, today)}


def _dispute_samples(orgs, today) -> dict:
    """A dispute in 双塔村 under mediation (by a 网格员 of the sample world's own)."""
    from portal.auth.models import User
    from portal.disputes import services as disputes

    worker = User(username="m-grid", display_name="m-grid", password_hash="x")
    from portal.auth.models import RoleGrant

    worker.grants = [RoleGrant(role=Role.GRID_WORKER, organization=orgs["village_a"])]
    db.session.add(worker)
    db.session.commit()
    dispute = disputes.create_dispute(worker, disputes.DisputeInput(
        village=orgs["village_a"], type="neighbour", parties="矩阵甲、矩阵乙",
        summary="矩阵纠纷", responsible="矩阵调解员", reported_on=today))
    disputes.mediate(worker, dispute.id)
    return {"dispute_id": dispute.id}


def _enforcement_samples(orgs, author, today) -> dict:
    """A body and a decision awaiting publication, recorded by the sample author."""
    from portal.enforcement import registry
    from portal.enforcement import services as enforcement

    body = registry.create_body(author, registry.BodyInput(
        organization=orgs["town"], name="矩阵执法主体", kind="statutory"))
    decision = enforcement.create_decision(author, enforcement.DecisionInput(
        body=body, kind="penalty", document_number="矩阵罚〔2026〕1号", title="处罚决定书",
        party_kind="legal", party_name="矩阵公司", party_code="91411421MA45ABCD1X",
        basis="依据", content="罚款", decided_on=today))
    return {"body_id": body.id, "decision_id": decision.id}


def _published_village_notice(orgs, make_user):
    from portal.villages import services as villages
    from portal.villages.models import NoticeCategory

    clerk = make_user("m-clerk", (Role.VILLAGE_CLERK, orgs["village_a"]))
    supervisor = make_user("m-sup", (Role.VILLAGE_SUPERVISOR, orgs["village_a"]))
    reviewer = make_user("m-rev", (Role.REVIEWER, orgs["town"]))
    notice = villages.create_draft(clerk, villages.NoticeInput(
        village=orgs["village_a"], category=NoticeCategory.PARTY, title="党务公开",
        body_html="正文", period_start=date(2026, 7, 1), period_end=date(2026, 9, 30)))
    villages.submit(clerk, notice.id)
    villages.sign_off(supervisor, notice.id)
    return villages.approve(reviewer, notice.id)


@pytest.fixture
def draft_input_factory():
    from datetime import date

    from portal.disclosures.models import Category

    def build(org, **changes):
        fields = dict(organization=org, category=Category.RESULT, title="矩阵测试",
                      body_html="正文", formed_on=date(2026, 11, 2))
        fields.update(changes)
        return services.DisclosureInput(**fields)

    return build


def _url_values(rule, world) -> dict:
    samples = {"disclosure_id": world["doc"].id, "file_id": world["file_id"], "number": 1,
               "day": "2027-02-09", "year": 2027, "filename": "css/site.css",
               "inquiry_id": world["inquiry_id"], "policy_id": 1, "template_id": 1,
               "slug": "shuangta-cun", "notice_id": world["notice_id"],
               "name": "timeliness-type", "fmt": "csv",
               "consultation_id": world["consultation_id"], "comment_id": world["comment_id"],
               "task_id": world["task_id"], "milestone_id": world["milestone_id"],
               "entry_id": world["entry_id"], "org_slug": "shuangta",
               "category": "result", "reply_number": "2026-000001",
               "service_request_id": "2026-000001", "response_format": "json", "key_id": 1,
               "service_code": "consult", "unknown": "no-such-resource.json",
               "user_id": world["user_id"], "org_id": world["org_id"],
               "grant_id": world["grant_id"],
               "body_id": world["body_id"], "decision_id": world["decision_id"],
               "kind": "penalty", "dispute_id": world["dispute_id"], "period": "weekly",
               # notifications: an unknown stop link, a message id
               "token": "no-such-stop-link", "notification_id": 1,
               "kind_key": "assigned", "channel": "email"}
    return {name: samples[name] for name in rule.arguments}


API_KEY_ROUTES = {"open311.create_request"}


def _sign_in(client, user) -> None:
    db.session.refresh(user)
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["auth_at"] = session["seen_at"] = int(time.time())


def _allowed(policy, role) -> bool:
    if policy == PUBLIC:
        return True
    if role is None:
        return False
    return policy == SIGNED_IN or role in policy


def test_route_matrix(app, world):
    failures = []
    for rule in app.url_map.iter_rules():
        policy = ROUTE_POLICY[rule.endpoint]
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **_url_values(rule, world))
        for method in sorted(rule.methods & {"GET", "POST"}):
            for role in IDENTITIES:
                client = app.test_client()
                if role is not None:
                    _sign_in(client, world["users"][role])
                response = client.open(url, method=method)
                status = response.status_code
                to_login = status == 302 and "/login" in response.headers["Location"]
                if rule.endpoint in SECOND_STEP:
                    ok = status == 302 and to_login
                elif _allowed(policy, role):
                    # GeoReport v2 answers a missing api_key with 403, whoever is signed in.
                    ok = (status != 403 or rule.endpoint in API_KEY_ROUTES) and not to_login
                elif role is None:
                    ok = to_login
                else:
                    ok = status == 403
                if not ok:
                    failures.append(f"{method} {url} as {role or 'anonymous'} → {status}")
    assert not failures, "\n".join(failures)
