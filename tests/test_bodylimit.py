"""Request bodies are bounded per route before anything reads them (portal.bodylimit).

Forms get FORM_MAX_BYTES; the few forms with long texts LONG_TEXT_FORM_MAX_BYTES; routes
marked with `accepts_uploads` their files' worth of ATTACHMENT_MAX_BYTES on top, for a
signed-in session. A declared Content-Length above the limit is answered 413 without
reading a byte; a body without one is cut off where it passes the limit.
"""

from __future__ import annotations

import html
import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal import bodylimit
from portal.audit.models import AuditEvent, RefusalTally
from portal.auth.models import Role
from portal.consultations.models import Consultation
from portal.disclosures import services as disclosures
from portal.disclosures.models import Category, Disclosure
from portal.extensions import db
from tests.attachments.conftest import pdf_bytes

MB = 1024 * 1024
TWENTY_MB = 20 * MB
UPLOAD_ROUTES = {
    "staff_disclosures.new": 1,  # the Word file whose text becomes the body
    "staff_disclosures.edit": 1,
    "staff_disclosures.upload": 5,
    "staff_villages.finance": 1,
    "staff_villages.attachments": 5,
    "staff_inquiries.reply": 5,  # files sent with a 依申请公开 reply
}
LONG_TEXT_ROUTES = {"staff_disclosures.new", "staff_disclosures.edit", "staff_villages.new",
                    "staff_villages.edit", "staff_consultations.new", "staff_consultations.edit",
                    "annual_report.save"}


class CountingStream(io.RawIOBase):
    """A request body of `size` bytes of "a" that counts how much of it was read."""

    def __init__(self, size: int):
        self.size = size
        self.position = 0
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # the test client measures the body by seeking to its end
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = offset + (self.size if whence == io.SEEK_END else 0)
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        count = max(0, min(len(buffer), self.size - self.position))
        buffer[:count] = b"a" * count
        self.position += count
        self.consumed += count
        return count


def _post_declared(client, path: str, size: int, *, content_type: str =
                   "application/x-www-form-urlencoded"):
    """POST a body of `size` bytes with its Content-Length; (response, the body)."""
    stream = CountingStream(size)
    response = client.post(path, input_stream=stream, content_type=content_type)
    return response, stream


def test_the_body_limit_is_the_first_hook_that_reads_anything(app):
    """Only the log's note of the route (an attribute set, nothing read) comes before it,
    so a refused body is still logged with its route."""
    first, second = app.before_request_funcs[None][:2]
    assert first.__name__ == "note_route" and first.__module__ == "portal.logs"
    assert second is bodylimit.apply_limits


def test_upload_routes_are_exactly_the_marked_ones(app):
    marked = bodylimit.upload_routes(app)
    assert {endpoint: allowance.files for endpoint, allowance in marked.items()} \
        == UPLOAD_ROUTES


def test_long_text_routes_are_exactly_the_marked_ones(app):
    long_text = {endpoint for endpoint in app.view_functions
                 if bodylimit.allowance_for(endpoint).long_text}
    assert long_text == LONG_TEXT_ROUTES


def test_a_declared_body_over_the_limit_is_refused_unread(client):
    response, stream = _post_declared(client, "/inquiries/new", TWENTY_MB)

    assert response.status_code == 413
    assert stream.consumed == 0
    page = response.get_data(as_text=True)
    assert "提交内容过大" in page and "256 KB" in page


def test_a_form_within_the_limit_is_read(client):
    response, stream = _post_declared(client, "/inquiries/new", 256 * 1024)

    assert response.status_code != 413
    assert stream.consumed == 256 * 1024


def test_an_undeclared_body_is_cut_off_at_the_limit(client):
    stream = CountingStream(TWENTY_MB)
    response = client.post("/inquiries/new", input_stream=stream,
                           content_type="application/x-www-form-urlencoded",
                           environ_overrides={"HTTP_TRANSFER_ENCODING": "chunked",
                                              "wsgi.input_terminated": True})

    assert response.status_code == 413
    assert "256 KB" in response.get_data(as_text=True)
    assert stream.consumed <= 256 * 1024 + 64 * 1024


def test_anonymous_refusals_are_counted_not_chained(client):
    """A flood of huge bodies must not become a flood of audit events: the first of the
    window is one, the rest only count (portal.audit.refusals)."""
    for _ in range(20):
        _post_declared(client, "/inquiries/new", TWENTY_MB)

    events = db.session.scalars(select(AuditEvent)).all()
    assert [(e.action, e.result) for e in events] == [("request.too_large", "rejected")]
    assert db.session.scalar(select(func.sum(RefusalTally.count))) == 20


def test_a_signed_in_refusal_is_audited(client, login, editor):
    login(editor)
    _post_declared(client, "/staff/consultations/new", 3 * MB)

    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.result) == ("request.too_large", "rejected")
    assert "2 MB" in event.message


def test_api_refusals_are_json(client):
    response, _stream = _post_declared(client, "/api/v1/disclosures", TWENTY_MB)

    assert response.status_code == 413
    assert "256 KB" in response.get_json()["message"]


def test_open311_refusals_use_the_georeport_format(client):
    response, _stream = _post_declared(client, "/open311/v2/requests.json", TWENTY_MB)

    assert response.status_code == 413
    [error] = response.get_json()
    assert error["code"] == 413 and "256 KB" in error["description"]


def test_a_file_sent_to_a_form_without_uploads_is_refused(client):
    response = client.post("/inquiries/new", content_type="multipart/form-data",
                           data={"title": "标题", "file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")})

    assert response.status_code == 413
    assert "不接受上传文件" in response.get_data(as_text=True)


@pytest.fixture
def editor(orgs, make_user):
    return make_user("editor", (Role.EDITOR, orgs["town"]))


@pytest.fixture
def draft(orgs, editor):
    return disclosures.create_draft(editor, disclosures.DisclosureInput(
        organization=orgs["town"], category=Category.RESULT, title="附件测试",
        body_html="正文", formed_on=date(2026, 11, 2)))


def test_staff_may_upload_their_files_worth(client, login, editor, draft):
    login(editor)
    limit = 5 * TWENTY_MB + 256 * 1024
    path = f"/staff/disclosures/{draft.id}/attachments"

    over, stream = _post_declared(client, path, limit + 1,
                                  content_type="multipart/form-data; boundary=x")
    assert over.status_code == 413 and stream.consumed == 0
    page = over.get_data(as_text=True)
    assert "100 MB" in page and "20 MB" in page

    three = [(io.BytesIO(pdf_bytes(padding=MB)), f"附件{n}.pdf") for n in range(3)]
    within = client.post(path, content_type="multipart/form-data", data={"files": three})
    assert within.status_code == 302
    db.session.expire_all()
    assert len(db.session.get(Disclosure, draft.id).attachments) == 3


def test_a_session_without_a_user_gets_the_form_limit_on_upload_routes(client, draft):
    response, stream = _post_declared(client, f"/staff/disclosures/{draft.id}/attachments",
                                      MB, content_type="multipart/form-data; boundary=x")

    assert response.status_code == 413 and stream.consumed == 0
    page = response.get_data(as_text=True)
    assert "256 KB" in page and "登录" in page


def test_the_upload_limit_follows_the_attachment_setting(app, client, login, editor, draft):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    app.config["FORM_MAX_BYTES"] = 2048
    login(editor)
    response = client.post(f"/staff/disclosures/{draft.id}/attachments",
                           content_type="multipart/form-data",
                           data={"files": [(io.BytesIO(b"x" * 1000), f"{n}.pdf")
                                           for n in range(8)]})

    assert response.status_code == 413
    assert "5 KB" in response.get_data(as_text=True)


def test_long_texts_fit_where_they_are_expected(client, login, editor, orgs):
    login(editor)
    # A draft regulation of about 40,000 characters, as a browser encodes it (9 bytes each).
    draft_html = "<p>" + "第一条 为规范农村人居环境整治工作。" * 2500 + "</p>"
    response = client.post("/staff/consultations/new", data={
        "organization": orgs["town"].id, "title": "关于征求意见的公告",
        "draft_html": draft_html, "opens_on": date(2026, 11, 2).isoformat(),
        "closes_on": date(2026, 12, 2).isoformat()})

    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert db.session.scalar(select(func.count()).select_from(Consultation)) == 1


def test_long_text_forms_have_their_own_limit(client, login, editor):
    login(editor)
    response, stream = _post_declared(client, "/staff/consultations/new", 3 * MB)

    assert response.status_code == 413 and stream.consumed == 0
    assert "2 MB" in response.get_data(as_text=True)


@pytest.fixture
def guarded(app_config):
    """The app with CSRF and rate limits on, as in production."""
    from portal import create_app

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True,
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_refusal_comes_before_csrf_and_the_rate_limit(guarded, editor):
    client = guarded.test_client()
    for _ in range(15):  # the login form takes ten a minute
        response, stream = _post_declared(client, "/login", TWENTY_MB)
        assert response.status_code == 413 and stream.consumed == 0

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "editor", "password": "Passw0rd!demo",
                                           "csrf_token": html.unescape(token)})
    assert response.status_code == 302
    assert "csrf.reject" not in db.session.scalars(select(AuditEvent.action)).all()
