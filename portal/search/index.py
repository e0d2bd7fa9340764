"""The search index: one interface over SQLite FTS5 and PostgreSQL full-text search.

- `store` / `remove` write one document's entry through the session's own connection, so
  the index changes in the same transaction as the publication, revision or withdrawal
  that caused it (`portal.search.sync` calls them from the session's flush).
- `search` runs a query with filters and returns a page of ranked hits.
- `rebuild` recomputes every entry (the `flask search reindex` command).
The backend is chosen by the engine's dialect (`portal.search.backends`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.attachments.text import extract_text
from portal.disclosures.models import PUBLIC_STATUSES, Disclosure
from portal.disclosures.queries import Page
from portal.extensions import db
from portal.inquiries.models import ANSWERED_STATUSES, Inquiry
from portal.organizations.models import Organization
from portal.personal_data.files import is_public
from portal.privacy import mask
from portal.search import backends
from portal.search.backends import backend_for, documents
from portal.search.documents import DISCLOSURE, NOTICE, REPLY, Entry, entry_for
from portal.search.tokens import index_text
from portal.timeutil import to_local, utcnow
from portal.villages.models import NoticeStatus, VillageNotice

MAX_ATTACHMENT_CHARS = 100_000


@dataclass
class SearchQuery:
    """What to look for: query words (from `tokens.query_tokens`) and optional filters."""

    tokens: list[str]
    kind: str | None = None
    category: str | None = None
    organization: Organization | None = None
    village: Organization | None = None
    year: int | None = None
    page: int = 1
    size: int = 20


@dataclass
class Hit:
    """One matching document: its `search_documents` row and its score."""

    id: int
    kind: str
    ref_id: int
    title: str
    body: str
    attachment_text: str
    category: str
    organization_id: int
    village_id: int | None
    published_at: datetime
    score: float


def _backend(session: Session):
    return backend_for(session.get_bind().dialect.name)


def _attachment_text(entry: Entry, existing) -> str:
    if existing is not None and existing.attachment_key == entry.attachment_key:
        return existing.attachment_text
    # Only files the public may download are read, and what they say is masked once more:
    # no search snippet can show a number the scan missed.
    parts = [mask(extract_text(stored)) for stored in entry.files if is_public(stored)]
    return " ".join(part for part in parts if part)[:MAX_ATTACHMENT_CHARS]


def store(session: Session, entry: Entry, *, reuse_attachment_text: bool = True) -> None:
    """Insert or replace one document's entry in the session's current transaction.

    Attachment text is extracted again only when the set of files changed (or when
    `reuse_attachment_text` is False).
    """
    conn = session.connection()
    existing = conn.execute(
        sa.select(documents.c.id, documents.c.attachment_key, documents.c.attachment_text)
        .where(documents.c.kind == entry.kind, documents.c.ref_id == entry.ref_id)).first()
    attachments = _attachment_text(entry, existing if reuse_attachment_text else None)
    values = dict(kind=entry.kind, ref_id=entry.ref_id, title=entry.title[:300],
                  body=entry.body, attachment_text=attachments,
                  attachment_key=entry.attachment_key[:500], category=entry.category,
                  organization_id=entry.organization_id, village_id=entry.village_id,
                  published_at=entry.published_at,
                  year=to_local(entry.published_at).year, indexed_at=utcnow())
    if existing is None:
        doc_id = conn.execute(sa.insert(documents).values(values)).inserted_primary_key[0]
    else:
        doc_id = existing.id
        conn.execute(sa.update(documents).where(documents.c.id == doc_id).values(values))
    _backend(session).write(conn, doc_id, index_text(entry.title), index_text(entry.body),
                            index_text(attachments),
                            {name: values[name] for name in backends.FILTER_COLUMNS})


def remove(session: Session, kind: str, ref_id: int) -> None:
    """Drop a document's entry, if it has one, in the session's current transaction."""
    conn = session.connection()
    ids = list(conn.scalars(sa.select(documents.c.id).where(
        documents.c.kind == kind, documents.c.ref_id == ref_id)))
    if ids:
        _backend(session).delete(conn, ids)
        conn.execute(sa.delete(documents).where(documents.c.id.in_(ids)))


def _filters(query: SearchQuery, table: sa.TableClause = documents) -> list:
    """The query's filters as conditions on `table`: search_documents, or an engine's
    table holding the same FILTER_COLUMNS."""
    columns = table.c
    conditions = []
    if query.kind:
        conditions.append(columns.kind == query.kind)
    if query.category:
        conditions.append(columns.category == query.category)
    if query.organization is not None:
        conditions.append(columns.organization_id.in_(
            sa.select(Organization.id).where(
                Organization.path.startswith(query.organization.path))))
    if query.village is not None:
        conditions.append(columns.village_id == query.village.id)
    if query.year:
        conditions.append(columns.year == query.year)
    return conditions


def search(query: SearchQuery) -> Page:
    """A page of `Hit`s for the query words, best first (newer first on equal score).

    Every query word must occur (AND). No words, no hits. Never raises for user input:
    the words reach the engine only as bound parameters, quoted where operators exist.
    """
    if not query.tokens:
        return Page([], 1, query.size, 0)
    backend, filters = _backend(db.session), _filters(query)
    if backend.ranks_alone and not filters:
        return _search_alone(backend, query)
    return _search_filtered(backend, query, filters)


def _search_filtered(backend, query: SearchQuery, filters: list) -> Page:
    """A filtered query, counted by the engine (`count_filtered`), its page read with the
    documents: ranked like an unfiltered one (the newest RANK_WINDOW matches best first,
    on an equal score the later published; then the older ones newest first). Scoring
    every match of a common word in a year's documents took PostgreSQL over a second at
    100,000 disclosures."""
    match = backend.match(query.tokens)
    where = [match.condition, *filters]
    counted = backend.count_filtered(db.session.connection(), match,
                                     _filters(query, backend.filtered))
    total = counted.total
    number = max(1, min(query.page, -(-total // query.size) or 1))
    offset = (number - 1) * query.size
    found = (sa.select(*(documents.c[name] for name in Hit.__annotations__ if name != "score"),
                       match.score.label("score"))
             .select_from(match.target))
    # Where the count listed the window's ids, they alone select the window, read by id
    # (see PostgresBackend.page_alone): matched again, the words can lead the planner to
    # join every match of a common word to rank a few thousand.
    window = [counted.in_window(documents.c.id)]
    if not counted.lists_window:
        window += where
    hits: list[Hit] = []
    if offset < backends.RANK_WINDOW:
        hits += [Hit(**row._mapping) for row in db.session.execute(
            found.where(*window)
            .order_by(match.score.desc(), documents.c.published_at.desc(), documents.c.id.desc())
            .limit(query.size).offset(offset))]
    if counted.floor and len(hits) < query.size:
        hits += [Hit(**row._mapping) for row in db.session.execute(
            found.where(*where, documents.c.id < counted.floor).order_by(documents.c.id.desc())
            .limit(query.size - len(hits)).offset(max(0, offset - backends.RANK_WINDOW)))]
    return Page(hits, number, query.size, total)


def _search_alone(backend, query: SearchQuery) -> Page:
    """An unfiltered query: the engine counts and ranks by itself; only the page's own
    documents are then read."""
    conn = db.session.connection()
    counted = backend.count_alone(conn, query.tokens)
    total = counted.total
    number = max(1, min(query.page, -(-total // query.size) or 1))
    scored = backend.page_alone(conn, query.tokens, query.size, (number - 1) * query.size,
                                counted)
    columns = [documents.c[name] for name in Hit.__annotations__ if name != "score"]
    rows = {row.id: row for row in db.session.execute(
        sa.select(*columns).where(documents.c.id.in_([doc_id for doc_id, _ in scored])))}
    hits = [Hit(**rows[doc_id]._mapping, score=score) for doc_id, score in scored
            if doc_id in rows]
    return Page(hits, number, query.size, total)


def indexed_years() -> list[int]:
    """Years with at least one indexed document, newest first (for the year filter)."""
    return list(db.session.scalars(sa.select(documents.c.year).distinct()
                                   .order_by(documents.c.year.desc())))


def _public_ids() -> list[tuple[type, sa.Select]]:
    return [
        (Disclosure, sa.select(Disclosure.id).where(Disclosure.status.in_(PUBLIC_STATUSES))),
        (VillageNotice, sa.select(VillageNotice.id)
         .where(VillageNotice.status == NoticeStatus.PUBLISHED)),
        (Inquiry, sa.select(Inquiry.id).where(Inquiry.reply_published.is_(True),
                                              Inquiry.consent_publish.is_(True),
                                              Inquiry.status.in_(ANSWERED_STATUSES))),
    ]


def public_count() -> int:
    """How many documents a rebuild will visit."""
    return sum(db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
               for _model, stmt in _public_ids())


def rebuild(on_progress: Callable[[int], None] | None = None, batch: int = 100) -> int:
    """Recompute every entry, extracting attachment text afresh, and drop entries of
    documents that are no longer public. Commits every `batch` documents, so searches
    keep working meanwhile. Returns the number of documents indexed."""
    seen: set[tuple[str, int]] = set()
    for model, ids_stmt in _public_ids():
        ids = list(db.session.scalars(ids_stmt.order_by(model.id)))
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            for obj in db.session.scalars(sa.select(model).where(model.id.in_(chunk))):
                entry = entry_for(obj)
                if entry is not None:
                    store(db.session, entry, reuse_attachment_text=False)
                    seen.add((entry.kind, entry.ref_id))
            db.session.commit()
            db.session.expunge_all()
            if on_progress is not None:
                on_progress(len(chunk))
    stale = [row for row in db.session.execute(sa.select(documents.c.kind, documents.c.ref_id))
             if (row.kind, row.ref_id) not in seen]
    for row in stale:
        remove(db.session, row.kind, row.ref_id)
    db.session.commit()
    return len(seen)


__all__ = ["DISCLOSURE", "NOTICE", "REPLY", "Hit", "SearchQuery", "rebuild", "remove",
           "search", "store"]
