"""Logging in and out, passwords, the create-user command."""

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.auth.services import create_user, validate_password
from portal.auth.system import SYSTEM
from portal.errors import PermissionDenied, ValidationError
from portal.extensions import db


def last_event() -> AuditEvent:
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()


def test_login_success_is_audited(client, make_user, orgs):
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    response = client.post("/login", data={"username": "editor", "password": "Passw0rd!demo"})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    event = last_event()
    assert (event.action, event.result, event.actor_id) == ("auth.login", "ok", user.id)


def test_wrong_password_is_refused_and_audited(client, make_user, orgs):
    make_user("editor", (Role.EDITOR, orgs["town"]))
    response = client.post("/login", data={"username": "editor", "password": "wrong"})
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "用户名或密码不正确" in html and 'value="editor"' in html
    event = last_event()
    assert (event.action, event.result) == ("auth.login", "failed")
    assert client.get("/staff/").status_code == 302


def test_unknown_user_gets_the_same_message(client, orgs):
    response = client.post("/login", data={"username": "nobody", "password": "x"})
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)


def test_empty_login_form_says_what_is_missing(client):
    response = client.post("/login", data={})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请填写用户名" in html and "请填写密码" in html


def test_logout_invalidates_a_replayed_cookie(app, client, make_user, orgs, login):
    make_user("editor", (Role.EDITOR, orgs["town"]))
    login(db.session.scalar(select(User).where(User.username == "editor")))
    stolen = client.get_cookie("session").value
    assert client.get("/staff/").status_code == 200
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/staff/").status_code == 302


def test_disabled_user_is_signed_out(client, make_user, orgs, login):
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    login(user)
    user.active = False
    db.session.commit()
    assert client.get("/staff/").status_code == 302


@pytest.mark.parametrize("target,expected", [
    ("/staff/disclosures/", "/staff/disclosures/"),
    ("https://evil.example/", "/staff/"),
    ("//evil.example/", "/staff/"),
    ("/\\evil.example", "/staff/"),
])
def test_next_only_goes_to_same_site_paths(client, make_user, orgs, target, expected):
    make_user("editor", (Role.EDITOR, orgs["town"]))
    response = client.post("/login?next=" + target,
                           data={"username": "editor", "password": "Passw0rd!demo"})
    assert response.headers["Location"] == expected


@pytest.mark.parametrize("password", ["short1A", "alllowercase1", "ALLUPPER123", "abcdefgh"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password, "someone")


def test_password_equal_to_username_is_refused():
    with pytest.raises(ValidationError, match="用户名"):
        validate_password("Zhang.San1", "zhang.san1")


def test_passwords_are_stored_hashed(make_user, orgs):
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    assert "Passw0rd!demo" not in user.password_hash
    assert user.check_password("Passw0rd!demo") and not user.check_password("passw0rd!demo")


def test_only_admins_of_the_organization_create_users(make_user, orgs):
    town_admin = make_user("townadmin", (Role.ADMIN, orgs["town"]))
    create_user(town_admin, username="clerk", display_name="村务专干", password="Cun.wu2026",
                grants=[(Role.VILLAGE_CLERK, orgs["village_a"])])
    with pytest.raises(PermissionDenied):
        create_user(town_admin, username="x", display_name="", password="Cun.wu2026",
                    grants=[(Role.EDITOR, orgs["other_town"])])


def test_create_user_command(runner, orgs):
    result = runner.invoke(args=["create-user", "wangfang", "--name", "王芳",
                                 "--grant", "editor:shuangta", "--grant", "reviewer:huayuan"],
                           input="Gov.portal9\nGov.portal9\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "wangfang"))
    assert user.display_name == "王芳"
    assert {(g.role, g.organization.slug) for g in user.grants} == {
        (Role.EDITOR, "shuangta"), (Role.REVIEWER, "huayuan")}
    assert last_event().action == "user.create"


def test_create_user_command_rejects_bad_role_and_weak_password(runner, orgs):
    result = runner.invoke(args=["create-user", "li", "--grant", "king:shuangta"],
                           input="Gov.portal9\nGov.portal9\n")
    assert result.exit_code != 0 and "未知角色" in result.output
    result = runner.invoke(args=["create-user", "li", "--grant", "editor:shuangta"],
                           input="weak\nweak\n")
    assert result.exit_code != 0 and "密码至少 8 位" in result.output
    assert db.session.scalar(select(User).where(User.username == "li")) is None


def test_system_actor_passes_checks_and_is_named_in_audit(orgs):
    create_user(SYSTEM, username="ops", display_name="", password="Gov.portal9",
                grants=[(Role.ADMIN, orgs["county"])])
    assert last_event().actor_name == "system"


def test_production_hashing_is_argon2id_at_owasp_parameters(app_config, orgs):
    from portal import create_app

    config = {k: v for k, v in app_config.items() if k != "PASSWORD_HASH_METHOD"}
    strong = create_app(config)
    with strong.app_context():
        user = User(username="x", display_name="x")
        user.set_password("Strong.pass1")
        # OWASP Password Storage Cheat Sheet: argon2id, m ≥ 19 MiB, t ≥ 2, p = 1.
        assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert user.check_password("Strong.pass1") and not user.check_password("strong.pass1")


def test_a_signed_in_page_reads_the_user_and_grants_in_one_statement(client, make_user, orgs,
                                                                     login):
    """Every staff page loads who is signed in: one round trip to the database, not one
    for the account and another for its grants."""
    from tests.query_plans import statements_of

    user = make_user("clerk", (Role.EDITOR, orgs["town"]), (Role.VILLAGE_CLERK, orgs["village_a"]))
    login(user)
    db.session.expunge_all()  # the request shares this session: it must load the user itself
    captured = statements_of(lambda: client.get("/staff/"))
    reads = [text for text in (" ".join(statement.split()) for statement, _ in captured)
             if "FROM users" in text or "FROM role_grants" in text]
    assert len(reads) == 1, reads
    page = client.get("/staff/").get_data(as_text=True)
    assert orgs["town"].name in page and orgs["village_a"].name in page
