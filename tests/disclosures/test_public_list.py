"""The public list as a resident reads it: every row names its document, number, publisher,
category and date, and a change to a publisher's name shows on the next page served, with
the page cache on or off."""

from __future__ import annotations

import re

import pytest

from portal.auth.system import SYSTEM
from portal.disclosures.models import Category
from portal.organizations import services as org_services
from portal.timeutil import local_today


def rows(html: str) -> list[list[str]]:
    """Each row of the list's table as the text of its cells."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


@pytest.fixture(params=[True, False], ids=["cache-on", "cache-off"])
def client(request, app):
    app.config["PAGE_CACHE_ENABLED"] = request.param
    return app.test_client()


def test_each_row_shows_what_the_document_is(client, published, orgs):
    published(title="党政办关于秋冬季防火的通知", organization=orgs["office"],
              category=Category.SERVICE, doc_number="双政办〔2026〕3号")
    doc = published(title="双塔镇财政预算公开", organization=orgs["town"],
                    category=Category.RESULT, doc_number="")
    page = client.get("/disclosures/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    newest, older = rows(html)
    assert newest[:3] == ["双塔镇财政预算公开", "双塔镇", "结果公开"]
    assert older[:3] == ["党政办关于秋冬季防火的通知 双政办〔2026〕3号", "双塔镇党政办公室",
                         "服务公开"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", newest[3])
    assert f'href="/disclosures/{doc.id}"' in html


def test_a_renamed_publisher_shows_on_the_next_page(client, published, orgs):
    published(title="财政所预算执行情况", organization=orgs["finance"])
    assert rows(client.get("/disclosures/").get_data(as_text=True))[0][1] == "双塔镇财政所"
    org_services.update_organization(SYSTEM, orgs["town"].id, name="双塔街道")
    assert rows(client.get("/disclosures/").get_data(as_text=True))[0][1] == "双塔街道财政所"
    org_services.update_organization(SYSTEM, orgs["finance"].id,
                                     formal_name="双塔街道财政所（会计核算中心）")
    assert rows(client.get("/disclosures/").get_data(as_text=True))[0][1] == \
        "双塔街道财政所（会计核算中心）"


def test_a_document_of_a_deactivated_unit_still_names_its_publisher(client, published, orgs):
    published(title="王堂村道路硬化验收结果", doc_number="", organization=orgs["village_b"])
    assert not org_services.set_active(SYSTEM, orgs["village_b"].id, False).active
    assert rows(client.get("/disclosures/").get_data(as_text=True))[0][:2] == \
        ["王堂村道路硬化验收结果", "双塔镇王堂村"]


def test_filters_and_pages_keep_their_rows(client, published, orgs, app):
    app.config["PAGE_SIZE"] = 2
    for i in range(5):
        published(title=f"文件{i}", doc_number="",
                  organization=orgs["office"] if i % 2 else orgs["town"])
    first = client.get("/disclosures/?org=shuangta-office").get_data(as_text=True)
    assert [row[0] for row in rows(first)] == ["文件3", "文件1"]
    everything = client.get("/disclosures/").get_data(as_text=True)
    assert [row[0] for row in rows(everything)] == ["文件4", "文件3"]
    after = re.search(r'href="([^"]+)" rel="next"', everything).group(1).replace("&amp;", "&")
    assert [row[0] for row in rows(client.get(after).get_data(as_text=True))] == ["文件2", "文件1"]


def test_the_publisher_filter_marks_the_chosen_unit_and_follows_renames(client, published, orgs):
    published(title="党政办通知", organization=orgs["office"])
    published(title="财政所通知", organization=orgs["finance"])
    html = client.get("/disclosures/?org=shuangta-office").get_data(as_text=True)
    options = re.findall(r"<option [^>]*>[^<]*</option>", html.split('id="f-org"')[1].split(
        "</select>")[0])
    assert '<option value="shuangta-office" selected>双塔镇党政办公室</option>' in options
    assert '<option value="shuangta-finance">双塔镇财政所</option>' in options
    assert sum("selected" in option for option in options) == 1
    org_services.update_organization(SYSTEM, orgs["finance"].id, name="财政所<分所>")
    html = client.get("/disclosures/").get_data(as_text=True)
    assert '<option value="shuangta-finance">双塔镇财政所&lt;分所&gt;</option>' in html
    assert "selected" not in html.split('id="f-org"')[1].split("</select>")[0]


def test_every_filter_together_pages_both_ways(client, published, orgs, app):
    app.config["PAGE_SIZE"] = 2
    this_year = local_today().year
    for i in range(5):
        published(title=f"财政决策{i}", doc_number="", organization=orgs["finance"],
                  category=Category.DECISION)
    published(title="镇里的决策", doc_number="", category=Category.DECISION)
    published(title="财政所的结果", doc_number="", organization=orgs["finance"])
    query = f"/disclosures/?category=decision&org=shuangta-finance&year={this_year}"
    first = client.get(query).get_data(as_text=True)
    assert [row[0] for row in rows(first)] == ["财政决策4", "财政决策3"]
    second = client.get(_link(first, "next")).get_data(as_text=True)
    assert [row[0] for row in rows(second)] == ["财政决策2", "财政决策1"]
    third = client.get(_link(second, "next")).get_data(as_text=True)
    assert [row[0] for row in rows(third)] == ["财政决策0"] and 'rel="next"' not in third
    back = client.get(_link(third, "prev")).get_data(as_text=True)
    assert [row[0] for row in rows(back)] == ["财政决策2", "财政决策1"]
    by_number = client.get(query + "&page=2").get_data(as_text=True)
    assert [row[0] for row in rows(by_number)] == ["财政决策2", "财政决策1"]
    assert "没有找到" in client.get(f"/disclosures/?year={this_year - 1}&org=shuangta-finance"
                                   ).get_data(as_text=True)


def _link(html: str, rel: str) -> str:
    return re.search(rf'href="([^"]+)" rel="{rel}"', html).group(1).replace("&amp;", "&")


def _selected(html: str, select_id: str) -> list[str]:
    """The values of the options marked selected in one of the filters."""
    options = html.split(f'id="{select_id}"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)" selected>', options)


def test_the_category_and_year_filters_mark_what_was_chosen(client, published, orgs):
    """However the year was typed (2026, 2026年, full-width digits), the box shows it; each
    choice is marked on its own page and nowhere else."""
    published(title="决策文件", category=Category.DECISION)
    year = str(local_today().year)
    wide = year.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for typed in (year, f"{year}年", wide):
        html = client.get(f"/disclosures/?category=decision&year={typed}").get_data(as_text=True)
        assert _selected(html, "f-year") == [year]
        assert _selected(html, "f-category") == ["decision"]
    html = client.get("/disclosures/?category=result").get_data(as_text=True)
    assert _selected(html, "f-year") == [] and _selected(html, "f-category") == ["result"]
    html = client.get("/disclosures/").get_data(as_text=True)
    assert _selected(html, "f-year") == [] and _selected(html, "f-category") == []


def test_the_year_filter_offers_the_local_years_that_have_documents(client, published):
    """A document published at 04:00 on 1 January in Beijing (20:00 the day before in
    UTC) belongs to the new year, in the filter's choices as in what it finds."""
    from datetime import UTC, datetime

    from portal.extensions import db

    new_year = published(title="元旦凌晨发布的通知")
    old = published(title="三年前的公告")
    published(title="今年的公告")
    for document, moment in ((new_year, datetime(2025, 12, 31, 20, 0, tzinfo=UTC)),
                             (old, datetime(2023, 3, 1, 2, 0, tzinfo=UTC))):
        document.published_at = moment
    db.session.commit()
    html = client.get("/disclosures/").get_data(as_text=True)
    choices = html.split('id="f-year"')[1].split("</select>")[0]
    this_year = local_today().year
    expected = sorted({this_year, 2026, 2023}, reverse=True)
    assert re.findall(r'<option value="(\d+)"', choices) == [str(y) for y in expected]
    found = [row[0] for row in rows(client.get("/disclosures/?year=2026").get_data(as_text=True))]
    assert any(title.startswith("元旦凌晨发布的通知") for title in found)
    assert "没有找到" in client.get("/disclosures/?year=2025").get_data(as_text=True)
