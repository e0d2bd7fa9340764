"""What the search index knows about each public document.

`search_documents` holds one row per indexed document: the plain text shown in snippets
and the fields the filters use. The engine's own full-text structure sits beside it,
keyed by the same id: an FTS5 table `search_fts` on SQLite, a `search_vectors` table with
a tsvector column on PostgreSQL (migration 0009), beside a copy of the filter columns, all
in one GIN index (migration 0032). Rows are written only
by `portal.search.index`, through the session's connection, never through the ORM.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

# Tables the migration creates per engine; metadata does not describe them.
FTS_TABLE = "search_fts"
VECTOR_TABLE = "search_vectors"


def is_engine_table(name: str) -> bool:
    """True for the engine-specific index tables (and FTS5's shadow tables), which the
    model/migration comparison and autogenerate must leave alone."""
    return name in (VECTOR_TABLE, FTS_TABLE) or name.startswith(FTS_TABLE + "_")


class SearchDocument(db.Model):
    """One indexed document: a disclosure, a village notice or a published reply."""

    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id"),
        Index("ix_search_documents_kind_category", "kind", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # disclosure, notice, reply
    ref_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    attachment_text: Mapped[str] = mapped_column(Text, default="")
    # The stored-file ids the attachment text came from, so a revision that keeps the same
    # files does not extract them again.
    attachment_key: Mapped[str] = mapped_column(String(500), default="")
    category: Mapped[str] = mapped_column(String(40))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    year: Mapped[int] = mapped_column(index=True)
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
