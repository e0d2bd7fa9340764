"""Keeping the tree: names, codes, moves and deactivation, each checked and audited."""

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.auth.services import create_user
from portal.auth.system import SYSTEM
from portal.errors import Conflict, PermissionDenied, ValidationError
from portal.extensions import db
from portal.organizations import services
from portal.organizations.models import OrgKind


def _actions():
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_credit_codes_are_checked_when_entered(orgs):
    with pytest.raises(ValidationError, match="校验位不正确"):
        services.create_organization(SYSTEM, name="新镇", slug="xinzhen", kind=OrgKind.TOWN,
                                     parent=orgs["county"], credit_code="114114210053412345")
    with pytest.raises(ValidationError, match="已是“双塔镇”的代码"):
        services.create_organization(SYSTEM, name="新镇", slug="xinzhen", kind=OrgKind.TOWN,
                                     parent=orgs["county"],
                                     credit_code=orgs["town"].credit_code)


def test_a_stored_code_is_left_alone_until_changed(orgs):
    town = orgs["town"]
    town.credit_code = "11411421005341123B"  # from before the check existed
    db.session.commit()
    services.update_organization(SYSTEM, town.id, name="双塔镇", sort_order="3")
    assert town.credit_code == "11411421005341123B" and town.sort_order == 3
    with pytest.raises(ValidationError, match="校验位"):
        services.update_organization(SYSTEM, town.id, credit_code="11411421005341123C")


def test_the_kind_of_the_parent_is_enforced(orgs):
    with pytest.raises(ValidationError, match="村的上级单位应为乡镇"):
        services.create_organization(SYSTEM, name="错村", slug="cuocun", kind=OrgKind.VILLAGE,
                                     parent=orgs["county"])
    with pytest.raises(ValidationError, match="一个部署只有一个县"):
        services.create_organization(SYSTEM, name="别县", slug="biexian", kind=OrgKind.COUNTY,
                                     parent=None)


def test_slugs_are_unique_ascii_and_fixed(orgs):
    for slug, words in (("Shuangta2", "小写"), ("双塔", "小写"), ("wangtang", "已被其他单位使用")):
        with pytest.raises(ValidationError, match=words):
            services.create_organization(SYSTEM, name="某村", slug=slug, kind=OrgKind.VILLAGE,
                                         parent=orgs["town"])
    village = services.create_organization(SYSTEM, name="某村", slug="", kind=OrgKind.VILLAGE,
                                           parent=orgs["town"])
    assert village.slug == "shuangta-1"


def test_moving_a_village_rewrites_the_paths_and_is_audited(orgs):
    village = orgs["village_b"]
    services.update_organization(SYSTEM, village.id, parent=orgs["other_town"])
    assert village.parent is orgs["other_town"] and orgs["other_town"].contains(village)
    assert not orgs["town"].contains(village)
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "organization.update")).one()
    assert event.before["parent"] == "shuangta" and event.after["parent"] == "huayuan"


def test_a_town_admin_keeps_its_own_subtree_only(orgs, make_user):
    admin = make_user("town-admin", (Role.ADMIN, orgs["town"]))
    services.update_organization(admin, orgs["village_a"].id, formal_name="双塔镇双塔村村委会")
    with pytest.raises(PermissionDenied):
        services.update_organization(admin, orgs["other_town"].id, name="花园镇")
    with pytest.raises(PermissionDenied):
        services.update_organization(admin, orgs["village_a"].id, parent=orgs["other_town"])
    with pytest.raises(PermissionDenied):
        services.set_active(admin, orgs["town"].id, False)
    assert next(o.slug for o in services.manageable(admin)) == "shuangta"
    assert "huayuan" not in {o.slug for o in services.manageable(admin)}


def test_deactivation_keeps_records_and_closes_choices(orgs, make_user):
    editor = make_user("editor", (Role.EDITOR, orgs["village_b"]))
    services.set_active(SYSTEM, orgs["village_b"].id, False)
    assert editor.has_role(Role.EDITOR, orgs["village_b"])  # existing grants stay
    assert orgs["village_b"] not in services.all_organizations()
    assert orgs["village_b"] not in dict(services.towns_with_villages())[orgs["town"]]
    with pytest.raises(ValidationError, match="已停用，不能授予角色"):
        create_user(SYSTEM, username="new", display_name="新", password="Passw0rd!demo",
                    grants=[(Role.EDITOR, orgs["village_b"])])
    services.set_active(SYSTEM, orgs["village_b"].id, True)
    assert orgs["village_b"] in services.all_organizations()
    assert _actions()[-2:] == ["organization.deactivate", "organization.reactivate"]


def test_a_unit_with_active_units_below_is_not_deactivated(orgs):
    with pytest.raises(Conflict, match="下还有启用的单位（党政办公室、财政所、双塔村、王堂村）"):
        services.set_active(SYSTEM, orgs["town"].id, False)
    with pytest.raises(Conflict, match="县级单位不能停用"):
        services.set_active(SYSTEM, orgs["county"].id, False)


def test_nothing_new_goes_under_a_deactivated_unit(orgs):
    services.set_active(SYSTEM, orgs["other_town"].id, False)
    with pytest.raises(ValidationError, match="上级单位“花园乡”已停用"):
        services.create_organization(SYSTEM, name="新村", slug="xincun", kind=OrgKind.VILLAGE,
                                     parent=orgs["other_town"])
    with pytest.raises(ValidationError, match="已停用"):
        services.update_organization(SYSTEM, orgs["village_b"].id, parent=orgs["other_town"])
