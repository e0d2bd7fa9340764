"""Where a GeoReport v2 request is, and which town receives it.

The spec's "location parameter" is one of `lat` & `long`, `address_string` or `address_id`
(POST Service Request, Required Arguments); any one is enough, and more may be sent.
Our inquiries go to a town (乡镇), optionally a village, so the location is read in that
order of precision:

- `address_id` is our code for a town or village (`shuangta`, `shuangta-cun`), as the
  `address_id` of the requests we publish; an unknown code is an error.
- otherwise the longest name of an active town or village found in `address_string`
  ("双塔镇双塔村东头" → 双塔村 of 双塔镇);
- otherwise (coordinates only, or an address naming no town: we keep no map of the county)
  the request goes to the first active town in the organization tree's order, the
  received event says so, and its staff 转办 it where it belongs.

Whatever the client sent about the place (`address_string`, `lat`/`long`) is kept at the
head of the inquiry's text, so the handler sees it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from portal import validation
from portal.errors import ValidationError
from portal.extensions import db
from portal.organizations.models import Organization, OrgKind

MAX_ADDRESS = 200
SLUG_CHARACTERS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


@dataclass
class Location:
    """The receiving town, the village if known, and what the client said of the place."""

    town: Organization
    village: Organization | None
    described: str  # the text put before the inquiry's body ("" when nothing to add)
    guessed: bool  # True when neither address_id nor a name in address_string told the town


def _coordinate(form: MultiDict, name: str, limit: float) -> float | None:
    value = (form.get(name) or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > limit:
        raise ValidationError(f"{name} 应为 WGS84 坐标（十进制度数，绝对值不超过 {limit:g}）。",
                              field=name)
    return number


def coordinates(form: MultiDict) -> tuple[float, float] | None:
    """(lat, long) when both are given. Raises ValidationError for one without the other
    or a value out of range."""
    lat = _coordinate(form, "lat", 90)
    long = _coordinate(form, "long", 180)
    if (lat is None) != (long is None):
        raise ValidationError("lat 与 long 须同时提供。", field="lat")
    return None if lat is None else (lat, long)


def _places() -> list[Organization]:
    return list(db.session.scalars(sa.select(Organization).where(
        Organization.active.is_(True), Organization.kind.in_((OrgKind.TOWN, OrgKind.VILLAGE)))
        .order_by(Organization.sort_order, Organization.id)))


def by_code(code: str) -> Organization:
    """The active town or village with this code. Raises ValidationError."""
    org = None
    if len(code) <= 60 and set(code) <= SLUG_CHARACTERS:
        org = db.session.scalar(sa.select(Organization).where(Organization.slug == code))
    if org is None or org.kind not in (OrgKind.TOWN, OrgKind.VILLAGE) or not org.active:
        raise ValidationError(f"没有代码为“{code[:40]}”的乡镇或村（address_id 应为乡镇或村的代码，"
                              "如 shuangta、shuangta-cun）。", field="address_id")
    return org


def by_name(text: str) -> Organization | None:
    """The town or village whose name `text` contains; the longest name wins, and a village
    whose town is named too is preferred."""
    found = [org for org in _places() if org.name and org.name in text]
    found.sort(key=lambda org: (org.kind is OrgKind.VILLAGE and org.parent.name in text,
                                len(org.name)), reverse=True)
    return found[0] if found else None


def _first_town() -> Organization:
    town = next((org for org in _places() if org.kind is OrgKind.TOWN), None)
    if town is None:
        raise ValidationError("本站尚未设置受理留言的乡镇。", field="address_id")
    return town


def locate(form: MultiDict) -> Location:
    """The Location of a POST. Raises ValidationError (one message naming the fields) when
    no location parameter is given, or one is malformed."""
    point = coordinates(form)
    where = validation.text(form.get("address_string"), field="address_string", label="地点",
                            max_length=MAX_ADDRESS, required=False)
    code = (form.get("address_id") or "").strip()
    if not (point or where or code):
        raise ValidationError("请提供地点：lat 与 long，或 address_string，或 address_id"
                              "（三者之一）。", field="address_id")
    place = by_code(code) if code else by_name(where) if where else None
    guessed = place is None
    if place is None:
        place = _first_town()
    parts = [f"地点：{where}"] if where else []
    if point:
        parts.append(f"坐标（WGS84）：{point[0]:.6f}, {point[1]:.6f}")
    village = place if place.kind is OrgKind.VILLAGE else None
    return Location(town=place.parent if village else place, village=village,
                    described="\n".join(parts), guessed=guessed)
