"""Reading the catalogue: each entry with its latest documents and whether it is stale,
an entry's documents, and the guides."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from wtforms.fields import SelectChoice

from portal.catalogue.models import CatalogueEntry, DisclosureGuide
from portal.disclosures.models import Disclosure, Status
from portal.disclosures.queries import Page, paginate
from portal.errors import NotFound
from portal.extensions import db
from portal.organizations.models import Organization, OrgKind
from portal.timeutil import local_today, to_local

LATEST_PER_ENTRY = 3


@dataclass
class EntryOverview:
    """An entry as the catalogue page shows it."""

    entry: CatalogueEntry
    latest: list[Disclosure] = field(default_factory=list)

    @property
    def newest_at(self) -> datetime | None:
        return self.latest[0].published_at if self.latest else None

    @property
    def age_days(self) -> int | None:
        newest = self.newest_at
        return None if newest is None else (local_today() - to_local(newest).date()).days

    @property
    def is_stale(self) -> bool:
        """Nothing published, or the newest publication older than the entry allows."""
        age = self.age_days
        return age is None or age > self.entry.max_age_days


def _in_subtree(organization: Organization):
    return Disclosure.organization_id.in_(
        select(Organization.id).where(Organization.path.startswith(organization.path)))


def _published(organization: Organization | None):
    conditions = [Disclosure.status == Status.PUBLISHED,
                  Disclosure.catalogue_entry_id.is_not(None)]
    if organization is not None:
        conditions.append(_in_subtree(organization))
    return conditions


def overview(organization: Organization | None = None) -> list[EntryOverview]:
    """Every active entry with its newest published documents (of `organization`'s
    subtree when given), in catalogue order."""
    entries = db.session.scalars(select(CatalogueEntry).where(CatalogueEntry.active)
                                 .order_by(CatalogueEntry.position, CatalogueEntry.id))
    rows = {entry.id: EntryOverview(entry) for entry in entries}
    rank = func.row_number().over(
        partition_by=Disclosure.catalogue_entry_id,
        order_by=(Disclosure.published_at.desc(), Disclosure.id.desc())).label("rank")
    ranked = select(Disclosure.id, rank).where(*_published(organization)).subquery()
    stmt = (select(Disclosure).join(ranked, ranked.c.id == Disclosure.id)
            .where(ranked.c.rank <= LATEST_PER_ENTRY)
            .order_by(Disclosure.published_at.desc(), Disclosure.id.desc()))
    for disclosure in db.session.scalars(stmt):
        if disclosure.catalogue_entry_id in rows:
            rows[disclosure.catalogue_entry_id].latest.append(disclosure)
    return list(rows.values())


def get_entry(entry_id: int) -> CatalogueEntry:
    entry = db.session.get(CatalogueEntry, entry_id)
    if entry is None:
        raise NotFound("找不到该目录事项。")
    return entry


def entry_overview(entry: CatalogueEntry, organization: Organization | None = None
                   ) -> EntryOverview:
    stmt = (select(Disclosure).where(Disclosure.catalogue_entry_id == entry.id,
                                     *_published(organization))
            .order_by(Disclosure.published_at.desc(), Disclosure.id.desc())
            .limit(LATEST_PER_ENTRY))
    return EntryOverview(entry, list(db.session.scalars(stmt)))


def entry_documents(entry: CatalogueEntry, organization: Organization | None = None, *,
                    page: int = 1, size: int = 20) -> Page:
    stmt = (select(Disclosure).where(Disclosure.catalogue_entry_id == entry.id,
                                     *_published(organization))
            .order_by(Disclosure.published_at.desc(), Disclosure.id.desc()))
    return paginate(stmt, page, size)


def all_entries() -> list[CatalogueEntry]:
    return list(db.session.scalars(select(CatalogueEntry).order_by(
        CatalogueEntry.position, CatalogueEntry.id)))


def entry_choices(current_id: int | None = None) -> list[SelectChoice]:
    """Choices for the disclosure form: active entries, plus the one a document is
    already filed under even if it has since been retired."""
    choices = [SelectChoice(0, "（不归入目录）")]
    for entry in all_entries():
        if entry.active or entry.id == current_id:
            choices.append(SelectChoice(entry.id, entry.label, optgroup=entry.level1))
    return choices


def guide_for(organization: Organization) -> DisclosureGuide | None:
    return db.session.scalar(select(DisclosureGuide).where(
        DisclosureGuide.organization_id == organization.id))


def guide_organizations() -> list[Organization]:
    """The county and its active towns: the organizations that publish a 公开指南."""
    return list(db.session.scalars(select(Organization).where(
        Organization.kind.in_((OrgKind.COUNTY, OrgKind.TOWN)), Organization.active.is_(True))
        .order_by(Organization.path)))
