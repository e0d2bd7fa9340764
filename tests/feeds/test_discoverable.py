"""Everything public can be found: each listing page names its Atom feed, /feeds/ lists
every feed, the sitemap covers every public page type and turns into a sitemap index past
50,000 URLs, and each page describes itself in a meta description."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from sqlalchemy import insert

from portal.disclosures.models import Category, Disclosure, Status
from portal.extensions import db
from portal.feeds import sitemap as sitemaps
from portal.timeutil import utcnow
from tests.feeds.test_feeds import ATOM, SITEMAP, titles, valid_atom
from tests.search.corpus import MOBILE_IN_R1

ALTERNATE = re.compile(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" '
                       r'href="([^"]+)">')
DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)">')


@pytest.mark.parametrize("path", ["/", "/disclosures/", "/disclosures/?category=decision",
                                  "/disclosures/?org=shuangta", "/villages/",
                                  "/villages/shuangta-cun/", "/consultations/", "/execution/",
                                  "/catalogue/", "/inquiries/replies", "/transparency/"])
def test_every_listing_page_names_a_feed_that_answers(client, corpus, path):
    page = client.get(path)
    assert page.status_code == 200
    feeds = ALTERNATE.findall(page.get_data(as_text=True))
    assert feeds, f"{path} names no Atom feed"
    for href in feeds:
        answer = client.get(href)
        assert answer.status_code == 200 and answer.mimetype == "application/atom+xml", href


def test_a_filtered_list_names_its_own_feed(client, corpus):
    page = client.get("/disclosures/?category=decision").get_data(as_text=True)
    assert ALTERNATE.findall(page) == ["/feeds/categories/decision.atom"]


def test_the_feeds_page_lists_every_feed_the_site_serves(app, client, corpus):
    page = client.get("/feeds/").get_data(as_text=True)
    fixed = [rule.rule for rule in app.url_map.iter_rules()
             if rule.rule.endswith(".atom") and not rule.arguments]
    assert fixed, "the site serves feeds"
    for href in fixed:
        assert f'href="{href}"' in page, href


def test_the_new_feeds_are_valid_and_show_only_what_the_pages_show(client, corpus):
    replies = valid_atom(client.get("/feeds/replies.atom"))
    assert titles(replies) == ["低保申请需要哪些材料？"]  # no unconsented or unpublished reply
    assert MOBILE_IN_R1 not in client.get("/feeds/replies.atom").get_data(as_text=True)
    villages = valid_atom(client.get("/feeds/villages.atom"))
    boards = {link.get("href").split("/villages/")[1].split("/")[0]
              for link in villages.iter(f"{ATOM}link") if "/notices/" in link.get("href", "")}
    assert len(boards) >= 2  # more than one village's board in the one feed
    valid_atom(client.get("/feeds/execution.atom"))


def _sitemap(client, path="/sitemap.xml") -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    return ET.fromstring(response.data)


def test_the_sitemap_covers_every_public_page_type(client, corpus):
    urls = {u.findtext(f"{SITEMAP}loc") for u in _sitemap(client).iter(f"{SITEMAP}url")}
    for path in ("/execution/", "/catalogue/guide/shuangta", "/catalogue/guide/minquan",
                 "/transparency/", "/open-data/", "/consultations/", "/inquiries/new"):
        assert "http://localhost" + path in urls, path


def test_robots_txt_points_at_the_sitemap(client, orgs):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in text


def _many_disclosures(orgs, count: int) -> None:
    now = utcnow()
    db.session.execute(insert(Disclosure), [dict(
        organization_id=orgs["town"].id, category=Category.RESULT, title=f"批量信息 {n}",
        body_html="", formed_on=date(2026, 1, 5), publish_due=date(2026, 2, 2),
        status=Status.PUBLISHED, published_at=now, first_published_at=now,
        created_at=now, updated_at=now, author_id=None) for n in range(count)])
    db.session.commit()


def test_past_fifty_thousand_urls_the_sitemap_becomes_an_index(client, orgs):
    _many_disclosures(orgs, sitemaps.MAX_URLS + 10)
    index = _sitemap(client)
    assert index.tag == f"{SITEMAP}sitemapindex"
    parts = [s.findtext(f"{SITEMAP}loc") for s in index.findall(f"{SITEMAP}sitemap")]
    assert parts == ["http://localhost/sitemaps/1.xml", "http://localhost/sitemaps/2.xml"]
    first = _sitemap(client, "/sitemaps/1.xml").findall(f"{SITEMAP}url")
    second = _sitemap(client, "/sitemaps/2.xml").findall(f"{SITEMAP}url")
    assert len(first) == sitemaps.MAX_URLS
    locs = [u.findtext(f"{SITEMAP}loc") for u in first + second]
    assert len(locs) == len(set(locs)) and sum("/disclosures/" in u for u in locs) >= \
        sitemaps.MAX_URLS + 10
    assert client.get("/sitemaps/3.xml").status_code == 404


def test_a_small_site_has_one_sitemap_and_no_parts(client, orgs):
    assert _sitemap(client).tag == f"{SITEMAP}urlset"
    assert client.get("/sitemaps/1.xml").status_code == 404


def test_pages_describe_themselves(client, corpus):
    home = DESCRIPTION.findall(client.get("/").get_data(as_text=True))
    doc = client.get(f"/disclosures/{corpus.ids['D1']}").get_data(as_text=True)
    [described] = DESCRIPTION.findall(doc)
    [title] = re.findall(r"<h1[^>]*>([^<]+)</h1>", doc)
    assert home and home[0]
    assert described.startswith(title.strip()) and len(described) <= 150
    for path in ("/villages/", "/execution/", "/inquiries/replies", "/disclosures/"):
        [text] = DESCRIPTION.findall(client.get(path).get_data(as_text=True))
        assert text and text != home[0], path
