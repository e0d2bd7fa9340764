"""Lockout, the TOTP second factor, session limits and server-side session revocation."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth import enrolment, totp
from portal.auth.models import Role, User
from portal.extensions import db
from tests.conftest import next_totp_code
from tests.inquiries.timetravel import TimeMachine

PASSWORD = "Passw0rd!demo"


def actions(user: User) -> list[tuple[str, str]]:
    return [(e.action, e.result) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_id == str(user.id),
                                 AuditEvent.object_type == "users").order_by(AuditEvent.id))]


def post_login(client, username: str, password: str, **headers):
    return client.post("/login", data={"username": username, "password": password},
                       headers=headers)


def signed_in(client) -> bool:
    return client.get("/staff/").status_code == 200


# -- lockout ---------------------------------------------------------------------------

def test_five_failures_lock_the_account_even_for_the_right_password(client, make_user, orgs):
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    for attempt in range(4):
        assert post_login(client, "editor", f"wrong-{attempt}").status_code == 401
    fifth = post_login(client, "editor", "wrong-5")
    assert fifth.status_code == 429 and "账号已临时锁定" in fifth.get_data(as_text=True)
    refused = post_login(client, "editor", PASSWORD)
    assert refused.status_code == 429 and not signed_in(client)
    assert ("auth.lockout", "ok") in actions(user)


@pytest.mark.parametrize("proxy_hops", [0, 1])
def test_a_forged_forwarded_for_does_not_reset_the_count(app, make_user, orgs, proxy_hops):
    """Per account, whether or not the deployment trusts X-Forwarded-For (behind nginx
    each attempt would then count under a different client address)."""
    from portal import create_app

    make_user("editor", (Role.EDITOR, orgs["town"]))
    site = create_app({**app.config, "PROXY_FIX_HOPS": proxy_hops})
    with site.app_context():
        client = site.test_client()
        for attempt in range(5):
            post_login(client, "editor", "wrong", **{"X-Forwarded-For": f"10.0.0.{attempt}",
                                                     "X-Real-IP": f"10.0.1.{attempt}"})
        response = post_login(client, "editor", PASSWORD,
                              **{"X-Forwarded-For": "192.0.2.77"})
        assert response.status_code == 429 and not signed_in(client)


def test_the_lock_lifts_after_fifteen_minutes(client, make_user, orgs, monkeypatch):
    clock = TimeMachine(monkeypatch)
    make_user("editor", (Role.EDITOR, orgs["town"]))
    for _ in range(5):
        post_login(client, "editor", "wrong")
    clock.advance(minutes=14)
    assert post_login(client, "editor", PASSWORD).status_code == 429
    clock.advance(minutes=2)
    assert post_login(client, "editor", PASSWORD).status_code == 302 and signed_in(client)


def test_a_success_resets_the_count(client, make_user, orgs):
    make_user("editor", (Role.EDITOR, orgs["town"]))
    for _ in range(4):
        post_login(client, "editor", "wrong")
    assert post_login(client, "editor", PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(4):
        assert post_login(client, "editor", "wrong").status_code == 401
    assert post_login(client, "editor", PASSWORD).status_code == 302


def test_unknown_usernames_lock_nothing_and_say_nothing(client, orgs):
    for _ in range(7):
        response = post_login(client, "nobody", "wrong")
        assert response.status_code == 401
        assert "用户名或密码不正确" in response.get_data(as_text=True)


def test_an_admin_unlocks_a_locked_account(client, make_user, orgs, login):
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    admin = make_user("boss", (Role.ADMIN, orgs["county"]))
    for _ in range(5):
        post_login(client, "editor", "wrong")
    login(admin)
    page = client.get(f"/staff/users/{user.id}").get_data(as_text=True)
    assert "锁定至" in page
    assert client.post(f"/staff/users/{user.id}/unlock").status_code == 303
    client.post("/logout")
    assert post_login(client, "editor", PASSWORD).status_code == 302
    assert ("user.unlock", "ok") in actions(user)


# -- second factor ---------------------------------------------------------------------

def test_admin_and_inspector_must_give_a_code(client, make_user, orgs):
    for role in (Role.ADMIN, Role.INSPECTOR):
        user = make_user(f"u-{role.value}", (role, orgs["town"]))
        response = post_login(client, user.username, PASSWORD)
        assert response.headers["Location"] == "/login/verify"
        assert not signed_in(client), "the password alone must not sign in"
        wrong = client.post("/login/verify", data={"code": "000000"})
        assert wrong.status_code == 401 and "动态验证码不正确" in wrong.get_data(as_text=True)
        right = client.post("/login/verify", data={"code": next_totp_code(user)})
        assert right.status_code == 302 and signed_in(client)
        client.post("/logout")
        assert ("auth.login", "failed") in actions(user)


def test_a_code_cannot_be_used_twice(client, make_user, orgs):
    user = make_user("insp", (Role.INSPECTOR, orgs["town"]))
    post_login(client, "insp", PASSWORD)
    code = next_totp_code(user)
    assert client.post("/login/verify", data={"code": code}).status_code == 302
    client.post("/logout")
    post_login(client, "insp", PASSWORD)
    replay = client.post("/login/verify", data={"code": code})
    assert replay.status_code == 401 and not signed_in(client)


def test_wrong_codes_count_towards_the_lockout(client, make_user, orgs):
    user = make_user("insp", (Role.INSPECTOR, orgs["town"]))
    post_login(client, "insp", PASSWORD)
    for _ in range(4):
        assert client.post("/login/verify", data={"code": "123456"}).status_code == 401
    locked = client.post("/login/verify", data={"code": "123456"})
    assert locked.status_code == 302 and locked.headers["Location"] == "/login"
    assert post_login(client, "insp", PASSWORD).status_code == 429
    assert ("auth.lockout", "ok") in actions(user)


def test_first_login_of_an_admin_binds_an_authenticator(client, orgs):
    from portal.auth.models import RoleGrant

    user = User(username="newadmin", display_name="新管理员")
    user.set_password(PASSWORD)
    user.grants = [RoleGrant(role=Role.ADMIN, organization=orgs["town"])]
    db.session.add(user)
    db.session.flush()
    enrolment_code = enrolment.issue(user)  # an admin hands it over in person
    db.session.commit()
    assert post_login(client, "newadmin", PASSWORD).headers["Location"] == "/login/enroll"
    page = client.get("/login/enroll").get_data(as_text=True)
    assert "<svg" in page and "绑定动态验证码" in page and "绑定码" in page
    secret = re.search(r'class="secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    wrong = client.post("/login/enroll", data={"code": "000000",
                                               "enrolment_code": enrolment_code})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.get_data(as_text=True)
    code = totp.code_at(secret, totp.current_step())
    assert client.post("/login/enroll", data={"code": code, "enrolment_code": enrolment_code}
                       ).status_code == 302
    assert signed_in(client)
    db.session.refresh(user)
    assert user.totp_secret == secret
    assert ("auth.totp_enroll", "ok") in actions(user)


def test_the_half_login_expires_after_five_minutes(client, make_user, orgs):
    user = make_user("insp", (Role.INSPECTOR, orgs["town"]))
    post_login(client, "insp", PASSWORD)
    with client.session_transaction() as session:
        pending = session["pending_login"]
        session["pending_login"] = {**pending, "at": pending["at"] - 301}
    response = client.post("/login/verify", data={"code": next_totp_code(user)})
    assert response.headers["Location"] == "/login" and not signed_in(client)


def test_an_editor_may_turn_the_second_factor_on_and_off(client, make_user, orgs, login):
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    login(user)
    page = client.get("/account/totp").get_data(as_text=True)
    secret = re.search(r'class="secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    # the previous step's code (phones drift), leaving later steps for the next two logins
    response = client.post("/account/totp",
                           data={"code": totp.code_at(secret, totp.current_step() - 1)})
    assert response.status_code == 302 and signed_in(client)
    client.post("/logout")
    assert post_login(client, "editor", PASSWORD).headers["Location"] == "/login/verify"
    client.post("/login/verify", data={"code": next_totp_code(user)})
    assert client.post("/account/totp/remove", data={"code": "000000"}).status_code == 400
    removed = client.post("/account/totp/remove", data={"code": next_totp_code(user)})
    assert removed.status_code == 302
    client.post("/logout")
    assert post_login(client, "editor", PASSWORD).headers["Location"] == "/staff/"


def test_an_inspector_may_not_turn_the_second_factor_off(client, make_user, orgs, login):
    user = make_user("insp", (Role.INSPECTOR, orgs["town"]))
    login(user)
    response = client.post("/account/totp/remove", data={"code": next_totp_code(user)})
    assert response.status_code == 409 and "必须使用动态验证码" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.totp_secret


# -- sessions --------------------------------------------------------------------------

def test_login_starts_a_new_session(client, make_user, orgs, login):
    with client.session_transaction() as session:
        session["planted"] = "from before login"
    login(make_user("editor", (Role.EDITOR, orgs["town"])))
    with client.session_transaction() as session:
        assert "planted" not in session and session["auth_at"] > 0


@pytest.mark.parametrize(("field", "seconds_ago", "reason"), [
    ("seen_at", 31 * 60, "超过 30 分钟未操作"),
    ("auth_at", 12 * 3600 + 60, "登录已满 12 小时"),
])
def test_idle_and_absolute_limits_sign_out(client, make_user, orgs, login, field,
                                           seconds_ago, reason):
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    login(user)
    with client.session_transaction() as session:
        session[field] = int(time.time()) - seconds_ago
        if field == "auth_at":
            session["seen_at"] = int(time.time())
    response = client.get("/staff/disclosures/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/staff/disclosures/")
    assert reason in client.get("/login").get_data(as_text=True)
    assert not signed_in(client)
    assert ("auth.session_expired", "ok") in actions(user)


def test_activity_within_the_limits_keeps_the_session(client, make_user, orgs, login):
    login(make_user("editor", (Role.EDITOR, orgs["town"])))
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 29 * 60
    assert signed_in(client)
    with client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 60  # the idle clock restarted


def test_the_session_cookie_is_rewritten_only_when_the_idle_clock_moves(client, make_user,
                                                                        orgs, login):
    """A page read within a minute of the last leaves the signed cookie as it is (no
    Set-Cookie: nothing to sign, less to send); a page read a minute or more later
    restarts the idle clock and sends the cookie again, with a fresh expiry."""
    login(make_user("editor", (Role.EDITOR, orgs["town"])))
    client.get("/staff/disclosures/")
    again = client.get("/staff/disclosures/")
    assert again.status_code == 200
    assert "session=" not in " ".join(again.headers.getlist("Set-Cookie"))
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 61
    later = client.get("/staff/disclosures/")
    assert later.status_code == 200
    assert "session=" in " ".join(later.headers.getlist("Set-Cookie"))
    with client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 60


def stolen_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str) -> bool:
    """A fresh browser presenting a copied session cookie: is it signed in?"""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return signed_in(other)


def test_logout_kills_a_copied_cookie(app, client, make_user, orgs, login):
    login(make_user("editor", (Role.EDITOR, orgs["town"])))
    cookie = stolen_cookie(client)
    assert replay(app, cookie)
    client.post("/logout")
    assert not replay(app, cookie)


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, make_user,
                                                                orgs, login):
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    login(user)
    elsewhere = stolen_cookie(client)
    weak = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "abcdefgh", "confirm": "abcdefgh"})
    assert weak.status_code == 400 and "三类" in weak.get_data(as_text=True)
    wrong = client.post("/account/password", data={
        "current_password": "nope", "password": "N3w!passw", "confirm": "N3w!passw"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    changed = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "N3w!passw", "confirm": "N3w!passw"})
    assert changed.status_code == 302 and signed_in(client)
    assert not replay(app, elsewhere)
    client.post("/logout")
    assert post_login(client, "editor", "N3w!passw").status_code == 302
    assert ("auth.password_change", "ok") in actions(user)


def test_disabling_a_user_ends_their_session_at_once(app, client, make_user, orgs, login):
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    admin = make_user("boss", (Role.ADMIN, orgs["county"]))
    login(user)
    cookie = stolen_cookie(client)
    admin_client = app.test_client()
    admin_client.post("/login", data={"username": "boss", "password": PASSWORD})
    admin_client.post("/login/verify", data={"code": next_totp_code(admin)})
    assert admin_client.post(f"/staff/users/{user.id}/disable").status_code == 303
    assert not replay(app, cookie)
    assert post_login(app.test_client(), "editor", PASSWORD).status_code == 401
    assert ("user.disable", "ok") in actions(user)


def test_a_town_admin_cannot_manage_county_accounts(client, make_user, orgs, login):
    county_editor = make_user("ce", (Role.EDITOR, orgs["county"]))
    town_editor = make_user("te", (Role.EDITOR, orgs["town"]))
    login(make_user("townadmin", (Role.ADMIN, orgs["town"])))
    listing = client.get("/staff/users/").get_data(as_text=True)
    assert ">te<" in listing and ">ce<" not in listing
    assert client.get(f"/staff/users/{county_editor.id}").status_code == 403
    assert client.post(f"/staff/users/{county_editor.id}/disable").status_code == 403
    assert client.get(f"/staff/users/{town_editor.id}").status_code == 200


def test_admin_creates_a_user_with_the_password_policy(client, make_user, orgs, login):
    login(make_user("boss", (Role.ADMIN, orgs["county"])))
    form = {"username": "newclerk", "display_name": "新专干",
            "grant": f"village_clerk:{orgs['village_a'].id}", "password": "newclerk"}
    refused = client.post("/staff/users/new", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "至少 8 位" in html and 'value="新专干"' in html
    assert db.session.scalar(select(User).where(User.username == "newclerk")) is None
    created = client.post("/staff/users/new", data={**form, "password": "Cl3rk!2026"})
    assert created.status_code == 302
    client.post("/logout")
    assert post_login(client, "newclerk", "Cl3rk!2026").status_code == 302


def test_next_stays_on_this_site_through_the_second_step(client, make_user, orgs):
    user = make_user("insp", (Role.INSPECTOR, orgs["town"]))
    client.post("/login?next=https://evil.example/x", data={"username": "insp",
                                                            "password": PASSWORD})
    response = client.post("/login/verify", data={"code": next_totp_code(user)})
    assert response.headers["Location"] == "/staff/"
    client.post("/logout")
    client.post("/login?next=/inspect/", data={"username": "insp", "password": PASSWORD})
    response = client.post("/login/verify", data={"code": next_totp_code(user)})
    assert response.headers["Location"] == "/inspect/"
