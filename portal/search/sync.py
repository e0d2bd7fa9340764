"""Keep the index in step with publications, revisions and withdrawals, in the same
transaction, without the services knowing about it.

Two listeners on the application's session class (`install`, called once per process):
- `before_flush` notes every disclosure, village notice and inquiry that is new, deleted,
  or has a changed field that the index or the public/private decision depends on
  (attachments included);
- `after_flush_postexec` then writes or drops each one's entry through the session's
  connection (`portal.search.index.store` / `remove`), inside the same transaction.
So a withdrawal's commit removes the entry with it, and a rollback undoes both.
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from portal.disclosures.models import Disclosure, DisclosureAttachment
from portal.inquiries.models import Inquiry
from portal.search import index
from portal.search.documents import entry_for, kind_of
from portal.villages.models import NoticeAttachment, VillageNotice

PENDING = "search.pending"
# Fields whose change can alter an entry or whether the document is public at all.
WATCHED: dict[type, tuple[str, ...]] = {
    Disclosure: ("status", "title", "body_html", "keywords", "doc_number", "index_number",
                 "category", "organization_id", "published_at", "attachments"),
    VillageNotice: ("status", "title", "body_html", "category", "village_id", "published_at",
                    "attachments", "finance_table"),
    Inquiry: ("status", "title", "body", "reply_text", "reply_published", "consent_publish",
              "replied_at", "reply_organization_id", "organization_id", "village_id", "type"),
}
# Links whose appearance or removal changes their parent's attachment text.
PARENTS = {DisclosureAttachment: "disclosure", NoticeAttachment: "notice"}


def _changed(obj) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in WATCHED[type(obj)])


def _parent(link):
    return getattr(link, PARENTS[type(link)], None)


def collect(session: Session, _flush_context, _instances) -> None:
    """before_flush: remember what this flush may change in the index, and whether each
    document is new (a new document has no entry to remove)."""
    refresh: dict[int, tuple[object, bool]] = {}
    removed: set[tuple[str, int]] = set()
    for obj in session.new:
        if type(obj) in WATCHED:
            refresh[id(obj)] = (obj, True)
    for obj in [*session.new, *session.dirty]:
        if type(obj) in WATCHED and id(obj) not in refresh and _changed(obj):
            refresh[id(obj)] = (obj, False)
        elif type(obj) in PARENTS and obj in session.new and _parent(obj) is not None:
            refresh.setdefault(id(_parent(obj)), (_parent(obj), False))
    for obj in session.deleted:
        if type(obj) in WATCHED and obj.id is not None:
            removed.add((kind_of(obj), obj.id))
        elif type(obj) in PARENTS and _parent(obj) is not None:
            refresh.setdefault(id(_parent(obj)), (_parent(obj), False))
    session.info[PENDING] = (list(refresh.values()), removed)


def apply(session: Session, _flush_context) -> None:
    """after_flush_postexec: write the entries noted by `collect`.

    Most flushes touch no public document (a new inquiry, a draft); those cost no query.
    """
    refresh, removed = session.info.pop(PENDING, ([], set()))
    for kind, ref_id in removed:
        index.remove(session, kind, ref_id)
    for obj, is_new in refresh:
        if inspect(obj).deleted or obj.id is None:
            continue
        entry = entry_for(obj)
        if entry is not None:
            index.store(session, entry)
        elif not is_new:
            index.remove(session, kind_of(obj), obj.id)


def install(target) -> None:
    """Listen on `target` (the application's scoped session); idempotent."""
    if not event.contains(target, "before_flush", collect):
        event.listen(target, "before_flush", collect)
        event.listen(target, "after_flush_postexec", apply)
