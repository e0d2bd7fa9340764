"""`/sitemap.xml`: every public page with the time it last changed.

Lists the home page, the disclosure lists and every public disclosure, the village index,
every village board and published notice, the reply list, the feeds page, and — when
their blueprints are registered — consultations and the catalogue. Search result pages are
left out on purpose (endless and duplicate). A sitemap holds at most 50,000 URLs; a
township portal stays far below that, and anything past it is cut rather than invalid.
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
    """Consultations and the catalogue, if those packages' pages are registered."""
    views = current_app.view_functions
    if "consultations.detail" in views:
        from portal.consultations.models import PUBLIC_STATUSES as OPEN
        from portal.consultations.models import Consultation

        yield public_url("consultations.listing"), None
        for row in db.session.execute(sa.select(Consultation.id, Consultation.updated_at)
                                      .where(Consultation.status.in_(OPEN))
                                      .order_by(Consultation.id)):
            yield public_url("consultations.detail", consultation_id=row.id), row.updated_at
    if "catalogue.entry" in views:
        from portal.catalogue.models import CatalogueEntry

        yield public_url("catalogue.listing"), None
        for row in db.session.execute(sa.select(CatalogueEntry.id, CatalogueEntry.updated_at)
                                      .where(CatalogueEntry.active)
                                      .order_by(CatalogueEntry.position, CatalogueEntry.id)):
            yield public_url("catalogue.entry", entry_id=row.id), row.updated_at


def sitemap_urls() -> list[Url]:
    """(absolute URL, last change or None) for every public page, at most MAX_URLS."""
    urls: list[Url] = [(public_url("public.home"), _latest(Disclosure.published_at,
                                                           Disclosure.status == Status.PUBLISHED))]
    for part in (_disclosures(), _villages(), _replies(), _optional()):
        urls.extend(part)
    urls.append((public_url("feeds.index"), None))
    if "inquiries.new" in current_app.view_functions:
        urls.append((public_url("inquiries.new"), None))
    return urls[:MAX_URLS]
