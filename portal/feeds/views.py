"""Atom feeds per disclosure category and per publishing organization, the page that
lists every feed, and /sitemap.xml. The village feeds stay at /villages/<slug>/feed.atom
and share the writer in `portal.feeds.atom`."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from portal.disclosures import queries as disclosures
from portal.disclosures.models import Category
from portal.feeds import sitemap as sitemaps
from portal.feeds.atom import (
    FEED_SIZE,
    AtomFeed,
    atom_response,
    disclosure_entry,
    notice_entry,
    reply_entry,
    task_entry,
)
from portal.feeds.sitemap import sitemap_urls
from portal.organizations.models import OrgKind
from portal.organizations.services import get_by_slug, towns_with_villages
from portal.villages.public_views import public_url

bp = Blueprint("feeds", __name__)


@bp.get("/feeds/")
def index():
    return render_template("feeds/index.html", categories=list(Category),
                           organizations=disclosures.publishing_organizations(),
                           towns=towns_with_villages())


@bp.get("/feeds/disclosures.atom")
def all_disclosures():
    page = disclosures.public_listing(size=FEED_SIZE)
    site = current_app.config["SITE_NAME"]
    return atom_response(AtomFeed(
        id=public_url("disclosures.listing"), title=f"{site} · 政府信息公开",
        self_url=public_url("feeds.all_disclosures"),
        alternate_url=public_url("disclosures.listing"), author=site,
        entries=[disclosure_entry(d) for d in page.items]))


@bp.get("/feeds/categories/<category>.atom")
def category(category: str):
    if category not in {c.value for c in Category}:
        abort(404)
    chosen = Category(category)
    page = disclosures.public_listing(category=chosen, size=FEED_SIZE)
    site = current_app.config["SITE_NAME"]
    return atom_response(AtomFeed(
        id=public_url("disclosures.listing", category=category),
        title=f"{site} · {chosen.label}", self_url=public_url("feeds.category",
                                                                category=category),
        alternate_url=public_url("disclosures.listing", category=category), author=site,
        entries=[disclosure_entry(d) for d in page.items]))


@bp.get("/feeds/organizations/<slug>.atom")
def organization(slug: str):
    org = get_by_slug(slug)
    if org.kind is OrgKind.VILLAGE:  # a village's board has its own feed
        abort(404)
    page = disclosures.public_listing(organization=org, size=FEED_SIZE)
    return atom_response(AtomFeed(
        id=public_url("disclosures.listing", org=slug),
        title=f"{org.publisher_name} · 政府信息公开", subtitle="含下属站所发布的信息",
        self_url=public_url("feeds.organization", slug=slug),
        alternate_url=public_url("disclosures.listing", org=slug), author=org.publisher_name,
        entries=[disclosure_entry(d) for d in page.items]))


def _site_feed(listing: str, name: str, feed: str, entries: list):
    """A feed of the whole site's `name` (e.g. 执行公开), beside its listing page."""
    site = current_app.config["SITE_NAME"]
    return atom_response(AtomFeed(
        id=public_url(listing), title=f"{site} · {name}", self_url=public_url(feed),
        alternate_url=public_url(listing), author=site, entries=entries))


@bp.get("/feeds/villages.atom")
def all_villages():
    """Every village board's newest published notices in one feed."""
    from portal.villages import queries as village_queries

    return _site_feed("villages.index", "村务公开（各村）", "feeds.all_villages",
                      [notice_entry(n) for n in village_queries.latest_everywhere(FEED_SIZE)])


@bp.get("/feeds/execution.atom")
def execution():
    from portal.execution import queries as execution_queries

    tasks = sorted(execution_queries.public_tasks(), reverse=True,
                   key=lambda t: t.updated_at)[:FEED_SIZE]
    return _site_feed("execution.listing", "执行公开", "feeds.execution",
                      [task_entry(t) for t in tasks])


@bp.get("/feeds/replies.atom")
def replies():
    from portal.inquiries import queries as inquiry_queries

    page = inquiry_queries.published_replies(size=FEED_SIZE)
    return _site_feed("inquiries.replies", "留言答复公开", "feeds.replies",
                      [reply_entry(i) for i in page.items])


@bp.get("/sitemap.xml")
def sitemap():
    urls = sitemap_urls()
    pieces = sitemaps.parts(urls)
    if len(pieces) == 1:
        body = render_template("feeds/sitemap.xml", urls=urls)
    else:
        body = render_template("feeds/sitemap_index.xml", sitemaps=[
            (public_url("feeds.sitemap_part", number=n), sitemaps.last_change(piece))
            for n, piece in enumerate(pieces, start=1)])
    return current_app.response_class(body, mimetype="application/xml")


@bp.get("/sitemaps/<int:number>.xml")
def sitemap_part(number: int):
    pieces = sitemaps.parts(sitemap_urls())
    if not 1 <= number <= len(pieces) or len(pieces) == 1:
        abort(404)
    body = render_template("feeds/sitemap.xml", urls=pieces[number - 1])
    return current_app.response_class(body, mimetype="application/xml")
