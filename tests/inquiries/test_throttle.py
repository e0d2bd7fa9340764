"""Submissions and tracking lookups are rate limited per client."""

import pytest
from flask import request_started
from sqlalchemy import func, select

from portal.extensions import db
from portal.inquiries.models import Inquiry
from tests.inquiries.test_public_pages import fields, form_page


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True,
            "RATELIMIT_INQUIRY_SUBMIT": "3 per 10 minutes",
            "RATELIMIT_TRACK_LOOKUP": "4 per minute"}


def _commit_between_requests(sender, **_extra):
    # Test requests share one session; release SQLite's write lock as production would.
    db.session.commit()


@pytest.fixture
def app(app):
    request_started.connect(_commit_between_requests, app)
    return app


def test_fourth_submission_within_ten_minutes_is_refused(client, orgs):
    statuses = []
    for _ in range(4):
        _, token = form_page(client)
        statuses.append(client.post("/inquiries/new", data=fields(token)).status_code)
    assert statuses == [200, 200, 200, 429]
    assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 3
    _, token = form_page(client)  # reading the form stays possible
    response = client.post("/inquiries/new", data=fields(token))
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "提交次数已达上限" in page and "路灯坏了" in page  # the form, as typed
    assert int(response.headers["Retry-After"]) > 0


def test_guessing_tracking_codes_is_throttled(client, submit):
    receipt = submit()
    statuses = [client.post("/inquiries/track", data={"code": f"AAAA-AAAA-AAAA-AAA{n}"}
                            ).status_code for n in range(4)]
    assert statuses == [404, 404, 404, 404]
    # Even the right code is refused until the window passes: guessing costs time.
    assert client.post("/inquiries/track", data={"code": receipt.tracking_code}
                       ).status_code == 429


def test_other_clients_are_not_affected(app, client, orgs):
    for n in range(4):
        client.post("/inquiries/track", data={"code": f"AAAA-AAAA-AAAA-AAA{n}"})
    neighbour = app.test_client()
    response = neighbour.post("/inquiries/track", data={"code": "BBBB-BBBB-BBBB-BBBB"},
                              environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert response.status_code == 404
