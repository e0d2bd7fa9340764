"""What a copy of the database or the instance folder gives away: TOTP secrets are sealed
with a key derived from the secret key; an admin-issued code is needed to bind an
authenticator at first login; the SQLite file and the instance folder are owner-only."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.auth import enrolment, sealing, totp
from portal.auth.models import TOTP_PURPOSE, Role, RoleGrant, User
from portal.extensions import db
from tests.conftest import PG_ADMIN_URL, next_totp_code

PASSWORD = "Passw0rd!demo"


def stored_secret(user: User) -> str:
    return db.session.execute(sa.text("SELECT totp_secret FROM users WHERE id = :id"),
                              {"id": user.id}).scalar_one()


def test_the_database_holds_no_totp_secret_in_the_clear(make_user, orgs):
    user = make_user("insp", (Role.INSPECTOR, orgs["town"]))
    clear = user.totp_secret
    raw = stored_secret(user)
    assert raw.startswith("v1:") and clear not in raw
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == clear


def test_a_secret_sealed_under_an_old_key_opens_with_the_fallback_and_reseals(app, make_user,
                                                                             orgs, runner):
    user = make_user("insp", (Role.INSPECTOR, orgs["town"]))
    clear = user.totp_secret
    app.config["SECRET_KEY_FALLBACKS"] = [app.config["SECRET_KEY"]]
    app.config["SECRET_KEY"] = "a-brand-new-secret-key"
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == clear
    assert sealing.needs_reseal(stored_secret(user), TOTP_PURPOSE)
    result = runner.invoke(args=["secrets", "reseal"])
    assert result.exit_code == 0 and "1" in result.output
    app.config["SECRET_KEY_FALLBACKS"] = []
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == clear


def test_without_the_right_key_the_secret_does_not_open(app, make_user, orgs):
    user = make_user("insp", (Role.INSPECTOR, orgs["town"]))
    app.config["SECRET_KEY"] = "someone-elses-key"
    db.session.expire_all()
    with pytest.raises(sealing.SealBroken):
        db.session.get(User, user.id).totp_secret  # noqa: B018


def new_admin(orgs) -> User:
    user = User(username="newadmin", display_name="新管理员")
    user.set_password(PASSWORD)
    user.grants = [RoleGrant(role=Role.ADMIN, organization=orgs["town"])]
    db.session.add(user)
    db.session.commit()
    return user


def enroll_page_secret(client) -> str:
    page = client.get("/login/enroll").get_data(as_text=True)
    return re.search(r'class="secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def test_the_password_alone_cannot_bind_an_authenticator(client, orgs):
    user = new_admin(orgs)
    client.post("/login", data={"username": "newadmin", "password": PASSWORD})
    secret = enroll_page_secret(client)
    code = totp.code_at(secret, totp.current_step())
    refused = client.post("/login/enroll", data={"code": code, "enrolment_code": "1234-5678"})
    assert refused.status_code == 400 and "绑定码不正确或已过期" in refused.get_data(as_text=True)
    db.session.refresh(user)
    assert user.totp_secret is None and user.failed_logins == 1


def test_an_admin_issued_code_binds_once(client, orgs, make_user, login):
    admin = make_user("county-admin", (Role.ADMIN, orgs["county"]))
    login(admin)
    user = new_admin(orgs)
    issued = client.post(f"/staff/users/{user.id}/enrolment-code")
    code = re.search(r'class="tracking-code">(\d{4}-\d{4})<', issued.get_data(as_text=True))
    assert issued.status_code == 200 and code
    client.post("/logout")
    client.post("/login", data={"username": "newadmin", "password": PASSWORD})
    secret = enroll_page_secret(client)
    bound = client.post("/login/enroll", data={
        "code": totp.code_at(secret, totp.current_step()), "enrolment_code": code.group(1)})
    assert bound.status_code == 302 and client.get("/staff/").status_code == 200
    db.session.refresh(user)
    assert user.totp_secret == secret and not enrolment.has_code(user)


def test_creating_an_admin_shows_the_enrolment_code(client, orgs, make_user, login):
    login(make_user("county-admin", (Role.ADMIN, orgs["county"])))
    response = client.post("/staff/users/new", data={
        "username": "insp2", "display_name": "纪检二", "grant": f"inspector:{orgs['town'].id}",
        "password": "Jijian.2026"})
    assert response.status_code == 201
    assert re.search(r'class="tracking-code">\d{4}-\d{4}<', response.get_data(as_text=True))


def test_create_user_command_prints_the_enrolment_code(runner, orgs):
    result = runner.invoke(args=["create-user", "insp3", "--grant", "inspector:shuangta"],
                           input="Jijian.2026\nJijian.2026\n")
    assert result.exit_code == 0, result.output
    assert re.search(r"绑定码：\d{4}-\d{4}", result.output)


def test_a_lost_phone_reset_gives_a_new_code(client, orgs, make_user, login):
    inspector = make_user("insp", (Role.INSPECTOR, orgs["town"]))
    login(make_user("county-admin", (Role.ADMIN, orgs["county"])))
    page = client.post(f"/staff/users/{inspector.id}/totp-reset").get_data(as_text=True)
    assert re.search(r'class="tracking-code">\d{4}-\d{4}<', page)
    db.session.refresh(inspector)
    assert inspector.totp_secret is None and enrolment.has_code(inspector)


@pytest.mark.skipif(bool(PG_ADMIN_URL), reason="the SQLite file")
def test_the_instance_folder_and_sqlite_file_are_owner_only(tmp_path, migrated_template):
    import os
    import shutil

    instance = tmp_path / "fresh-instance"
    database = tmp_path / "fresh.db"
    shutil.copyfile(migrated_template, database)
    database.chmod(0o644)
    site = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                       "UPLOAD_FOLDER": str(tmp_path / "up")})
    with site.app_context():
        db.session.execute(sa.text("SELECT 1"))
    assert stat.S_IMODE(Path(database).stat().st_mode) == 0o600
    os.environ["PORTAL_INSTANCE_PATH"], saved = str(instance), os.environ.get(
        "PORTAL_INSTANCE_PATH")
    try:
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    finally:
        if saved is not None:
            os.environ["PORTAL_INSTANCE_PATH"] = saved
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700


def test_next_totp_code_helper_still_reads_the_sealed_secret(make_user, orgs):
    user = make_user("insp", (Role.INSPECTOR, orgs["town"]))
    assert totp.matching_step(user.totp_secret, next_totp_code(user), None) is not None
