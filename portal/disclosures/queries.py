"""Reading disclosures: the public listing and the staff's scoped views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import selectinload

from portal.attachments.models import StoredFile
from portal.auth import policy
from portal.auth.models import Role
from portal.auth.permissions import require_any
from portal.disclosures.models import (
    Category,
    Disclosure,
    DisclosureAttachment,
    DisclosureRevision,
    RevisionStatus,
    Status,
)
from portal.errors import NotFound
from portal.extensions import db
from portal.organizations.models import Organization, OrgChoice
from portal.paging import KeysetPage, PageRequest, keyset_page
from portal.timeutil import UTCDateTime, to_local, year_bounds

STAFF_VIEW_ROLES = (Role.EDITOR, Role.REVIEWER, Role.ADMIN, Role.INSPECTOR)


@dataclass
class Page:
    items: list
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(stmt: Select, number: int, size: int) -> Page:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    number = max(1, number)
    items = list(db.session.scalars(stmt.limit(size).offset((number - 1) * size)))
    return Page(items, number, size, total or 0)


def get_disclosure(disclosure_id: int) -> Disclosure:
    """Return the disclosure or raise NotFound."""
    disclosure = db.session.get(Disclosure, disclosure_id)
    if disclosure is None:
        raise NotFound("找不到该公开信息。")
    return disclosure


def get_public(disclosure_id: int) -> Disclosure:
    """A disclosure residents may read (published or superseded); anything else is 404,
    so drafts and withdrawn documents do not even reveal that they exist."""
    disclosure = db.session.get(Disclosure, disclosure_id)
    if disclosure is None or not disclosure.is_public:
        raise NotFound("该信息不存在或已撤回。")
    return disclosure


def get_for_staff(actor, disclosure_id: int) -> Disclosure:
    """A disclosure the actor may see in the back office. Raises NotFound, PermissionDenied."""
    disclosure = get_disclosure(disclosure_id)
    require_any(actor, STAFF_VIEW_ROLES, disclosure.organization,
                action="disclosure.view", target=disclosure)
    return disclosure


def public_attachment(disclosure_id: int, file_id: int) -> DisclosureAttachment:
    """An attachment of a public document that the public may download: checked clean
    for personal data, or by a person (portal.personal_data.files)."""
    from portal.personal_data.files import is_public

    disclosure = get_public(disclosure_id)
    for link in disclosure.attachments:
        if link.stored_file_id == file_id and is_public(link.file):
            return link
    raise NotFound("找不到该附件。")


def in_org_subtree(path, organization_id=Disclosure.organization_id):
    """Published by the unit at `path` or any unit under it."""
    return organization_id.in_(
        select(Organization.id).where(Organization.path.startswith(path)))


def _public(category: Category | None, organization: Organization | None,
            year: int | None) -> list:
    """What a public list is filtered by: published, and the visitor's filters."""
    where = [Disclosure.status == Status.PUBLISHED]
    if category is not None:
        where.append(Disclosure.category == category)
    if organization is not None:
        where.append(in_org_subtree(organization.path))
    if year is not None:
        start, end = year_bounds(year)
        where += [Disclosure.published_at >= start, Disclosure.published_at < end]
    return where


def public_listing(*, category: Category | None = None, organization: Organization | None = None,
                   year: int | None = None, page: PageRequest | None = None,
                   size: int = 20) -> KeysetPage:
    """Published disclosures newest first, whole (the feeds show their bodies), one
    keyset page (`portal.paging`)."""
    stmt = select(Disclosure).where(*_public(category, organization, year))
    return keyset_page(stmt, Disclosure.published_at, Disclosure.id, page or PageRequest(), size)


@dataclass(frozen=True)
class Headline:
    """A published disclosure as the home page lists it."""

    id: int
    title: str
    published_at: datetime


def latest_by_category(limit: int = 6) -> dict[Category, list[Headline]]:
    """The newest published disclosures of each category; kept per public-content version
    (five index reads, but of wide rows, on every home page otherwise)."""
    from portal.pagecache import per_content_version

    return per_content_version(f"disclosures.latest.{limit}", lambda: _latest(limit))


def _latest(limit: int) -> dict[Category, list[Headline]]:
    latest = {}
    for category in Category:
        stmt = (select(Disclosure.id, Disclosure.title, Disclosure.published_at)
                .where(Disclosure.status == Status.PUBLISHED, Disclosure.category == category)
                .order_by(Disclosure.published_at.desc(), Disclosure.id.desc()).limit(limit))
        latest[category] = [Headline(*row) for row in db.session.execute(stmt)]
    return latest


def publication_years() -> list[int]:
    """Local (Beijing) years with a published disclosure, newest first, as the list's year
    filter counts them; kept per public-content version."""
    from portal.pagecache import per_content_version

    return per_content_version("disclosures.years", _publication_years)


def _publication_years() -> list[int]:
    """One step down the (status, published_at) index per year: the newest publication,
    then the newest before the start of its local year, and so on. Grouping every
    publication by year read all of them (43 ms at 100,000), after every publication."""
    years: list[int] = []
    newest = db.session.scalar(_NEWEST_BEFORE, {"before": _NO_LATER_THAN})
    while newest is not None:
        years.append(to_local(newest).year)
        newest = db.session.scalar(_NEWEST_BEFORE, {"before": year_bounds(years[-1])[0]})
    return years


_NEWEST_BEFORE = (select(func.max(Disclosure.published_at))
                  .where(Disclosure.status == Status.PUBLISHED,
                         Disclosure.published_at < bindparam("before", type_=UTCDateTime)))
_NO_LATER_THAN = datetime(9999, 1, 1, tzinfo=UTC)


def staff_listing(actor, *, status: Status | None = None, page: int = 1,
                  size: int = 20) -> Page:
    """Disclosures of every organization where the actor holds a staff role."""
    stmt = select(Disclosure).where(policy.visible(actor, Disclosure, STAFF_VIEW_ROLES))
    if status is not None:
        stmt = stmt.where(Disclosure.status == status)
    stmt = stmt.options(selectinload(Disclosure.author)).order_by(
        Disclosure.updated_at.desc(), Disclosure.id.desc())
    return paginate(stmt, page, size)


def awaiting_review(actor) -> list[Disclosure]:
    """What the actor could review (never their own): submissions, and published documents
    with a pending revision (`pending_revision` is loaded)."""
    revised = select(DisclosureRevision.disclosure_id).where(
        DisclosureRevision.status == RevisionStatus.PENDING,
        DisclosureRevision.author_id != actor.id)
    submitted = db.and_(Disclosure.status.in_((Status.SUBMITTED, Status.FIRST_APPROVED)),
                        Disclosure.author_id != actor.id)
    stmt = (select(Disclosure)
            .where(policy.visible(actor, Disclosure, (Role.REVIEWER,)),
                   db.or_(submitted, Disclosure.id.in_(revised)))
            .options(selectinload(Disclosure.pending_revision))
            .order_by(Disclosure.updated_at))
    return list(db.session.scalars(stmt))


def staff_file(actor, disclosure_id: int, file_id: int) -> StoredFile:
    """A file of the document, or of its pending revision, for staff who may see it.
    Raises NotFound, PermissionDenied."""
    disclosure = get_for_staff(actor, disclosure_id)
    ids = [link.stored_file_id for link in disclosure.attachments]
    if disclosure.pending_revision is not None:
        ids += disclosure.pending_revision.proposal.attachment_ids
    stored = db.session.get(StoredFile, file_id) if file_id in ids else None
    if stored is None:
        raise NotFound("找不到该附件。")
    return stored


def review_steps() -> int:
    return 2 if int(current_app.config["DISCLOSURE_REVIEW_STEPS"]) >= 2 else 1


def editable_organizations(actor, current: Organization | None = None) -> list[Organization]:
    """Organizations the actor may publish for: every active node under an `editor` grant,
    and `current` (a document's own unit, even deactivated) when the actor edits there."""
    if not policy.Actor.of(actor).paths((Role.EDITOR,)):
        return []
    stmt = select(Organization).where(policy.organizations_under(actor, (Role.EDITOR,)))
    found = list(db.session.scalars(stmt.where(Organization.active.is_(True))
                                    .order_by(Organization.path)))
    if current is not None and current not in found and actor.has_role(Role.EDITOR, current):
        found.insert(0, current)
    return found


def publishing_organizations() -> list[OrgChoice]:
    """Organizations with at least one published disclosure, for the public filter and
    the feeds; kept per public-content version (60 ms at 100,000 publications)."""
    from portal.pagecache import per_content_version

    return per_content_version("disclosures.publishers", _publishing_organizations)


def _publishing_organizations() -> list[OrgChoice]:
    # One index probe per unit (a county has hundreds), not a list of every publication's
    # unit (9 ms at 100,000 publications).
    publishes = exists().where(Disclosure.organization_id == Organization.id,
                               Disclosure.status == Status.PUBLISHED)
    stmt = select(Organization).where(publishes, Organization.active.is_(True))\
        .order_by(Organization.path)
    return [OrgChoice.of(org) for org in db.session.scalars(stmt)]


def successor_of(disclosure) -> Disclosure | None:
    """The published document that superseded this one (a `Disclosure` or a
    `public_reads.PublicDocument`), if any."""
    if disclosure.status is not Status.SUPERSEDED:
        return None
    return db.session.scalar(select(Disclosure).where(
        Disclosure.supersedes_id == disclosure.id, Disclosure.status == Status.PUBLISHED))
