"""Submission tokens can be neither forged nor replayed into another case.

The attacks these tests replay:
- a made-up 32-character token, or one derived the way Open311 tokens once were
  (sha256("open311:{key id}:{Idempotency-Key}")[:32]), posted to the web form, returned an
  earlier case's receipt and its tracking code — anyone could then read, rate, reopen or
  supplement someone else's complaint;
- pre-claiming the next hotline ticket's token made the real complaint silently vanish.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import func, select

from portal.auth.system import SYSTEM
from portal.extensions import db
from portal.inquiries import tracking
from portal.inquiries.models import Inquiry
from portal.open311 import keys
from tests.inquiries.test_public_pages import CODE, fields, form_page

STALE = "表单来源无法确认"
REPLAYED = "这份表单此前已经提交过，内容与本次不同"


@pytest.fixture
def api_key(orgs):
    return keys.issue_key(SYSTEM, "县12345热线")


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Inquiry))


def token_in(html: str) -> str:
    return re.search(r'name="submission_token" type="hidden" value="([0-9a-f.]+)"',
                     html).group(1)


def open311_post(client, key: str, ticket: str, **changes):
    data = {"api_key": key, "service_code": "complaint", "address_id": "shuangta",
            "description": "热线转来：噪音扰民，夜里十二点还在施工。", "first_name": "五",
            "last_name": "王", "phone": "13912345678"}
    data.update(changes)
    return client.post("/open311/v2/requests.json", data=data,
                       headers={"Idempotency-Key": ticket})


def test_a_made_up_token_is_refused_and_the_form_comes_back_with_a_fresh_one(client, orgs):
    response = client.post("/inquiries/new", data=fields("0" * 32, title="我编的令牌"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert STALE in html and "我编的令牌" in html
    assert count() == 0
    again = client.post("/inquiries/new", data=fields(token_in(html), title="我编的令牌"))
    assert again.status_code == 200 and CODE.search(again.get_data(as_text=True))
    assert count() == 1


def test_a_token_for_the_comment_form_is_not_an_inquiry_token(client, orgs):
    comment_token = tracking.new_submission_token("comment")
    response = client.post("/inquiries/new", data=fields(comment_token))
    assert response.status_code == 400 and count() == 0


def test_replaying_a_used_token_with_other_content_never_shows_the_earlier_case(client, orgs):
    _, token = form_page(client)
    first = client.post("/inquiries/new", data=fields(token)).get_data(as_text=True)
    code = CODE.search(first).group(1)
    replay = client.post("/inquiries/new", data=fields(token, title="我想看看别人的留言",
                                                       contact_name="冒名者"))
    html = replay.get_data(as_text=True)
    assert replay.status_code == 409
    assert REPLAYED in html and code not in html and "2026-0000" not in html
    assert count() == 1
    # The person's text is kept with a fresh token: sending it again files a new case.
    resent = client.post("/inquiries/new", data=fields(token_in(html), title="我想看看别人的留言",
                                                        contact_name="冒名者"))
    assert resent.status_code == 200 and CODE.search(resent.get_data(as_text=True))
    assert CODE.search(resent.get_data(as_text=True)).group(1) != code
    assert count() == 2


def test_the_same_content_resent_gets_the_same_receipt(client, orgs):
    _, token = form_page(client)
    first = client.post("/inquiries/new", data=fields(token)).get_data(as_text=True)
    second = client.post("/inquiries/new", data=fields(token)).get_data(as_text=True)
    assert CODE.search(first).group(1) == CODE.search(second).group(1)
    assert count() == 1


def test_an_open311_ticket_cannot_be_read_through_the_web_form(client, orgs, api_key):
    row, key = api_key
    created = open311_post(client, key, "12345-2026-000777")
    assert created.status_code == 201
    hotline_code = created.get_json()[0]["token"]
    derived = hashlib.sha256(f"open311:{row.id}:12345-2026-000777".encode()).hexdigest()[:32]
    for token in (derived, tracking.api_material(row.id, "guess", "12345-2026-000777")):
        response = client.post("/inquiries/new", data=fields(token, type="complaint"))
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and hotline_code not in html
    assert count() == 1


def test_a_pre_claimed_ticket_token_does_not_swallow_the_real_complaint(client, orgs, api_key):
    row, key = api_key
    ticket = "12345-2026-000778"
    derived = hashlib.sha256(f"open311:{row.id}:{ticket}".encode()).hexdigest()[:32]
    assert client.post("/inquiries/new", data=fields(derived)).status_code == 400
    _, attacker_key = keys.issue_key(SYSTEM, "另一个接入方")
    claimed = open311_post(client, attacker_key, ticket, description="抢先占用的工单号")
    assert claimed.status_code == 201
    real = open311_post(client, key, ticket)
    assert real.status_code == 201
    assert real.get_json()[0]["token"] != claimed.get_json()[0]["token"]
    stored = db.session.scalars(select(Inquiry.body)).all()
    assert any("噪音扰民" in body for body in stored) and count() == 2


def test_an_idempotency_key_reused_for_other_content_is_refused(client, orgs, api_key):
    _, key = api_key
    first = open311_post(client, key, "T-1")
    again = open311_post(client, key, "T-1")
    other = open311_post(client, key, "T-1", description="完全不同的一件事，但用了同一个工单号")
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()[0]["token"] == first.get_json()[0]["token"]
    assert other.status_code == 409
    assert first.get_json()[0]["token"] not in other.get_data(as_text=True)
    assert count() == 1
