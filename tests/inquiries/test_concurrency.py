"""Several gunicorn workers at once: a double-clicked form creates one inquiry, and the
submission limit holds across workers."""

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.inquiries.models import Inquiry
from tests.live_server import form_session, live_server, pids_serving, post_concurrently

CODE = re.compile(r'class="tracking-code"[^>]*>([0-9A-Z-]{19})<')
LIMIT = 4


@pytest.fixture
def server(database_url, tmp_path, orgs):
    db.session.commit()  # the organizations must be visible to the server's workers
    with live_server(database_url, tmp_path,
                     env={"PORTAL_RATELIMIT_INQUIRY_SUBMIT": f"{LIMIT} per hour"}) as running:
        yield running


def _form(page: str, csrf: str, **changes) -> str:
    token = re.search(r'name="submission_token" type="hidden" value="([0-9a-f.]+)"', page)
    data = {"csrf_token": csrf, "submission_token": token.group(1), "type": "consult",
            "place": "town:shuangta", "title": "同时点了两次", "body": "网络慢，我又点了一次提交。",
            "contact_name": "张三", "contact_phone": "13812345678", "website": ""}
    data.update(changes)
    return urlencode(data)


def _count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Inquiry))


def test_simultaneous_double_submission_creates_one_inquiry(server):
    port, _access_log = server
    cookie, csrf, page = form_session(port, "/inquiries/new")
    results = post_concurrently(port, "/inquiries/new", [_form(page, csrf)] * 3, cookie)
    assert [status for status, _ in results] == [200, 200, 200]
    assert _count() == 1
    assert len({CODE.search(body).group(1) for _, body in results}) == 1


def test_submission_limit_holds_across_workers(server):
    port, access_log = server
    cookie, csrf, _page = form_session(port, "/inquiries/new")
    forms = []
    for _ in range(10):  # ten different forms, so idempotency does not merge them
        _cookie, _csrf, page = form_session(port, "/inquiries/new")
        forms.append(_form(page, csrf))
    statuses = [status for status, _ in post_concurrently(port, "/inquiries/new", forms, cookie)]
    assert statuses.count(200) == LIMIT and statuses.count(429) == 10 - LIMIT
    assert _count() == LIMIT
    assert len(pids_serving(access_log, "POST /inquiries/new", 10)) > 1
