"""Atom feeds (RFC 4287) per category, organization and village, and /sitemap.xml."""

import re
import xml.etree.ElementTree as ET

import pytest

from portal.disclosures import services as disclosures
from portal.disclosures.models import Category

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def valid_atom(response) -> ET.Element:
    """Parse and check what RFC 4287 requires of a feed and of each entry."""
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    assert feed.get(XML_LANG) == "zh-CN"
    for required in ("id", "title", "updated"):
        assert (feed.findtext(f"{ATOM}{required}") or "").strip(), required
    assert RFC3339_UTC.fullmatch(feed.findtext(f"{ATOM}updated"))
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"].startswith("http") and links["alternate"].startswith("http")
    ids = []
    for entry in feed.findall(f"{ATOM}entry"):
        ids.append(entry.findtext(f"{ATOM}id"))
        assert entry.findtext(f"{ATOM}title")
        assert RFC3339_UTC.fullmatch(entry.findtext(f"{ATOM}updated"))
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http")
    assert len(ids) == len(set(ids)), "entry ids must be unique"
    return feed


def titles(feed: ET.Element) -> list[str]:
    return [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]


def test_category_feed(client, corpus):
    feed = valid_atom(client.get("/feeds/categories/decision.atom"))
    assert set(titles(feed)) == {"双塔镇农村宅基地审批管理办法（试行）",
                                 "花园乡2026年政务公开工作要点"}
    assert {c.get("term") for c in feed.iter(f"{ATOM}category")} == {"decision"}


def test_organization_feed_covers_its_departments_only(client, corpus):
    feed = valid_atom(client.get("/feeds/organizations/shuangta.atom"))
    found = titles(feed)
    assert "财政所2026年上半年预算执行情况" in found  # a department of the town
    assert "花园乡2026年政务公开工作要点" not in found
    assert client.get("/feeds/organizations/shuangta-cun.atom").status_code == 404
    assert client.get("/feeds/organizations/nowhere.atom").status_code == 404


def test_all_disclosures_feed_and_escaping(client, corpus, publish):
    publish("town", "第一条 <&> \"公开\"\x0b", "<p>正文 <b>加粗</b></p>", Category.RESULT)
    feed = valid_atom(client.get("/feeds/disclosures.atom"))
    assert "第一条 <&> \"公开\"" in titles(feed)
    content = feed.find(f"{ATOM}entry/{ATOM}content")
    assert content.get("type") == "html" and "<b>加粗</b>" in content.text


def test_withdrawn_documents_leave_the_feed(client, corpus):
    disclosures.withdraw(corpus.people["reviewer"], corpus.ids["D2"], "内容有误")
    feed = valid_atom(client.get("/feeds/categories/service.atom"))
    assert "关于做好2026年城乡最低生活保障动态管理工作的通知" not in titles(feed)


def test_village_feed_shares_the_writer(client, corpus):
    feed = valid_atom(client.get("/villages/wangtang/feed.atom"))
    assert set(titles(feed)) == {"王堂村村内道路硬化工程项目公示", "王堂村2026年7月财务公开"}


def test_empty_feeds_are_still_valid(client, orgs):
    valid_atom(client.get("/feeds/categories/result.atom"))
    assert client.get("/feeds/categories/weather.atom").status_code == 404


def test_feeds_page_lists_every_feed(client, corpus):
    page = client.get("/feeds/").get_data(as_text=True)
    for href in ("/feeds/categories/decision.atom", "/feeds/organizations/shuangta.atom",
                 "/villages/wangtang/feed.atom", "/feeds/disclosures.atom"):
        assert href in page


@pytest.fixture
def sitemap(client, corpus):
    disclosures.withdraw(corpus.people["reviewer"], corpus.ids["D2"], "内容有误")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{SITEMAP}urlset"
    return {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod")
            for u in root.findall(f"{SITEMAP}url")}


def test_sitemap_lists_every_public_page(sitemap, corpus):
    base = "http://localhost"
    for name in ("D1", "D3", "D4", "D5", "D6", "D7", "D8"):
        assert f"{base}/disclosures/{corpus.ids[name]}" in sitemap
    assert f"{base}/disclosures/{corpus.ids['D2']}" not in sitemap  # withdrawn
    assert f"{base}/villages/wangtang/notices/{corpus.ids['N3']}" in sitemap
    for path in ("/", "/disclosures/", "/disclosures/?category=decision", "/villages/",
                 "/villages/shuangta-cun/", "/inquiries/replies", "/feeds/"):
        assert base + path in sitemap, path
    assert not any("/search" in url for url in sitemap)


def test_sitemap_lastmod_is_a_w3c_datetime(sitemap, corpus):
    lastmod = sitemap[f"http://localhost/disclosures/{corpus.ids['D1']}"]
    assert RFC3339_UTC.fullmatch(lastmod)
    assert RFC3339_UTC.fullmatch(sitemap["http://localhost/inquiries/replies"])


def test_sitemap_includes_consultations_and_catalogue_when_present(app, sitemap):
    if "consultations.listing" in app.view_functions:
        assert "http://localhost/consultations/" in sitemap
    if "catalogue.entry" in app.view_functions:
        assert any("/catalogue/entries/" in url for url in sitemap)


def test_site_url_is_used_for_absolute_links(app, client, corpus):
    app.config["SITE_URL"] = "https://gov.example.cn"
    feed = valid_atom(client.get("/feeds/disclosures.atom"))
    assert feed.findtext(f"{ATOM}id").startswith("https://gov.example.cn/")
    assert b"https://gov.example.cn/disclosures/" in client.get("/sitemap.xml").data
