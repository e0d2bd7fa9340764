"""`/sitemap.xml`: every public page with the time it last changed.

Lists the home page, the disclosure lists and every public disclosure, the village index,
every village board and published notice, the reply list, and — when their blueprints are
registered — consultations, 执行公开 tasks, the catalogue with every body's 公开指南, the
transparency log, open data, the feeds page and the inquiry form. Search result pages are
left out on purpose (endless and duplicate). A sitemap holds at most 50,000 URLs
(sitemaps.org): past that, /sitemap.xml becomes a sitemap index of /sitemaps/<n>.xml.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from portal.disclosures.models import PUBLIC_STATUSES, Category, Disclosure, Status
from portal.extensions import db
from portal.inquiries.models import ANSWERED_STATUSES, Inquiry
from portal.organizations.models import Organization, OrgKind
from portal.villages.models import NoticeStatus, VillageNotice
from portal.villages.public_views import public_url

MAX_URLS = 50_000
Url = tuple[str, datetime | None]


def _latest(column, *conditions) -> datetime | None:
    return db.session.scalar(sa.select(sa.func.max(column)).where(*conditions))


def _disclosures() -> Iterator[Url]:
    published = Disclosure.status == Status.PUBLISHED
    yield public_url("disclosures.listing"), _latest(Disclosure.published_at, published)
    for category in Category:
        yield (public_url("disclosures.listing", category=category.value),
               _latest(Disclosure.published_at, published, Disclosure.category == category))
    rows = db.session.execute(sa.select(Disclosure.id, Disclosure.updated_at,
                                        Disclosure.published_at)
                              .where(Disclosure.status.in_(PUBLIC_STATUSES))
                              .order_by(Disclosure.id))
    for row in rows:
        yield (public_url("disclosures.detail", disclosure_id=row.id),
               max(d for d in (row.updated_at, row.published_at) if d is not None))


def _villages() -> Iterator[Url]:
    published = VillageNotice.status == NoticeStatus.PUBLISHED
    yield public_url("villages.index"), _latest(VillageNotice.published_at, published)
    latest = dict(db.session.execute(
        sa.select(VillageNotice.village_id, sa.func.max(VillageNotice.updated_at))
        .where(published).group_by(VillageNotice.village_id)).all())
    villages = db.session.execute(sa.select(Organization.id, Organization.slug).where(
        Organization.kind == OrgKind.VILLAGE, Organization.active.is_(True))
        .order_by(Organization.path))
    slugs = {}
    for village in villages:
        slugs[village.id] = village.slug
        yield public_url("villages.board", slug=village.slug), latest.get(village.id)
    notices = db.session.execute(sa.select(VillageNotice.id, VillageNotice.village_id,
                                           VillageNotice.updated_at)
                                 .where(published).order_by(VillageNotice.id))
    for notice in notices:
        yield (public_url("villages.notice", slug=slugs[notice.village_id],
                          notice_id=notice.id), notice.updated_at)


def _replies() -> Iterator[Url]:
    yield public_url("inquiries.replies"), _latest(
        Inquiry.replied_at, Inquiry.reply_published.is_(True),
        Inquiry.consent_publish.is_(True), Inquiry.status.in_(ANSWERED_STATUSES))


def _optional() -> Iterator[Url]:
    """Consultations, 执行公开 and the catalogue with each body's 公开指南, if those
    packages' pages are registered."""
    views = current_app.view_functions
    if "consultations.detail" in views:
        from portal.consultations.models import PUBLIC_STATUSES as OPEN
        from portal.consultations.models import Consultation

        yield public_url("consultations.listing"), None
        for row in db.session.execute(sa.select(Consultation.id, Consultation.updated_at)
                                      .where(Consultation.status.in_(OPEN))
                                      .order_by(Consultation.id)):
            yield public_url("consultations.detail", consultation_id=row.id), row.updated_at
    if "execution.detail" in views:
        from portal.execution.models import ExecutionTask

        yield public_url("execution.listing"), None
        for row in db.session.execute(sa.select(ExecutionTask.id, ExecutionTask.updated_at)
                                      .where(ExecutionTask.is_public)
                                      .order_by(ExecutionTask.id)):
            yield public_url("execution.detail", task_id=row.id), row.updated_at
    if "catalogue.entry" in views:
        yield from _catalogue()


def _catalogue() -> Iterator[Url]:
    from portal.catalogue.models import CatalogueEntry, DisclosureGuide
    from portal.catalogue.queries import guide_organizations

    yield public_url("catalogue.listing"), None
    for row in db.session.execute(sa.select(CatalogueEntry.id, CatalogueEntry.updated_at)
                                  .where(CatalogueEntry.active)
                                  .order_by(CatalogueEntry.position, CatalogueEntry.id)):
        yield public_url("catalogue.entry", entry_id=row.id), row.updated_at
    changed = dict(db.session.execute(sa.select(DisclosureGuide.organization_id,
                                                DisclosureGuide.updated_at)).all())
    for organization in guide_organizations():
        yield (public_url("catalogue.guide", org_slug=organization.slug),
               changed.get(organization.id))


def _open_data() -> Iterator[Url]:
    views = current_app.view_functions
    for endpoint in ("transparency.index", "open_data.index", "feeds.index", "inquiries.new"):
        if endpoint in views:
            yield public_url(endpoint), None


def sitemap_urls() -> list[Url]:
    """(absolute URL, last change or None) for every public page."""
    urls: list[Url] = [(public_url("public.home"), _latest(Disclosure.published_at,
                                                           Disclosure.status == Status.PUBLISHED))]
    for part in (_disclosures(), _villages(), _replies(), _optional(), _open_data()):
        urls.extend(part)
    return urls


def parts(urls: list[Url]) -> list[list[Url]]:
    """The URLs cut into sitemaps of at most MAX_URLS each (sitemaps.org protocol)."""
    return [urls[start:start + MAX_URLS] for start in range(0, len(urls), MAX_URLS)] or [[]]


def last_change(urls: list[Url]) -> datetime | None:
    return max((lastmod for _url, lastmod in urls if lastmod is not None), default=None)
