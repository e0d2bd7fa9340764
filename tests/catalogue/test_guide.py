"""Each organization's 公开指南, kept by its admin."""

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.catalogue import services
from portal.errors import PermissionDenied
from portal.extensions import db

GUIDE = {"office": "双塔镇党政办公室", "address": "民权县双塔镇政府路 1 号",
         "postal_code": "476800",
         "hours": "工作日 8:30—12:00，14:30—17:30", "phone": "0370-8123456",
         "fax": "0370-8123457", "email": "", "how_to_apply": "可当面、邮寄或网上提交申请。",
         "remedies": ""}


def test_a_guide_without_settings_still_explains_how_to_apply(client, orgs):
    html = client.get("/catalogue/guide/shuangta").get_data(as_text=True)
    assert "双塔镇政府信息公开指南" in html
    assert 'href="/inquiries/new?type=info_request"' in html
    assert "尚未填写受理机构和联系方式" in html
    assert client.get("/catalogue/guide/no-such-org").status_code == 404


def test_admin_saves_the_guide_and_it_shows(client, login, staff, orgs):
    login(staff["town_admin"])
    response = client.post("/staff/catalogue/guide/shuangta", data=GUIDE)
    assert response.status_code == 303
    html = client.get("/catalogue/guide/shuangta").get_data(as_text=True)
    for value in ("双塔镇党政办公室", "民权县双塔镇政府路 1 号", "476800",
                  "工作日 8:30—12:00，14:30—17:30", "0370-8123456", "可当面、邮寄或网上提交申请。"):
        assert value in html
    assert '<th scope="row">传真号码</th><td>0370-8123457</td>' in html
    assert 'href="/inquiries/new?type=info_request"' in html
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "guide.update")).one().actor_name == "town_admin"


def test_bad_phone_is_explained_and_the_text_kept(client, login, staff, orgs):
    login(staff["admin"])
    response = client.post("/staff/catalogue/guide/shuangta", data={**GUIDE, "phone": "123"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写正确的联系电话" in html and "双塔镇党政办公室" in html


def test_another_towns_admin_is_refused_and_audited(client, login, make_user, orgs):
    from portal.auth.models import Role

    other_admin = make_user("other_admin", (Role.ADMIN, orgs["other_town"]))
    with pytest.raises(PermissionDenied):
        services.save_guide(other_admin, orgs["town"], services.GuideInput(**GUIDE))
    db.session.rollback()
    login(other_admin)
    assert client.get("/staff/catalogue/guide/shuangta").status_code == 403
    assert client.post("/staff/catalogue/guide/shuangta", data=GUIDE).status_code == 403
    denied = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "guide.update", AuditEvent.result == "denied")).all()
    assert len(denied) == 2 and denied[0].actor_name == "other_admin"
    assert client.get("/staff/catalogue/guide/huayuan").status_code == 200


def test_the_guide_has_the_fax_number_article_12_lists(client, login, staff, orgs):
    """条例第十二条：公开指南包括政府信息公开工作机构的名称、办公地址、办公时间、联系电话、传真号码、
    互联网联系方式. A guide without a fax number says so rather than leaving the row out."""
    login(staff["town_admin"])
    assert 'name="fax"' in client.get("/staff/catalogue/guide/shuangta").get_data(as_text=True)
    client.post("/staff/catalogue/guide/shuangta", data={**GUIDE, "fax": ""})
    html = client.get("/catalogue/guide/shuangta").get_data(as_text=True)
    assert '<th scope="row">传真号码</th><td>无</td>' in html


def test_a_bad_fax_number_is_explained_and_nothing_saved(client, login, staff, orgs):
    login(staff["town_admin"])
    response = client.post("/staff/catalogue/guide/shuangta", data={**GUIDE, "fax": "12345"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "传真号码" in html and "双塔镇党政办公室" in html
    assert services.guide_for_editing(staff["town_admin"], orgs["town"]) is None
