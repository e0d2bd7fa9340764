"""What a cached page shows, as tags, and which tags a change to public content moves.

A page carries the tags its view declared with `shows()` (a document's detail page
`doc:12`; the 决策公开 list `cat:decision`; a unit's list `org:4`; a village's board
`village:31`), or `any` when its view declared none, and always `all`. A flush that
changes public content bumps, in the same transaction (`portal.pagecache.version`), the
tags of what it changed:

- a disclosure that is or was public (published or superseded): `doc:<id>`, the
  category and unit lists it appears on (`cat:`, `org:` of its unit and every unit
  above, before and after the change), the unfiltered lists (`disclosures`), `any`
  (home, feeds, sitemap, search: every page that declares nothing), the document it
  supersedes (its page names the successor), and `filters` when it is the first or last
  published document of its unit or year (every list's filter shows those);
- a village notice: `village:<its village>` and `any`; other village records
  (versions, finance tables, posting rules): `villages` (every board) and `any`;
- a reply published or unpublished: `any`;
- a disclosure's attachment or published version: `doc:<id>`;
- anything else public (consultations, execution, catalogue, organizations, stored
  files): `all`, every page;
- review steps, pending revisions and drafts that never were public: nothing.

A change either only adds to what the public could read before it (a document, notice,
reply or file made public, a new version or attachment row) or it **retracts**: it
withdraws, edits or deletes something that was public, or it is anything not known to
only add. Every package of public data built before a retraction may hold what it took
back; one built since the last retraction holds nothing that is not public now
(`portal.transfer.open_data`).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from flask import g, has_request_context
from sqlalchemy import and_, exists, inspect, select
from sqlalchemy.orm import Session

from portal.timeutil import LOCAL_TZ

ALL = "all"  # carried by every page
ANY = "any"  # carried by every page whose view declared nothing
_VISIBLE = ("published", "superseded")
# Workflow records that appear on no public page.
_PRIVATE = frozenset({"DisclosureReview", "DisclosureRevision", "IndexSequence"})
_DOCUMENT_PARTS = frozenset({"DisclosureVersion", "DisclosureAttachment"})
# Rows whose insertion changes no record that was public before: a record of its own
# (public only from a later change, which is judged then), an earlier version kept for
# staff, an attachment link.
_ADDED_ONLY = frozenset({"Disclosure", "DisclosureVersion", "DisclosureAttachment",
                         "VillageNotice", "NoticeVersion", "NoticeAttachment", "StoredFile"})


class Change(NamedTuple):
    """What a flush changes of public content: the tags it moves, and whether it
    retracts (see the module's doc)."""

    tags: set[str]
    retracts: bool


def shows(*tags: str) -> None:
    """Called by a view: the page it renders shows what these tags name."""
    if has_request_context():
        g.setdefault("page_tags", set()).update(tags)


def of_page() -> tuple[str, ...]:
    """The tags of the page being rendered, `all` included."""
    declared = g.get("page_tags") if has_request_context() else None
    return tuple(sorted({ALL, *(declared or (ANY,))}))


def _values(obj, name: str) -> set:
    """The attribute's value now and before this flush (both, when it changed)."""
    history = inspect(obj).attrs[name].history
    values = {*history.added, *history.unchanged, *history.deleted}
    if not values:
        values = {getattr(obj, name, None)}
    return {getattr(v, "value", v) for v in values if v is not None}


def _org_and_ancestors(session: Session, org_ids: Iterable[int]) -> set[str]:
    from portal.organizations.models import Organization

    ids = set(org_ids)
    if not ids:
        return set()
    paths = session.connection().execute(
        select(Organization.path).where(Organization.id.in_(ids))).scalars()
    found = {int(part) for path in paths for part in path.split("/") if part.isdigit()}
    return {f"org:{i}" for i in found | ids}


def _sole_of_unit_or_year(session: Session, obj) -> bool:
    """Whether no other published document shares this one's unit, or its year (the
    filters list units and years that have publications)."""
    from portal.disclosures.models import Disclosure

    connection = session.connection()
    published = Disclosure.status == "published"
    for org_id in _values(obj, "organization_id"):
        if not connection.execute(select(exists().where(and_(
                published, Disclosure.organization_id == org_id,
                Disclosure.id != obj.id)))).scalar():
            return True
    for moment in _values(obj, "published_at"):
        if not isinstance(moment, datetime):
            return True
        year = moment.astimezone(LOCAL_TZ).year
        start = datetime(year, 1, 1, tzinfo=LOCAL_TZ)
        end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)
        if not connection.execute(select(exists().where(and_(
                published, Disclosure.published_at >= start, Disclosure.published_at < end,
                Disclosure.id != obj.id)))).scalar():
            return True
    return False


def _disclosure(session: Session, obj, deleted: bool) -> set[str]:
    statuses = _values(obj, "status")
    if not statuses & set(_VISIBLE):
        return set()  # a draft, or a document withdrawn before: on no public page
    tags = {ANY, "disclosures"}
    if obj.id is not None:
        tags.add(f"doc:{obj.id}")
    tags |= {f"cat:{c}" for c in _values(obj, "category")}
    tags |= _org_and_ancestors(session, _values(obj, "organization_id"))
    tags |= {f"doc:{i}" for i in _values(obj, "supersedes_id")}
    published_changed = ("published" in statuses and len(statuses) > 1) or deleted \
        or inspect(obj).attrs.organization_id.history.has_changes() \
        or inspect(obj).attrs.published_at.history.has_changes() or obj.id is None
    if published_changed and (obj.id is None or _sole_of_unit_or_year(session, obj)):
        tags.add("filters")
    return tags


def _changed(session: Session, obj, deleted: bool) -> set[str]:
    from portal.pagecache.version import PUBLIC_MODULES, _is_published_reply

    name, module = type(obj).__name__, type(obj).__module__
    if name == "Inquiry":
        return {ANY} if _is_published_reply(obj) else set()
    if module not in PUBLIC_MODULES or name in _PRIVATE:
        return set()
    if name == "Disclosure":
        return _disclosure(session, obj, deleted)
    if name in _DOCUMENT_PARTS:
        return {f"doc:{obj.disclosure_id}"}
    if name == "VillageNotice":
        return {ANY, *(f"village:{i}" for i in _values(obj, "village_id"))}
    if module == "portal.villages.models":
        return {ANY, "villages"}
    return {ALL}


def changed_by(session: Session) -> Change:
    """The tags this flush moves, and whether it retracts public content."""
    tags: set[str] = set()
    retracts = False
    added = _added_in_transaction(session)
    for obj in session.new:
        moved = _changed(session, obj, False)
        tags |= moved
        if moved and type(obj).__name__ in _ADDED_ONLY:
            added.add(obj)
        elif moved:
            retracts = True
    for obj in session.deleted:
        moved = _changed(session, obj, True)
        tags |= moved
        retracts = retracts or (bool(moved) and obj not in added)
    for obj in session.dirty:
        if session.is_modified(obj):
            moved = _changed(session, obj, False)
            tags |= moved
            if moved and (obj in added or not _was_public(obj)):
                added.add(obj)
            elif moved:
                retracts = True
    return Change(tags, retracts)


def _added_in_transaction(session: Session) -> weakref.WeakSet:
    """The records this transaction made public or inserted, by an earlier flush: a later
    flush changing them again takes back nothing anyone outside it could have seen."""
    transaction = session.get_transaction()
    kept = session.info.get("pagecache_added")
    if kept is None or kept[0]() is not transaction:
        kept = session.info["pagecache_added"] = (weakref.ref(transaction), weakref.WeakSet())
    return kept[1]


def _was_public(obj) -> bool:
    """Whether the record was public before this flush; anything not known here counts
    as public, so that changing it retracts."""
    from portal.personal_data.files import PUBLIC_STATES

    name = type(obj).__name__
    if name == "Disclosure":
        return _before(obj, "status") in _VISIBLE
    if name == "VillageNotice":
        return _before(obj, "status") == "published"
    if name == "Inquiry":
        return bool(_before(obj, "reply_published"))
    if name == "StoredFile":
        return _before(obj, "privacy_state") in {str(state) for state in PUBLIC_STATES}
    return True


def _before(obj, name: str):
    """The attribute's value before this flush (its plain value, for an enum)."""
    history = inspect(obj).attrs[name].history
    value = history.deleted[0] if history.deleted else getattr(obj, name, None)
    return getattr(value, "value", value)
