"""Anonymous refusals cannot flood the audit log: they are counted per source, kind and
ten-minute window, and at most the first of each becomes an audit event."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent, RefusalTally
from portal.audit.refusals import source_of
from portal.auth.models import Role
from portal.auth.system import SYSTEM
from portal.extensions import db
from portal.open311 import keys


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True, "REFUSAL_AUDIT_PER_WINDOW": 5}


def events(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == action))


def tally(kind: str, source: str = "127.0.0.1") -> int:
    return db.session.scalar(select(func.sum(RefusalTally.count)).where(
        RefusalTally.kind == kind, RefusalTally.source == source)) or 0


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_a_hundred_token_less_posts_write_one_audit_event(client, orgs):
    for _ in range(100):
        assert client.post("/login", data={"username": "x", "password": "y"}).status_code == 400
    assert events("csrf.reject") == 1
    assert tally("csrf.reject") == 100


def test_bad_open311_keys_are_counted(client, orgs):
    keys.issue_key(SYSTEM, "县12345热线")
    for n in range(40):
        response = client.post("/open311/v2/requests.json",
                               data={"api_key": f"deadbeef.{n}", "service_code": "consult"})
        assert response.status_code == 403  # GeoReport v2: a wrong api_key is 403
    assert events("open311.key_reject") == 1
    assert tally("open311.key_reject") == 40


def test_rate_limited_requests_are_counted(app, client, orgs):
    app.config["RATELIMIT_ENABLED"] = True
    app.config["RATELIMIT_TRACK_LOOKUP"] = "2 per minute"
    from portal import create_app

    limited = create_app({**app.config, "RATELIMIT_STORAGE_URI": "memory://",
                          "WTF_CSRF_ENABLED": False})
    with limited.app_context():
        visitor = limited.test_client()
        answers = [visitor.post("/inquiries/track", data={"code": "X"}).status_code
                   for _ in range(12)]
        assert answers.count(429) == 10
        assert events("ratelimit.exceeded") == 1
        assert tally("ratelimit.exceeded") == 10


def test_many_sources_add_at_most_the_cap_of_events_per_window(client, orgs):
    for n in range(12):
        client.post("/login", data={"username": "x"}, **from_address(f"198.51.100.{n}"))
    assert events("csrf.reject") == 5  # REFUSAL_AUDIT_PER_WINDOW
    assert db.session.scalar(select(func.sum(RefusalTally.count))) == 12


def test_an_ipv6_client_counts_as_its_slash_64(client, orgs):
    for n in range(6):
        client.post("/login", data={"username": "x"}, **from_address(f"2001:db8:1:2::{n:x}"))
    assert events("csrf.reject") == 1
    assert tally("csrf.reject", "2001:db8:1:2::/64") == 6
    assert source_of("::ffff:192.0.2.1") == "192.0.2.1"


def test_unknown_usernames_are_counted_and_known_accounts_chained(app, client, make_user,
                                                                 orgs):
    app.config["WTF_CSRF_ENABLED"] = False
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    for n in range(8):
        client.post("/login", data={"username": f"nobody{n}", "password": "x"})
    for _ in range(3):
        client.post("/login", data={"username": "editor", "password": "x"})
    assert tally("auth.login") == 8
    chained = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "auth.login", AuditEvent.result == "failed")).all()
    assert sum(1 for e in chained if e.object_id == str(user.id)) == 3
    assert sum(1 for e in chained if not e.object_id) == 1


def test_a_signed_in_users_refusals_are_each_audited(app, client, make_user, orgs):
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "editor", "password": "Passw0rd!demo",
                                "csrf_token": token})
    for _ in range(3):
        assert client.post("/account/password", data={}).status_code == 400
    staff = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "csrf.reject", AuditEvent.actor_id == user.id)).all()
    assert len(staff) == 3


def test_admins_see_the_tallies_and_nobody_else(client, make_user, orgs, login, app):
    client.post("/login", data={"username": "x"})
    app.config["WTF_CSRF_ENABLED"] = False
    admin = make_user("admin", (Role.ADMIN, orgs["county"]))
    login(admin)
    page = client.get("/staff/refusals/")
    assert page.status_code == 200
    assert "表单校验令牌缺失或无效" in page.get_data(as_text=True)
    client.post("/logout")
    editor = make_user("editor", (Role.EDITOR, orgs["town"]))
    login(editor)
    assert client.get("/staff/refusals/").status_code == 403
