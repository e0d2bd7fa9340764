"""The lists and items the API serves: only what the public site shows.

Each `*_listing(args)` checks the query parameters, applies the filters and returns a
`Listing` for `paging.page`; each getter returns one public item or raises NotFound.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from portal.api import serializers
from portal.api.paging import Listing, check_parameters, parse_since
from portal.disclosures.models import PUBLIC_STATUSES, Category, Disclosure
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.inquiries.models import Inquiry, InquiryType
from portal.inquiries.queries import public_replies
from portal.organizations.models import Organization, OrgKind
from portal.validation import DATABASE_INT_MAX
from portal.villages.models import NoticeCategory, NoticeStatus, VillageNotice

SLUG = re.compile(r"[A-Za-z0-9_-]{1,60}")
REPLY_NUMBER = re.compile(r"\d{4}-\d{6}")


def choice(value: str, enum_type, name: str):
    """The enum member a parameter names; ValidationError listing the valid values."""
    try:
        return enum_type(value)
    except ValueError:
        raise ValidationError(f"{name} 参数“{value[:40]}”无效。可选：" + "、".join(
            member.value for member in enum_type) + "。", field=name) from None


def organization_by_slug(slug: str, name: str, *, village: bool | None = None) -> Organization:
    """The organization a slug parameter names. Raises ValidationError for something that
    cannot be a code, NotFound for a code no organization (or no village) has."""
    if not SLUG.fullmatch(slug):
        raise ValidationError(f"{name} 参数应为机构代码（字母、数字、- 或 _，至多 60 个）。",
                              field=name)
    org = db.session.scalar(sa.select(Organization).where(Organization.slug == slug))
    if org is None or (village is not None and (org.kind is OrgKind.VILLAGE) != village):
        raise NotFound(f"{name} 参数“{slug[:40]}”不是已知的" + ("村" if village else "机构")
                       + "代码。")
    return org


def stored_id(value: int) -> bool:
    """Whether an id from a URL can be a row's id (a larger one would overflow the
    database's integer column): the getters answer NotFound for any other."""
    return 1 <= value <= DATABASE_INT_MAX


def _subtree(column, org: Organization):
    return column.in_(sa.select(Organization.id).where(Organization.path.startswith(org.path)))


def disclosures_listing(args: MultiDict) -> Listing:
    """Published and superseded disclosures; filters category, organization (its
    subtree), since (published at or after)."""
    check_parameters(args, ("category", "organization", "since"))
    stmt = (sa.select(Disclosure).where(Disclosure.status.in_(PUBLIC_STATUSES))
            .options(selectinload(Disclosure.corrections), selectinload(Disclosure.attachments)))
    if value := args.get("category"):
        stmt = stmt.where(Disclosure.category == choice(value, Category, "category"))
    if slug := args.get("organization"):
        stmt = stmt.where(_subtree(Disclosure.organization_id,
                                   organization_by_slug(slug, "organization")))
    if value := args.get("since"):
        stmt = stmt.where(Disclosure.published_at >= parse_since(value))
    return Listing(stmt, Disclosure.published_at, Disclosure.id,
                   lambda d: d.published_at, serializers.disclosure)


def get_disclosure(disclosure_id: int) -> Disclosure:
    """A published or superseded disclosure; NotFound otherwise (withdrawn, draft)."""
    disclosure = db.session.get(Disclosure, disclosure_id) if stored_id(disclosure_id) else None
    if disclosure is None or disclosure.status not in PUBLIC_STATUSES:
        raise NotFound("该信息不存在或已撤回。")
    return disclosure


def notices_listing(args: MultiDict) -> Listing:
    """Published village notices; filters category, village, organization (a town:
    its villages), since."""
    check_parameters(args, ("category", "village", "organization", "since"))
    stmt = (sa.select(VillageNotice).where(VillageNotice.status == NoticeStatus.PUBLISHED)
            .options(selectinload(VillageNotice.village), selectinload(VillageNotice.attachments),
                     selectinload(VillageNotice.finance_table)))
    if value := args.get("category"):
        stmt = stmt.where(VillageNotice.category == choice(value, NoticeCategory, "category"))
    if slug := args.get("village"):
        stmt = stmt.where(VillageNotice.village_id
                          == organization_by_slug(slug, "village", village=True).id)
    if slug := args.get("organization"):
        stmt = stmt.where(_subtree(VillageNotice.village_id,
                                   organization_by_slug(slug, "organization")))
    if value := args.get("since"):
        stmt = stmt.where(VillageNotice.published_at >= parse_since(value))
    return Listing(stmt, VillageNotice.published_at, VillageNotice.id,
                   lambda n: n.published_at, serializers.notice)


def get_notice(notice_id: int) -> VillageNotice:
    """A published village notice; NotFound otherwise."""
    notice = db.session.get(VillageNotice, notice_id) if stored_id(notice_id) else None
    if notice is None or notice.status is not NoticeStatus.PUBLISHED:
        raise NotFound("该公开事项不存在或已撤回。")
    return notice


def replies_listing(args: MultiDict) -> Listing:
    """Published replies, newest reply first; filters type, organization, village, since
    (replied at or after)."""
    check_parameters(args, ("type", "organization", "village", "since"))
    stmt = public_replies()
    if value := args.get("type"):
        kind = choice(value, InquiryType, "type")
        stmt = stmt.where(Inquiry.type == kind)
    if slug := args.get("organization"):
        stmt = stmt.where(_subtree(Inquiry.organization_id,
                                   organization_by_slug(slug, "organization")))
    if slug := args.get("village"):
        stmt = stmt.where(Inquiry.village_id
                          == organization_by_slug(slug, "village", village=True).id)
    if value := args.get("since"):
        stmt = stmt.where(Inquiry.replied_at >= parse_since(value))
    return Listing(stmt, Inquiry.replied_at, Inquiry.id, lambda i: i.replied_at,
                   serializers.reply)


def get_reply(number: str) -> Inquiry:
    """The published reply with this 受理编号; NotFound otherwise."""
    inquiry = db.session.scalar(public_replies().where(Inquiry.number == number)) \
        if REPLY_NUMBER.fullmatch(number) else None
    if inquiry is None:
        raise NotFound("没有该编号的公开答复。")
    return inquiry
