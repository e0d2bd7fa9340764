"""Residents comment without an account: honeypot, idempotent form tokens, clear messages
for bad input, and a rate limit shared by every worker."""

import re

import pytest
from flask import request_started
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.consultations.models import ConsultationComment
from portal.extensions import db
from tests.consultations.conftest import OPENS
from tests.inquiries.timetravel import beijing

TOKEN = re.compile(r'name="submission_token" type="hidden" value="([0-9a-f.]+)"')


@pytest.fixture
def open_consultation(published_consultation, travel):
    consultation = published_consultation()
    travel.set(beijing(OPENS, 9))
    return consultation


def _form(client, consultation) -> str:
    html = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    return TOKEN.search(html).group(1)


def _fields(token, **changes):
    data = {"body": "建议把垃圾收运时间改在早上七点前。", "name": "李奶奶",
            "contact": "13812345678", "submission_token": token, "website": ""}
    data.update(changes)
    return data


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(ConsultationComment))


def test_comment_is_received_and_waits_for_moderation(client, open_consultation):
    token = _form(client, open_consultation)
    response = client.post(f"/consultations/{open_consultation.id}", data=_fields(token))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/consultations/{open_consultation.id}#comments")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "意见经审核后在本页公开" in page
    assert "早上七点前" not in page  # pending
    stored = db.session.scalars(select(ConsultationComment)).one()
    assert stored.contact == "13812345678" and stored.commenter_name == "李奶奶"
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "consultation.comment")).one()
    assert "13812345678" not in str(event.after) and event.actor_id is None


def test_the_same_form_twice_is_one_comment(client, open_consultation):
    token = _form(client, open_consultation)
    client.post(f"/consultations/{open_consultation.id}", data=_fields(token))
    second = client.post(f"/consultations/{open_consultation.id}", data=_fields(token),
                         follow_redirects=True)
    assert "无需重复提交" in second.get_data(as_text=True)
    assert _count() == 1


def test_honeypot_is_refused_and_audited(client, open_consultation):
    token = _form(client, open_consultation)
    response = client.post(f"/consultations/{open_consultation.id}",
                           data=_fields(token, website="http://spam.example"))
    assert response.status_code == 400
    assert "请不要使用自动填表工具" in response.get_data(as_text=True)
    assert _count() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "antispam.honeypot")) == 1


@pytest.mark.parametrize("changes,message", [
    ({"body": ""}, "请填写意见内容。"),
    ({"body": "长" * 3001}, "意见内容不能超过 3000 个字（现有 3001 个字）。"),
    ({"body": "含有\x00空字符"}, "您的意见中含有不可见的控制字符"),  # the form's label
    ({"contact": "12345"}, "联系方式请填写手机号、带区号的固定电话或电子邮箱"),
    ({"name": "名\u202e字"}, "姓名中含有不可见的控制字符"),
])
def test_bad_input_is_explained_and_kept(client, open_consultation, changes, message):
    token = _form(client, open_consultation)
    data = _fields(token, **changes)
    response = client.post(f"/consultations/{open_consultation.id}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'aria-invalid="true"' in html
    kept = data["body"][:50] if data["body"] else data["name"]
    assert kept.replace("\x00", "") in html or "李奶奶" in html
    assert _count() == 0


def test_contact_may_be_an_email_or_blank(client, open_consultation):
    for contact in ("li@example.com", ""):
        token = _form(client, open_consultation)
        assert client.post(f"/consultations/{open_consultation.id}",
                           data=_fields(token, contact=contact)).status_code == 303
    assert _count() == 2


def test_drafts_and_unknown_consultations_are_404(client, staff, consultation_input, travel):
    from portal.consultations import services

    draft = services.create_draft(staff["editor"], consultation_input())
    assert client.get(f"/consultations/{draft.id}").status_code == 404
    assert client.post(f"/consultations/{draft.id}", data={"body": "x"}).status_code == 404
    assert client.get("/consultations/99999").status_code == 404


def _commit_between_requests(sender, **_extra):
    # Test requests share one session; release SQLite's write lock as production would.
    db.session.commit()


class TestRateLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True,
                "RATELIMIT_CONSULTATION_COMMENT": "2 per 10 minutes"}

    @pytest.fixture
    def app(self, app):
        request_started.connect(_commit_between_requests, app)
        return app

    def test_third_comment_within_ten_minutes_is_refused(self, client, open_consultation):
        statuses = []
        for n in range(3):
            token = _form(client, open_consultation)
            statuses.append(client.post(f"/consultations/{open_consultation.id}",
                                        data=_fields(token, body=f"意见{n}")).status_code)
        assert statuses == [303, 303, 429]
        assert _count() == 2
        assert client.get(f"/consultations/{open_consultation.id}").status_code == 200
