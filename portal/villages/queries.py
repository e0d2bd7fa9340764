"""Reading village boards and the staff's work lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from portal.auth import policy
from portal.auth.models import Role
from portal.disclosures.queries import Page, paginate
from portal.errors import NotFound
from portal.extensions import db
from portal.organizations.models import Organization, OrgKind
from portal.organizations.services import SLUG_RE
from portal.paging import KeysetPage, KeysetQuery, PageRequest
from portal.timeutil import local_today, year_bounds
from portal.villages.models import NoticeCategory, NoticeStatus, VillageNotice, window_state

STAFF_ROLES = (Role.VILLAGE_CLERK, Role.VILLAGE_SUPERVISOR, Role.REVIEWER, Role.ADMIN,
               Role.INSPECTOR)


def get_village(slug: str) -> Organization:
    """The village with this slug, or NotFound; a value that cannot be a slug (a NUL from
    a URL, which PostgreSQL refuses in a query) is not looked up."""
    village = db.session.scalar(select(Organization).options(joinedload(Organization.parent))
                                .where(Organization.slug == slug,
                                       Organization.kind == OrgKind.VILLAGE)) \
        if SLUG_RE.fullmatch(slug or "") else None
    if village is None:
        raise NotFound("找不到该村。")
    return village


@dataclass(frozen=True, slots=True)
class VillageCard:
    """What a village's board shows of the village."""

    id: int
    slug: str
    name: str
    full_name: str
    town_name: str
    active: bool


def village_card(slug: str) -> VillageCard:
    """The village with this slug for its board, or NotFound; from every village's card,
    kept per public-content version (which any change to a unit moves)."""
    from portal.pagecache import per_content_version

    card = per_content_version("villages.cards", _village_cards).get(slug)
    if card is None:
        raise NotFound("找不到该村。")
    return card


def _village_cards() -> dict[str, VillageCard]:
    villages = db.session.scalars(select(Organization).options(joinedload(Organization.parent))
                                  .where(Organization.kind == OrgKind.VILLAGE))
    return {v.slug: VillageCard(v.id, v.slug, v.name, v.full_name,
                                v.parent.name if v.parent else "", v.active) for v in villages}


@dataclass(slots=True)  # not frozen: a frozen class is built four times slower, a page builds 20
class Posted:
    """A published notice as the village's board lists it."""

    id: int
    title: str
    category: NoticeCategory
    period_start: date
    period_end: date
    published_at: datetime
    is_major: bool
    window_state: str | None  # 公示中, 公示期满, 公示未开始 (today), or None: no 公示 window


def board_rows(village: VillageCard, *, category: NoticeCategory | None = None,
               year: int | None = None, page: PageRequest | None = None,
               size: int = 20) -> KeysetPage:
    """Published notices of one village newest first, one keyset page of `Posted` rows
    (plain columns read by a statement built once: no ORM objects, no bodies)."""
    params: dict = {"village_id": village.id}
    if category is not None:
        params["category"] = category
    if year is not None:
        params["start"], params["end"] = year_bounds(year)
    today = local_today()

    def row(*columns) -> Posted:
        *shown, window_start, window_end = columns
        return Posted(*shown, window_state(window_start, window_end, today))

    query = _board_query("category" in params, "start" in params)
    return query.page(params, page or PageRequest(), size, row)


@cache
def _board_query(by_category: bool, by_year: bool) -> KeysetQuery:
    """`board_rows`'s statements for one combination of filters, bound by name."""
    table = VillageNotice.__table__.c
    where = [table.village_id == bindparam("village_id"),
             table.status == NoticeStatus.PUBLISHED]
    if by_category:
        where.append(table.category == bindparam("category"))
    if by_year:
        where += [table.published_at >= bindparam("start"),
                  table.published_at < bindparam("end")]
    base = select(table.id, table.title, table.category, table.period_start, table.period_end,
                  table.published_at, table.is_major, table.window_start,
                  table.window_end).where(*where)
    return KeysetQuery(base, table.published_at, table.id)


def latest(village: Organization, limit: int = 20) -> list[VillageNotice]:
    """The newest published notices of one village, whole (the feed shows their bodies)."""
    return list(db.session.scalars(
        select(VillageNotice).where(VillageNotice.village_id == village.id,
                                    VillageNotice.status == NoticeStatus.PUBLISHED)
        .order_by(VillageNotice.published_at.desc(), VillageNotice.id.desc()).limit(limit)))


def latest_everywhere(limit: int) -> list[VillageNotice]:
    """The newest published notices of every active village's board."""
    return list(db.session.scalars(
        select(VillageNotice).join(VillageNotice.village)
        .where(VillageNotice.status == NoticeStatus.PUBLISHED, Organization.active.is_(True))
        .order_by(VillageNotice.published_at.desc(), VillageNotice.id.desc()).limit(limit)))


def get_public(village: Organization, notice_id: int) -> VillageNotice:
    notice = db.session.get(VillageNotice, notice_id)
    if notice is None or notice.village_id != village.id or not notice.is_public:
        raise NotFound("该公开事项不存在或已撤回。")
    return notice


def staff_notices(actor, *, status: NoticeStatus | None = None, page: int = 1,
                  size: int = 20) -> Page:
    stmt = select(VillageNotice).where(policy.visible(actor, VillageNotice, STAFF_ROLES))
    if status is not None:
        stmt = stmt.where(VillageNotice.status == status)
    return paginate(stmt.order_by(VillageNotice.updated_at.desc(), VillageNotice.id.desc()),
                    page, size)


def awaiting(actor, role: Role, status: NoticeStatus) -> list[VillageNotice]:
    """Notices waiting for the actor's signature (supervisor) or approval (reviewer)."""
    stmt = (select(VillageNotice)
            .where(policy.visible(actor, VillageNotice, (role,)),
                   VillageNotice.status == status,
                   VillageNotice.author_id != actor.id)
            .order_by(VillageNotice.updated_at))
    return list(db.session.scalars(stmt))


def visible_villages(actor) -> list[Organization]:
    """Villages under any of the actor's staff grants (for the schedule report)."""
    return clerk_villages(actor, roles=STAFF_ROLES)


def clerk_villages(actor, roles=(Role.VILLAGE_CLERK,),
                   current: Organization | None = None) -> list[Organization]:
    """Active villages under the actor's grants of `roles`, and `current` (a notice's own
    village, even deactivated)."""
    scope = policy.organization_ids(actor, roles)
    if scope is None:
        return []
    found = list(db.session.scalars(select(Organization).where(
        Organization.id.in_(scope), Organization.kind == OrgKind.VILLAGE,
        Organization.active.is_(True)).order_by(Organization.path)))
    if current is not None and current not in found \
            and any(actor.has_role(role, current) for role in roles):
        found.insert(0, current)
    return found
