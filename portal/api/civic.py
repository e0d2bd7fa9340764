"""API lists for 征求意见 (consultations) and the 公开目录 (catalogue).

Extension point: these two capabilities are separate packages. The API serves them only when
their public pages are registered (`available`); without them the routes answer 404 and
the OpenAPI document leaves their paths out. A new field of theirs is added here and in
`portal.api.openapi` together.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import MultiDict

from portal.api.paging import Listing, check_parameters, parse_since
from portal.api.resources import organization_by_slug, stored_id
from portal.api.serializers import day, organization, timestamp
from portal.errors import NotFound
from portal.extensions import db
from portal.organizations.models import Organization
from portal.villages.public_views import public_url

ENDPOINTS = {"consultations": "consultations.detail", "catalogue": "catalogue.entry"}


def available(name: str) -> bool:
    """Whether the capability `name` ("consultations", "catalogue") is part of this site."""
    return ENDPOINTS[name] in current_app.view_functions


def consultation(c) -> dict:
    """A published consultation; the outcome fields are filled once it is concluded."""
    from portal.consultations.models import ConsultationStatus

    concluded = c.status is ConsultationStatus.CONCLUDED
    return {
        "id": c.id, "title": c.title, "organization": organization(c.organization),
        "status": c.status.value, "phase": c.phase().value, "phase_label": c.phase().label,
        "summary": c.summary, "draft_html": c.draft_html, "opens_on": day(c.opens_on),
        "closes_on": day(c.closes_on), "published_at": timestamp(c.published_at),
        "updated_at": timestamp(c.updated_at),
        "adoption_summary": c.adoption_summary if concluded else None,
        "url": public_url("consultations.detail", consultation_id=c.id),
    }


def consultations_listing(args: MultiDict) -> Listing:
    """Published and concluded consultations, newest first; filters organization,
    since."""
    from portal.consultations.models import PUBLIC_STATUSES, Consultation

    check_parameters(args, ("organization", "since"))
    stmt = sa.select(Consultation).where(Consultation.status.in_(PUBLIC_STATUSES),
                                         Consultation.published_at.is_not(None))
    if slug := args.get("organization"):
        org = organization_by_slug(slug, "organization")
        stmt = stmt.where(Consultation.organization_id.in_(
            sa.select(Organization.id).where(Organization.path.startswith(org.path))))
    if value := args.get("since"):
        stmt = stmt.where(Consultation.published_at >= parse_since(value))
    return Listing(stmt, Consultation.published_at, Consultation.id,
                   lambda c: c.published_at, consultation)


def get_consultation(consultation_id: int):
    """A published or concluded consultation; NotFound otherwise."""
    from portal.consultations.models import Consultation

    item = db.session.get(Consultation, consultation_id) if stored_id(consultation_id) else None
    if item is None or not item.is_public or item.published_at is None:
        raise NotFound("该征求意见不存在或已撤回。")
    return item


def catalogue_entry(e) -> dict:
    """One row of the 公开目录 with the columns of 国办发〔2019〕54号."""
    return {
        "id": e.id, "position": e.position, "level1": e.level1, "level2": e.level2,
        "content": e.content, "basis": e.basis, "time_limit": e.time_limit,
        "subject": e.subject, "channels": e.channels, "audience": e.audience,
        "manner": e.manner, "tier": e.tier, "updated_at": timestamp(e.updated_at),
        "url": public_url("catalogue.entry", entry_id=e.id),
    }


def catalogue_listing(args: MultiDict) -> Listing:
    """Active catalogue entries in catalogue order (position, then id)."""
    from portal.catalogue.models import CatalogueEntry

    check_parameters(args, ())
    stmt = sa.select(CatalogueEntry).where(CatalogueEntry.active.is_(True))
    return Listing(stmt, CatalogueEntry.position, CatalogueEntry.id, lambda e: e.position,
                   catalogue_entry, descending=False)


def get_catalogue_entry(entry_id: int):
    """An active catalogue entry; NotFound otherwise."""
    from portal.catalogue.models import CatalogueEntry

    entry = db.session.get(CatalogueEntry, entry_id) if stored_id(entry_id) else None
    if entry is None or not entry.active:
        raise NotFound("该目录事项不存在。")
    return entry
