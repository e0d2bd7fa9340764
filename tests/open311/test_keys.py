"""Issuing and revoking Open311 keys: the admin page, the CLI, and who may."""

import re

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.errors import PermissionDenied
from portal.extensions import db
from portal.open311 import keys
from portal.open311.models import ApiKey


def test_admin_issues_a_key_shown_once(client, login, orgs, make_user):
    admin = make_user("county-admin", (Role.ADMIN, orgs["county"]))
    login(admin)
    response = client.post("/staff/open311/keys/", data={"name": "县12345热线"})
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    key = re.search(r'class="tracking-code">([^<]+)<', page).group(1)
    row = keys.authenticate(key)
    assert row.name == "县12345热线"
    assert row.key_hash != key and key not in str(db.session.execute(
        sa.select(ApiKey.key_hash, ApiKey.prefix)).all())
    listing = client.get("/staff/open311/keys/").get_data(as_text=True)
    assert key not in listing and row.prefix in listing
    response = client.post(f"/staff/open311/keys/{row.id}/revoke")
    assert response.status_code == 303
    with pytest.raises(keys.InvalidApiKey):
        keys.authenticate(key)
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "open311.key_issue" in actions and "open311.key_revoke" in actions


def test_only_an_admin_of_the_whole_county_issues_keys(client, login, orgs, make_user):
    town_admin = make_user("town-admin", (Role.ADMIN, orgs["town"]))
    with pytest.raises(PermissionDenied):
        keys.issue_key(town_admin, "乡镇自建系统")
    login(town_admin)
    assert client.post("/staff/open311/keys/", data={"name": "x"}).status_code == 403
    assert client.get("/staff/open311/keys/").status_code == 403
    client.post("/logout")
    login(make_user("editor", (Role.EDITOR, orgs["county"])))
    assert client.get("/staff/open311/keys/").status_code == 403


def test_a_name_is_required(client, login, orgs, make_user):
    login(make_user("county-admin", (Role.ADMIN, orgs["county"])))
    response = client.post("/staff/open311/keys/", data={"name": ""})
    assert response.status_code == 400
    assert "请填写接口使用单位" in response.get_data(as_text=True)


def test_cli_issue_list_revoke(runner, orgs):
    issued = runner.invoke(args=["open311", "issue-key", "微信小程序"])
    assert issued.exit_code == 0, issued.output
    key = issued.output.strip().splitlines()[-1]
    prefix = key.split(".")[0]
    assert keys.authenticate(key).name == "微信小程序"
    listed = runner.invoke(args=["open311", "list-keys"])
    assert prefix in listed.output and "有效" in listed.output and key not in listed.output
    revoked = runner.invoke(args=["open311", "revoke-key", prefix])
    assert revoked.exit_code == 0, revoked.output
    again = runner.invoke(args=["open311", "revoke-key", prefix])
    assert again.exit_code == 1 and "已经吊销" in again.output
    assert runner.invoke(args=["open311", "revoke-key", "nope"]).exit_code == 1
