"""Cursor pagination and the query parameters every list of the API shares.

A cursor is opaque to clients: base64url of the JSON `[sort key, id]` of the last item
sent, where the sort key is a timestamp (newest first) or a number (catalogue order). The
next page is every item strictly after that pair, so items published meanwhile never
shift a page and a walk from the first cursor visits every item exactly once.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from portal.errors import ValidationError
from portal.extensions import db
from portal.timeutil import LOCAL_TZ
from portal.validation import DATABASE_INT_MAX

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
COMMON_PARAMETERS = ("limit", "cursor")


@dataclass(frozen=True)
class Listing:
    """One list of the API: the base statement, its sort column (then id), how to read the
    sort key off an item, and how to turn an item into JSON."""

    stmt: sa.Select
    sort: sa.ColumnElement
    id: sa.ColumnElement
    sort_key: Callable[[object], datetime | int]
    serialize: Callable[[object], dict]
    descending: bool = True


def check_parameters(args: MultiDict, allowed: Iterable[str]) -> None:
    """Raise ValidationError naming the first parameter the list does not know, or the
    first one given without a value (`?since=`): the OpenAPI document allows neither."""
    known = set(allowed) | set(COMMON_PARAMETERS)
    unknown = sorted(set(args) - known)
    if unknown:
        raise ValidationError(f"不支持的查询参数“{unknown[0][:40]}”。可用的参数："
                              + "、".join(sorted(known)) + "。", field=unknown[0][:40])
    empty = sorted(name for name, value in args.items(multi=True) if not value)
    if empty:
        raise ValidationError(f"查询参数“{empty[0]}”没有值：不需要时请不带这个参数。",
                              field=empty[0])


def encode_cursor(key: datetime | int, item_id: int) -> str:
    """The opaque cursor after the item with this sort key and id."""
    value = key.isoformat() if isinstance(key, datetime) else key
    raw = json.dumps([value, item_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _database_int(value) -> bool:
    return type(value) is int and 0 <= value <= DATABASE_INT_MAX


def decode_cursor(cursor: str, numeric: bool) -> tuple[datetime | int, int]:
    """The (sort key, id) in a cursor. Raises ValidationError for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, item_id = json.loads(raw)
        if not _database_int(item_id):
            raise ValueError(item_id)
        if numeric:
            if not _database_int(value):
                raise ValueError(value)
            return value, item_id
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError(value)
        moment.astimezone(UTC)  # OverflowError outside the years a datetime holds
        return moment, item_id
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise ValidationError("cursor 参数无效：请使用上一页响应中的 next_cursor 原样传回。",
                              field="cursor") from None


def _limit(args: MultiDict) -> int:
    value = args.get("limit", "")
    if not value:
        return DEFAULT_LIMIT
    if not value.isascii() or not value.isdigit() or not 1 <= int(value[:4]) <= MAX_LIMIT:
        raise ValidationError(f"limit 参数应为 1–{MAX_LIMIT} 之间的整数。", field="limit")
    return int(value)


def parse_since(value: str) -> datetime:
    """`since`: a date (00:00 Beijing time) or an RFC 3339 date-time (its `t`, `z` in
    either case); a date-time without offset is read as Beijing time. A moment before or
    after what the database holds stands for the first or last one. Raises
    ValidationError."""
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), time.min, tzinfo=LOCAL_TZ)
        else:
            moment = datetime.fromisoformat(value.upper())
    except ValueError:
        raise ValidationError("since 参数应为日期（2026-01-31）或带时区的时间"
                              "（2026-01-31T08:00:00+08:00）。", field="since") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # within a day of year 1 or 9999: the ends of the calendar
        return (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=UTC)


def _after(listing: Listing, cursor: str):
    key, item_id = decode_cursor(cursor, numeric=not listing.descending)
    if listing.descending:
        return sa.or_(listing.sort < key, sa.and_(listing.sort == key, listing.id < item_id))
    return sa.or_(listing.sort > key, sa.and_(listing.sort == key, listing.id > item_id))


def page(listing: Listing, args: MultiDict) -> tuple[list[dict], str | None]:
    """One page of a list: the serialized items and the cursor of the next page (None on
    the last). Raises ValidationError for a bad `limit` or `cursor`."""
    limit = _limit(args)
    # Only items with a sort key have a cursor; it also starts PostgreSQL's backward walk
    # of a date index at the newest date, not at the undated rows after it (portal.paging).
    stmt = listing.stmt.where(listing.sort.is_not(None))
    if (cursor := args.get("cursor")) is not None:
        stmt = stmt.where(_after(listing, cursor))
    order = ((listing.sort.desc(), listing.id.desc()) if listing.descending
             else (listing.sort.asc(), listing.id.asc()))
    items = list(db.session.scalars(stmt.order_by(*order).limit(limit + 1)))
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = encode_cursor(listing.sort_key(last), last.id)
    return [listing.serialize(item) for item in items], next_cursor
