"""The catalogue: seeded with the township items, each document filed under an entry,
stale entries flagged."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.catalogue import queries, services
from portal.catalogue.models import CatalogueEntry
from portal.errors import PermissionDenied, ValidationError
from portal.extensions import db
from tests.catalogue.conftest import entry_named
from tests.inquiries.timetravel import beijing

ARTICLE_21 = ("贯彻落实上级政策措施", "财政收支", "各类专项资金的管理和使用情况",
              "本级政府制定的乡村建设规划", "农业农村", "土地承包经营权流转", "宅基地使用情况审核",
              "征收或者征用土地、房屋拆迁及其补偿、补助费用的发放、使用情况",
              "抢险救灾、优抚、救济、社会捐助等款物的发放情况")
COLUMNS = ("一级事项", "二级事项", "公开内容（要素）", "公开依据", "公开时限", "公开主体",
           "公开渠道和载体", "公开对象", "公开方式", "公开层级")


def test_the_migration_seeds_the_township_items_and_general_ones(client):
    names = set(db.session.scalars(select(CatalogueEntry.level2)))
    assert set(ARTICLE_21) <= names
    assert {"机构职能", "政策文件", "政府信息公开年度报告"} <= names
    finance = entry_named("财政收支")
    assert "第二十一条" in finance.basis and finance.max_age_days == 92
    assert entry_named("政府信息公开年度报告").max_age_days == 366
    html = client.get("/catalogue/").get_data(as_text=True)
    for column in COLUMNS:
        assert f'<th scope="col">{column}</th>' in html
    for name in ARTICLE_21:
        assert name in html


def test_an_entry_with_nothing_published_is_stale(client, orgs):
    rows = {row.entry.level2: row for row in queries.overview()}
    assert all(row.is_stale for row in rows.values())
    html = client.get("/catalogue/").get_data(as_text=True)
    assert html.count("未按时更新") >= len(rows)


def test_staleness_follows_the_entrys_time_limit(client, travel, file_under):
    finance = entry_named("财政收支")  # 每季度: 92 days
    doc = file_under(finance)
    assert not queries.entry_overview(finance).is_stale
    travel.set(beijing(date(2026, 3, 10) + timedelta(days=92), 23, 59))
    assert not queries.entry_overview(finance).is_stale
    travel.set(beijing(date(2026, 3, 10) + timedelta(days=93), 0, 0))
    row = queries.entry_overview(finance)
    assert row.is_stale and row.age_days == 93
    html = client.get(f"/catalogue/entries/{finance.id}").get_data(as_text=True)
    assert "未按时更新：最新一条信息发布于 2026-03-10，已超过 92 天" in html
    assert doc.title in html


def test_the_newest_document_counts(travel, file_under):
    finance = entry_named("财政收支")
    file_under(finance, title="第一季度")
    travel.to(date(2026, 6, 1))
    file_under(finance, title="第二季度")
    travel.to(date(2026, 8, 31))
    row = queries.entry_overview(finance)
    assert [d.title for d in row.latest] == ["第二季度", "第一季度"]
    assert not row.is_stale


def test_staleness_per_organization(client, travel, file_under, orgs):
    finance = entry_named("财政收支")
    file_under(finance, title="花园乡财政收支", organization=orgs["other_town"])
    assert not queries.entry_overview(finance).is_stale
    assert queries.entry_overview(finance, orgs["town"]).is_stale
    assert not queries.entry_overview(finance, orgs["other_town"]).is_stale
    html = client.get("/catalogue/?org=shuangta").get_data(as_text=True)
    assert "花园乡财政收支" not in html
    assert "花园乡财政收支" in client.get("/catalogue/?org=huayuan").get_data(as_text=True)
    assert client.get("/catalogue/?org=no-such-town").status_code == 400


def test_the_list_shows_at_most_three_latest_documents(client, travel, file_under):
    policy = entry_named("政策文件")
    for n in range(4):
        travel.to(date(2026, 3, 10 + n))
        file_under(policy, title=f"政策文件第{n}号")
    rows = {row.entry.id: row for row in queries.overview()}
    assert [d.title for d in rows[policy.id].latest] == [
        "政策文件第3号", "政策文件第2号", "政策文件第1号"]
    page = client.get(f"/catalogue/entries/{policy.id}").get_data(as_text=True)
    assert "政策文件第0号" in page


def test_each_disclosure_links_to_its_entry(client, login, staff, orgs, travel):
    finance = entry_named("财政收支")
    login(staff["editor"])
    form = client.get("/staff/disclosures/new").get_data(as_text=True)
    assert "公开目录事项" in form and "财政收支" in form
    response = client.post("/staff/disclosures/new", data={
        "organization": orgs["town"].id, "category": "management", "title": "一季度财政收支",
        "body_html": "正文", "formed_on": "2026-03-09", "topic": "综合政务",
        "mode": "proactive", "validity": "valid", "catalogue_entry": finance.id})
    assert response.status_code == 302
    from portal.disclosures.models import Disclosure

    doc = db.session.scalars(select(Disclosure)).one()
    assert doc.catalogue_entry_id == finance.id
    from portal.disclosures import services as disclosures

    disclosures.submit(staff["editor"], doc.id)
    disclosures.approve(staff["reviewer"], doc.id)
    disclosures.publish(staff["editor"], doc.id)
    html = client.get(f"/disclosures/{doc.id}").get_data(as_text=True)
    assert f'href="/catalogue/entries/{finance.id}"' in html and "财政信息 › 财政收支" in html


def test_a_retired_or_unknown_entry_cannot_be_chosen(client, login, staff, orgs, travel):
    finance = entry_named("财政收支")
    services.update_entry(staff["admin"], finance.id, services.EntryInput(
        **{**_entry_fields(finance), "active": False}))
    login(staff["editor"])
    for choice in (finance.id, 99999):
        response = client.post("/staff/disclosures/new", data={
            "organization": orgs["town"].id, "category": "management", "title": "一季度",
            "body_html": "正文", "formed_on": "2026-03-09", "topic": "综合政务",
            "mode": "proactive", "validity": "valid", "catalogue_entry": choice})
        assert response.status_code == 400
        assert "请从列表中选择公开目录事项。" in response.get_data(as_text=True)


def _entry_fields(entry) -> dict:
    return {name: getattr(entry, name) for name in (
        "level1", "level2", "content", "basis", "time_limit", "subject", "channels",
        "audience", "manner", "tier", "max_age_days", "position", "active")}


def test_county_admin_keeps_the_catalogue(staff):
    entry = services.create_entry(staff["admin"], services.EntryInput(
        level1="财政信息", level2="政府采购", content="采购项目、结果", basis="政府采购法",
        time_limit="每季度", max_age_days="92"))
    assert entry.max_age_days == 92
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "catalogue.create")).one()
    assert event.after["level2"] == "政府采购"
    with pytest.raises(PermissionDenied):
        services.create_entry(staff["town_admin"], services.EntryInput(
            level1="财政信息", level2="另一项", content="x", basis="x", time_limit="x"))


@pytest.mark.parametrize("days", ["abc", "0", "-5", "99999"])
def test_bad_time_limit_days_are_explained(client, login, staff, days):
    login(staff["admin"])
    response = client.post("/staff/catalogue/new", data={
        "level1": "财政信息", "level2": "政府采购", "content": "采购项目", "basis": "政府采购法",
        "time_limit": "每季度", "max_age_days": days, "subject": "乡镇人民政府",
        "channels": "政府网站", "audience": "全社会", "manner": "主动公开", "tier": "乡级",
        "position": "0", "active": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "时效天数请填写 1 到 3660 之间的整数。" in html and f'value="{days}"' in html
    with pytest.raises(ValidationError):
        services.create_entry(staff["admin"], services.EntryInput(
            level1="财政信息", level2="财政收支", content="x", basis="x", time_limit="x"))


def test_only_the_county_admin_opens_the_entry_forms(client, login, staff):
    finance = entry_named("财政收支")
    login(staff["town_admin"])
    assert client.get("/staff/catalogue/new").status_code == 403
    assert client.get(f"/staff/catalogue/{finance.id}/edit").status_code == 403
    assert db.session.scalar(select(AuditEvent.result).where(
        AuditEvent.action == "catalogue.update")) == "denied"
    client.post("/logout")
    login(staff["admin"])
    assert client.get("/staff/catalogue/new").status_code == 200
    page = client.get("/staff/catalogue/").get_data(as_text=True)
    assert "财政收支" in page and "公开指南" in page


def test_the_catalogue_names_its_basis_by_its_real_title(client):
    html = client.get("/catalogue/").get_data(as_text=True)
    assert ("《国务院办公厅关于全面推进基层政务公开标准化规范化工作的指导意见》"
            "（国办发〔2019〕54号）") in html
    assert "政府信息公开标准化规范化工作方案" not in html
