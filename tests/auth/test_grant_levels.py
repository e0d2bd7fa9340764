"""Roles are granted only at the level of the organization tree where their work is done,
and administrators change a user's grants on the user's page, each change audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth import grants
from portal.auth.models import Role, RoleGrant, User
from portal.auth.services import create_user
from portal.auth.system import SYSTEM
from portal.errors import ValidationError
from portal.extensions import db

ALLOWED = {
    Role.VILLAGE_CLERK: {"village_a", "village_b"},
    Role.VILLAGE_SUPERVISOR: {"village_a", "village_b"},
    Role.REVIEWER: {"county", "town", "office", "finance", "other_town"},
    Role.INSPECTOR: {"county", "town", "other_town"},
    Role.EDITOR: {"county", "town", "office", "finance", "other_town", "village_a",
                  "village_b"},
}


@pytest.mark.parametrize("role", list(ALLOWED))
def test_the_rule_table(orgs, role):
    allowed = {key for key, org in orgs.items() if grants.refusal(role, org) is None}
    assert allowed == ALLOWED[role]


def test_the_service_refuses_and_names_the_rule(orgs):
    with pytest.raises(ValidationError, match="村务专干只能在村一级授予"):
        create_user(SYSTEM, username="c", display_name="", password="Cun.wu2026",
                    grants=[(Role.VILLAGE_CLERK, orgs["town"])])
    with pytest.raises(ValidationError, match="纪检监督只能在县或乡镇一级授予"):
        create_user(SYSTEM, username="i", display_name="", password="Cun.wu2026",
                    grants=[(Role.INSPECTOR, orgs["office"])])
    assert db.session.scalar(select(User).where(User.username.in_(("c", "i")))) is None


def _options(html: str, role: Role) -> set[str]:
    group = re.search(rf'<optgroup label="{role.label}">(.*?)</optgroup>', html, re.S)
    return set(re.findall(r'value="([^"]+)"', group.group(1))) if group else set()


def test_the_form_offers_only_valid_organizations(client, orgs, make_user, login):
    login(make_user("boss", (Role.ADMIN, orgs["county"])))
    html = client.get("/staff/users/new").get_data(as_text=True)
    assert _options(html, Role.VILLAGE_CLERK) == {
        f"village_clerk:{orgs[k].id}" for k in ("village_a", "village_b")}
    assert _options(html, Role.INSPECTOR) == {
        f"inspector:{orgs[k].id}" for k in ("county", "town", "other_town")}


def test_a_crafted_post_is_refused_with_the_rule(client, orgs, make_user, login):
    login(make_user("boss", (Role.ADMIN, orgs["county"])))
    response = client.post("/staff/users/new", data={
        "username": "newclerk", "display_name": "新专干", "password": "Cl3rk!2026",
        "grant": f"village_clerk:{orgs['town'].id}"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "村务专干只能在村一级授予" in html and 'value="新专干"' in html
    assert db.session.scalar(select(User).where(User.username == "newclerk")) is None


def test_grants_are_added_and_removed_on_the_user_page(client, orgs, make_user, login):
    login(make_user("boss", (Role.ADMIN, orgs["county"])))
    person = make_user("person", (Role.EDITOR, orgs["town"]))
    page = client.get(f"/staff/users/{person.id}").get_data(as_text=True)
    assert f"village_supervisor:{orgs['town'].id}" not in page

    refused = client.post(f"/staff/users/{person.id}/grants",
                          data={"grant": f"village_supervisor:{orgs['town'].id}"})
    assert refused.status_code == 400
    assert "村务监督委员会只能在村一级授予" in refused.get_data(as_text=True)
    db.session.refresh(person)
    assert len(person.grants) == 1

    for value in (f"village_supervisor:{orgs['village_a'].id}",
                  f"reviewer:{orgs['finance'].id}"):
        assert client.post(f"/staff/users/{person.id}/grants",
                           data={"grant": value}).status_code == 303
    db.session.refresh(person)
    assert {(g.role, g.organization_id) for g in person.grants} == {
        (Role.EDITOR, orgs["town"].id), (Role.VILLAGE_SUPERVISOR, orgs["village_a"].id),
        (Role.REVIEWER, orgs["finance"].id)}

    editor_grant = db.session.scalar(select(RoleGrant).where(
        RoleGrant.user_id == person.id, RoleGrant.role == Role.EDITOR))
    assert client.post(f"/staff/users/{person.id}/grants/{editor_grant.id}/remove"
                       ).status_code == 303
    db.session.refresh(person)
    assert Role.EDITOR not in person.roles
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_id == str(person.id),
        AuditEvent.action.in_(("user.grant", "user.revoke")),
        AuditEvent.result == "ok")).all()
    assert sorted(actions) == ["user.grant", "user.grant", "user.revoke"]
