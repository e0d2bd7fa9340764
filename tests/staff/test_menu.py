"""The staff menu lists the sections a person may open, and follows their grants at once:
a role granted or revoked shows on the very next page, and two people with different
grants never see each other's menu."""

import re

from portal.auth.models import Role, RoleGrant
from portal.extensions import db
from tests.conftest import next_totp_code


def _menu(client) -> list[str]:
    page = client.get("/account/").get_data(as_text=True)
    nav = page[page.index('<nav class="staff-nav"'):]
    nav = nav[:nav.index("</nav>")]
    return re.findall(r'<a href="[^"]*">([^<（]+)', nav)


def test_the_menu_follows_the_grants(client, login, make_user, orgs):
    editor = make_user("bianji", (Role.EDITOR, orgs["town"]))
    login(editor)
    assert "新建公开信息" in _menu(client) and "纪检监督" not in _menu(client)

    editor.grants.append(RoleGrant(role=Role.INSPECTOR, organization=orgs["town"]))
    db.session.commit()
    menu = _menu(client)
    assert "纪检监督" in menu and "新建公开信息" in menu

    editor.grants = [grant for grant in editor.grants if grant.role is Role.INSPECTOR]
    db.session.commit()
    menu = _menu(client)
    assert "纪检监督" in menu and "新建公开信息" not in menu


def _signed_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"username": user.username,
                                           "password": "Passw0rd!demo"})
    if response.headers["Location"].endswith("/login/verify"):
        client.post("/login/verify", data={"code": next_totp_code(user)})
    return client


def test_people_with_other_grants_see_their_own_menu(app, make_user, orgs):
    admin = make_user("guanli", (Role.ADMIN, orgs["town"]))
    editor = make_user("bianji2", (Role.EDITOR, orgs["town"]))
    first, other, again = (_menu(_signed_in(app, user)) for user in (admin, editor, admin))
    assert "用户管理" in first and first == again
    assert "用户管理" not in other and "新建公开信息" in other
