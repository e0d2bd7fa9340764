"""Signing in gives away nothing: an unknown name costs what a wrong password costs, old
hashes are upgraded, and the password-change page is no place to guess at leisure.

Timing is not measured here (a noisy machine makes timed tests lie); what makes the two
paths take the same time is that each verifies exactly one hash made with the configured
method and parameters, and that is what these tests count.
"""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from portal.auth import passwords
from portal.auth.models import Role
from portal.extensions import db

PASSWORD = "Passw0rd!demo"


@pytest.fixture
def verified(monkeypatch):
    """The hashes each verification was made against, in order."""
    seen: list[str] = []
    real = passwords.verify

    def spy(stored: str, password: str) -> bool:
        seen.append(stored)
        return real(stored, password)

    monkeypatch.setattr(passwords, "verify", spy)
    return seen


def method_of(stored: str) -> str:
    return stored.rsplit("$", 2)[0] if stored.startswith("$argon2") else stored.split("$")[0]


def post_login(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


@pytest.mark.parametrize("method", ["pbkdf2:sha256:1000", "argon2id"])
def test_an_unknown_name_verifies_one_hash_of_the_same_kind_as_a_wrong_password(
        app, client, make_user, orgs, verified, method):
    app.config["PASSWORD_HASH_METHOD"] = method
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    assert post_login(client, "editor", "wrong").status_code == 401
    assert post_login(client, "nobody-here", "wrong").status_code == 401
    known, unknown = verified
    assert method_of(known) == method_of(user.password_hash)
    assert method_of(unknown) == method_of(known) and unknown != known


def test_a_disabled_or_locked_account_still_verifies_the_password(
        client, make_user, orgs, verified):
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    user.active = False
    db.session.commit()
    assert post_login(client, "editor", PASSWORD).status_code == 401
    assert len(verified) == 1


def test_an_old_scrypt_hash_is_replaced_at_the_next_login(app, client, make_user, orgs):
    app.config["PASSWORD_HASH_METHOD"] = "argon2id"
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    user.password_hash = generate_password_hash(PASSWORD, method="scrypt")
    db.session.commit()
    assert post_login(client, "editor", PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password(PASSWORD)


def test_a_wrong_password_is_not_rehashed(app, client, make_user, orgs):
    app.config["PASSWORD_HASH_METHOD"] = "argon2id"
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    old = generate_password_hash(PASSWORD, method="scrypt")
    user.password_hash = old
    db.session.commit()
    assert post_login(client, "editor", "wrong").status_code == 401
    db.session.refresh(user)
    assert user.password_hash == old


def test_guessing_the_current_password_on_the_change_page_locks_the_account(
        client, make_user, orgs, login):
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    login(user)
    for attempt in range(4):
        response = client.post("/account/password", data={
            "current_password": f"guess-{attempt}", "password": "New.Passw0rd",
            "confirm": "New.Passw0rd"})
        assert response.status_code == 400
        assert "当前密码不正确" in response.get_data(as_text=True)
    fifth = client.post("/account/password", data={
        "current_password": "guess-5", "password": "New.Passw0rd", "confirm": "New.Passw0rd"})
    assert fifth.status_code == 303 and fifth.headers["Location"].endswith("/login")
    assert client.get("/staff/").status_code == 302  # signed out everywhere
    db.session.refresh(user)
    assert user.is_locked
    locked = post_login(client, "editor", PASSWORD)
    assert locked.status_code == 429 and "账号已临时锁定" in locked.get_data(as_text=True)
