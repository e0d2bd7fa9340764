"""What the public pages read on every view, as plain data rather than ORM objects: the
list's rows, a document with its public files and 更正说明, and the names its rows show.
Each read is one statement built once with bound parameters, since building a statement
costs as much as running it; what every page needs and only a public change alters (the
publishers' names) is kept per public-content version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Select, bindparam, exists, outerjoin, select

from portal.attachments.models import StoredFile
from portal.catalogue.models import CatalogueEntry, entry_label
from portal.db_types import written
from portal.disclosures.models import (
    PUBLIC_STATUSES,
    Category,
    Disclosure,
    DisclosureAttachment,
    DisclosureRevision,
    Mode,
    RevisionStatus,
    Status,
    Validity,
)
from portal.disclosures.queries import in_org_subtree
from portal.errors import NotFound
from portal.extensions import db
from portal.organizations.models import Organization
from portal.paging import KeysetPage, KeysetQuery, PageRequest
from portal.timeutil import year_bounds


@dataclass(frozen=True, slots=True)
class PublicDocument:
    """A published (or superseded) document as its page shows it."""

    id: int
    title: str
    body_html: str
    category: Category
    doc_number: str
    written_on: date | None
    topic: str
    keywords: str
    mode: Mode
    validity: Validity
    repealed_on: date | None
    source: str
    status: Status
    index_number: str | None
    published_at: datetime | None
    version: int
    updated_at: datetime
    catalogue_entry_id: int | None
    catalogue_label: str
    publisher_name: str
    has_files: bool  # any attachment at all: the page then reads which ones are public
    has_corrections: bool


def public_document(disclosure_id: int) -> PublicDocument:
    """The document residents may read (published or superseded); anything else is 404,
    as `queries.get_public` answers."""
    found = db.session.execute(_document_statement(), {"disclosure_id": disclosure_id}).first()
    if found is None:
        raise NotFound("该信息不存在或已撤回。")
    *columns, organization_id, level1, level2, has_files, has_corrections = found
    label = entry_label(level1, level2) if level1 is not None else ""
    return PublicDocument(*columns, label, publisher_names().get(organization_id, ""),
                          bool(has_files), bool(has_corrections))


@cache
def _document_statement() -> Select:
    """The document with its catalogue entry, and whether it has attachments and
    更正说明 at all (two index probes), so that most pages need no other statement."""
    doc, entry = Disclosure.__table__.c, CatalogueEntry.__table__.c
    link, revision = DisclosureAttachment.__table__.c, DisclosureRevision.__table__.c
    has_files = exists().where(link.disclosure_id == doc.id)
    has_corrections = exists().where(revision.disclosure_id == doc.id, *_correction_terms())
    return (select(doc.id, doc.title, doc.body_html, doc.category, doc.doc_number,
                   doc.written_on, doc.topic, doc.keywords, doc.mode, doc.validity,
                   doc.repealed_on, doc.source, doc.status, doc.index_number,
                   doc.published_at, doc.version, doc.updated_at, doc.catalogue_entry_id,
                   doc.organization_id, entry.level1, entry.level2,
                   has_files.label("has_files"), has_corrections.label("has_corrections"))
            .select_from(outerjoin(Disclosure.__table__, CatalogueEntry.__table__,
                                   doc.catalogue_entry_id == entry.id))
            .where(doc.id == bindparam("disclosure_id"),
                   doc.status.in_([written(status) for status in PUBLIC_STATUSES])))


@dataclass(frozen=True, slots=True)
class PublicFile:
    """An attachment the public may download, as the document's page lists it."""

    stored_file_id: int
    display_name: str
    kind: str
    size: int


@dataclass(frozen=True, slots=True)
class Correction:
    """An approved substantive revision's 更正说明, as the document's page shows it."""

    decided_at: datetime
    correction_note: str


def public_files(document: PublicDocument) -> list[PublicFile]:
    """The document's attachments the public may download (checked clean, or confirmed by
    a person: `portal.personal_data.files.PUBLIC_STATES`), in their order, as the
    document's page lists them."""
    if not document.has_files:
        return []
    rows = db.session.execute(_public_files_statement(), {"disclosure_id": document.id})
    return [PublicFile(*row) for row in rows]


def corrections_of(document: PublicDocument) -> list[Correction]:
    """The document's 更正说明, oldest first (`Disclosure.corrections`), as its page shows
    them."""
    if not document.has_corrections:
        return []
    rows = db.session.execute(_corrections_statement(), {"disclosure_id": document.id})
    return [Correction(*row) for row in rows]


# Built once: building a statement costs as much as running it, on the page residents
# open most. Plain columns, the document as a bound parameter.
@cache
def _public_files_statement() -> Select:
    from portal.personal_data.files import PUBLIC_STATES

    link, stored = DisclosureAttachment.__table__.c, StoredFile.__table__.c
    return (select(link.stored_file_id, stored.display_name, stored.kind, stored.size)
            .join_from(DisclosureAttachment.__table__, StoredFile.__table__,
                       link.stored_file_id == stored.id)
            .where(link.disclosure_id == bindparam("disclosure_id"),
                   stored.privacy_state.in_([written(state) for state in PUBLIC_STATES]))
            .order_by(link.position, link.id))


@cache
def _corrections_statement() -> Select:
    revision = DisclosureRevision.__table__.c
    return (select(revision.decided_at, revision.correction_note)
            .where(revision.disclosure_id == bindparam("disclosure_id"), *_correction_terms())
            .order_by(revision.decided_at, revision.id))


def _correction_terms() -> tuple:
    """A revision that is a 更正说明: approved and substantive (the status written into
    the statement: a partial index is limited by it, see `written`)."""
    revision = DisclosureRevision.__table__.c
    return revision.status == written(RevisionStatus.APPROVED), revision.substantive.is_(True)


@dataclass(slots=True)  # not frozen: a frozen class is built four times slower, a page builds 20
class Listed:
    """A published disclosure as the public list shows it."""

    id: int
    title: str
    doc_number: str
    category: Category
    published_at: datetime
    publisher_name: str


def public_rows(*, category: Category | None = None, organization: Organization | None = None,
                year: int | None = None, page: PageRequest | None = None,
                size: int = 20) -> KeysetPage:
    """The public list's page of `Listed` rows: `public_listing`'s documents read as six
    plain columns by a statement built once, the publisher named from `publisher_names`
    (no ORM objects, no join, no body)."""
    names = publisher_names()
    params: dict = {}
    if category is not None:
        params["category"] = category
    if organization is not None:
        params["path"] = organization.path
    if year is not None:
        params["start"], params["end"] = year_bounds(year)

    def row(id_, title, doc_number, category, published_at, organization_id) -> Listed:
        return Listed(id_, title, doc_number, category, published_at,
                      names.get(organization_id, ""))

    query = _listing_query("category" in params, "path" in params, "start" in params)
    return query.page(params, page or PageRequest(), size, row)


@cache
def _listing_query(by_category: bool, by_organization: bool, by_year: bool) -> KeysetQuery:
    """`public_rows`'s statements for one combination of filters, bound by name."""
    table = Disclosure.__table__.c
    where = [table.status == written(Status.PUBLISHED)]
    if by_category:
        where.append(table.category == bindparam("category"))
    if by_organization:
        where.append(in_org_subtree(bindparam("path"), table.organization_id))
    if by_year:
        where += [table.published_at >= bindparam("start"),
                  table.published_at < bindparam("end")]
    base = select(table.id, table.title, table.doc_number, table.category, table.published_at,
                  table.organization_id).where(*where)
    return KeysetQuery(base, table.published_at, table.id)


def publisher_names() -> dict[int, str]:
    """Every organization's id → the name it publishes under (its formal name, else its
    parent's name and its own); kept per public-content version, which any change to an
    organization moves."""
    from portal.pagecache import per_content_version

    return per_content_version("disclosures.publisher_names", _publisher_names)


def _publisher_names() -> dict[int, str]:
    organizations = list(db.session.scalars(select(Organization)))  # parents among them
    return {org.id: org.publisher_name for org in organizations}
