"""/staff/organizations: admins keep their own subtree of the tree."""

import pytest
from sqlalchemy import select

from portal.auth.models import Role
from portal.extensions import db
from portal.organizations.models import Organization


@pytest.fixture
def county_admin(orgs, make_user):
    return make_user("county-admin", (Role.ADMIN, orgs["county"]))


def test_the_listing_shows_the_admins_subtree(client, login, orgs, make_user):
    login(make_user("town-admin", (Role.ADMIN, orgs["town"])))

    page = client.get("/staff/organizations/").get_data(as_text=True)

    assert "双塔镇" in page and "王堂村" in page and "花园乡" not in page
    assert "组织架构" in page  # in the staff navigation
    assert client.get(f"/staff/organizations/{orgs['other_town'].id}/edit").status_code == 403


def test_only_admins_reach_the_pages(client, login, orgs, make_user):
    login(make_user("editor", (Role.EDITOR, orgs["county"])))
    assert client.get("/staff/organizations/").status_code == 403


def test_an_admin_adds_a_village(client, login, orgs, county_admin):
    login(county_admin)
    form = client.get(f"/staff/organizations/new?parent={orgs['town'].id}").get_data(
        as_text=True)
    assert f'<option selected value="{orgs["town"].id}">' in form

    response = client.post("/staff/organizations/new", data={
        "parent": orgs["town"].id, "kind": "village", "name": "李庄村",
        "formal_name": "双塔镇李庄村村民委员会", "slug": "lizhuang", "credit_code": "",
        "sort_order": "5"})

    assert response.status_code == 303
    village = db.session.scalar(select(Organization).where(Organization.slug == "lizhuang"))
    assert village.parent is orgs["town"] and village.sort_order == 5
    assert "李庄村" in client.get("/staff/organizations/").get_data(as_text=True)


@pytest.mark.parametrize("changes, message", [
    ({"credit_code": "114114210053412345"}, "校验位不正确（最后一位应为"),
    ({"kind": "department", "parent": "county"}, "站所的上级单位应为乡镇"),
    ({"slug": "wangtang"}, "英文标识“wangtang”已被其他单位使用"),
    ({"name": ""}, "请填写单位名称"),
])
def test_bad_input_is_named_and_nothing_is_saved(client, login, orgs, county_admin, changes,
                                                 message):
    login(county_admin)
    data = {"parent": orgs["town"].id, "kind": "village", "name": "新村", "formal_name": "",
            "slug": "xincun", "credit_code": "", "sort_order": "0", **changes}
    if data["parent"] == "county":
        data["parent"] = orgs["county"].id

    response = client.post("/staff/organizations/new", data=data)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Organization).where(Organization.slug == "xincun")) is None


def test_an_admin_renames_and_moves_a_village(client, login, orgs, county_admin):
    login(county_admin)
    village = orgs["village_b"]
    page = client.get(f"/staff/organizations/{village.id}/edit").get_data(as_text=True)
    assert "wangtang" in page and "创建后不能修改" in page

    response = client.post(f"/staff/organizations/{village.id}/edit", data={
        "parent": orgs["other_town"].id, "name": "王堂村", "formal_name": "花园乡王堂村村民委员会",
        "credit_code": "", "sort_order": "1"})

    assert response.status_code == 303
    db.session.refresh(village)
    assert village.parent_id == orgs["other_town"].id
    assert village.publisher_name == "花园乡王堂村村民委员会"


def test_deactivating_hides_a_village_from_residents_but_keeps_it(client, login, orgs,
                                                                    county_admin):
    login(county_admin)
    refused = client.post(f"/staff/organizations/{orgs['town'].id}/deactivate")
    assert refused.status_code == 409 and "下还有启用的单位" in refused.get_data(as_text=True)

    response = client.post(f"/staff/organizations/{orgs['village_b'].id}/deactivate")

    assert response.status_code == 303
    assert "已停用" in client.get("/staff/organizations/").get_data(as_text=True)
    client.post("/logout")
    assert "王堂村" not in client.get("/villages/").get_data(as_text=True)
    assert "王堂村" not in client.get("/inquiries/new").get_data(as_text=True)
    assert client.get("/villages/wangtang/").status_code == 200  # its history stays readable
