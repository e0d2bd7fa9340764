"""CSRF protection is on for every form when the app runs for real."""

import pytest

from portal.auth.models import Role


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def test_login_without_token_is_refused(client, make_user, orgs):
    make_user("editor", (Role.EDITOR, orgs["town"]))
    response = client.post("/login", data={"username": "editor", "password": "Passw0rd!demo"})
    assert response.status_code == 400
    assert "刷新页面后重新提交" in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302


def test_forged_token_is_refused_and_audited(client, make_user, orgs):
    from sqlalchemy import select

    from portal.audit.models import AuditEvent
    from portal.extensions import db

    response = client.post("/login", data={"username": "x", "password": "y",
                                           "csrf_token": "forged.token.value"})
    assert response.status_code == 400
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.result) == ("csrf.reject", "denied")


def test_login_with_the_page_token_works(client, make_user, orgs):
    import re

    make_user("editor", (Role.EDITOR, orgs["town"]))
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "editor", "password": "Passw0rd!demo",
                                           "csrf_token": token})
    assert response.status_code == 302
