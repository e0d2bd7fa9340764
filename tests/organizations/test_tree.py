import pytest

from portal.auth.models import Role
from portal.errors import PermissionDenied, ValidationError
from portal.organizations.models import OrgKind
from portal.organizations.services import build_organization, create_organization, subtree


def test_grant_on_town_covers_departments_and_villages_only(orgs, make_user):
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    assert user.has_role(Role.EDITOR, orgs["village_a"])
    assert user.has_role(Role.EDITOR, orgs["finance"])
    assert not user.has_role(Role.EDITOR, orgs["other_town"])
    assert not user.has_role(Role.EDITOR, orgs["county"])
    assert not user.has_role(Role.REVIEWER, orgs["town"])


def test_subtree_lists_descendants(orgs):
    names = [o.name for o in subtree(orgs["town"])]
    assert names[0] == "双塔镇" and set(names[1:]) == {"党政办公室", "财政所", "双塔村", "王堂村"}


def test_tree_shape_is_enforced(orgs):
    with pytest.raises(ValidationError):
        build_organization(name="错村", slug="cuo", kind=OrgKind.VILLAGE, parent=orgs["county"])
    with pytest.raises(ValidationError):
        build_organization(name="重复", slug="shuangta", kind=OrgKind.VILLAGE,
                           parent=orgs["town"])
    with pytest.raises(ValidationError):
        build_organization(name="坏代码", slug="bad-code", kind=OrgKind.TOWN,
                           parent=orgs["county"], credit_code="123")


def test_admin_creates_village_in_own_town_only(orgs, make_user):
    admin = make_user("admin", (Role.ADMIN, orgs["town"]))
    village = create_organization(admin, name="新村", slug="xincun", kind=OrgKind.VILLAGE,
                                  parent=orgs["town"])
    assert orgs["town"].contains(village)
    with pytest.raises(PermissionDenied):
        create_organization(admin, name="外村", slug="waicun", kind=OrgKind.VILLAGE,
                            parent=orgs["other_town"])
