"""Comments show only once a reviewer approves them, with personal data masked; the
contact never shows; script in a comment is shown as text."""

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.consultations import moderation
from portal.consultations.models import CommentStatus
from portal.errors import InvalidTransition, PermissionDenied, ValidationError
from portal.extensions import db
from tests.consultations.conftest import OPENS
from tests.inquiries.timetravel import beijing


@pytest.fixture
def open_consultation(published_consultation, travel):
    consultation = published_consultation()
    travel.set(beijing(OPENS, 9))
    return consultation


def _page(client, consultation) -> str:
    return client.get(f"/consultations/{consultation.id}").get_data(as_text=True)


def test_pending_and_rejected_comments_are_never_public(client, open_consultation, comment,
                                                      staff):
    pending = comment(open_consultation, body="待审核的意见内容")
    rejected = comment(open_consultation, body="与本事项无关的广告内容")
    moderation.moderate(staff["reviewer"], open_consultation.id, rejected.id, False,
                        "与征求意见事项无关")
    html = _page(client, open_consultation)
    assert "待审核的意见内容" not in html and "与本事项无关的广告内容" not in html
    assert "与征求意见事项无关" not in html  # the reason stays internal
    assert "公开的意见（0 条）" in html
    assert pending.status is CommentStatus.PENDING


def test_approved_comment_is_public_with_personal_data_masked(client, open_consultation,
                                                             comment, staff):
    item = comment(open_consultation, name="王建国", contact="13912345678",
                   body="我是双塔村村民，身份证 11010519491231002X，电话 13812345678，"
                        "建议在村东头增设垃圾收集点。")
    moderation.moderate(staff["reviewer"], open_consultation.id, item.id, True)
    html = _page(client, open_consultation)
    assert "建议在村东头增设垃圾收集点" in html
    assert "110105********002X" in html and "138****5678" in html
    assert "11010519491231002X" not in html and "13812345678" not in html
    assert "王**" in html and "王建国" not in html
    assert "13912345678" not in html and "139****5678" not in html  # contact never shown


def test_script_in_a_comment_is_shown_as_text(client, login, open_consultation, comment,
                                              staff):
    item = comment(open_consultation, body='<script>alert("x")</script><b>加粗</b>')
    login(staff["reviewer"])
    staff_html = client.get(f"/staff/consultations/{open_consultation.id}").get_data(
        as_text=True)
    assert '<script>alert("x")' not in staff_html and "&lt;script&gt;" in staff_html
    moderation.moderate(staff["reviewer"], open_consultation.id, item.id, True)
    html = _page(client, open_consultation)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;加粗&lt;/b&gt;" in html
    assert '<script>alert("x")' not in html


def test_rejecting_needs_a_reason_and_a_decision_is_final(open_consultation, comment, staff):
    item = comment(open_consultation)
    with pytest.raises(ValidationError, match="请填写不予公开的理由"):
        moderation.moderate(staff["reviewer"], open_consultation.id, item.id, False, "")
    moderation.moderate(staff["reviewer"], open_consultation.id, item.id, True)
    with pytest.raises(InvalidTransition):
        moderation.moderate(staff["reviewer"], open_consultation.id, item.id, False, "改主意")


def test_other_towns_reviewer_is_refused_and_audited(client, login, open_consultation,
                                                     comment, staff):
    item = comment(open_consultation)
    with pytest.raises(PermissionDenied):
        moderation.moderate(staff["other_reviewer"], open_consultation.id, item.id, True)
    db.session.rollback()
    login(staff["other_reviewer"])
    response = client.post(
        f"/staff/consultations/{open_consultation.id}/comments/{item.id}/moderate",
        data={"decision": "approve"})
    assert response.status_code == 403
    denied = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "consultation.moderate", AuditEvent.result == "denied")).all()
    assert denied and denied[-1].actor_name == "other_reviewer"
    assert item.status is CommentStatus.PENDING
    assert client.get(f"/staff/consultations/{open_consultation.id}").status_code == 403


def test_reviewer_moderates_through_the_page(client, login, open_consultation, comment, staff):
    item = comment(open_consultation, body="页面审核的意见")
    login(staff["reviewer"])
    page = client.get(f"/staff/consultations/{open_consultation.id}").get_data(as_text=True)
    assert "页面审核的意见" in page and "待审核 1 条" in page
    response = client.post(
        f"/staff/consultations/{open_consultation.id}/comments/{item.id}/moderate",
        data={"decision": "reject", "reason": ""})
    assert response.status_code == 400
    assert "请填写不予公开的理由" in response.get_data(as_text=True)
    response = client.post(
        f"/staff/consultations/{open_consultation.id}/comments/{item.id}/moderate",
        data={"decision": "approve"})
    assert response.status_code == 303
    assert "页面审核的意见" in _page(client, open_consultation)
    approved = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "consultation.moderate", AuditEvent.result == "ok")).one()
    assert approved.after["status"] == "approved"
