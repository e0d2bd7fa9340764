"""The two full-text engines behind `portal.search.index`.

Both receive text already cut into words by jieba (`portal.search.tokens`) and joined by
spaces, and both match a query as "every query word present" (AND):
- SQLite: FTS5 table `search_fts` (rowid = search_documents.id); the query is each word
  in double quotes, so FTS5 operators typed by a user (OR, NEAR, -, *, ^, column:) are
  plain words; ranked by bm25 with title, body and attachments weighted 10 : 2 : 1.
- PostgreSQL: `search_vectors` with to_tsvector('simple', …) per field weighted A/B/C and
  plainto_tsquery('simple', …), which has no operators at all; ranked by ts_rank.
Scores differ between engines; only their order within one engine means anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from portal.search.models import FTS_TABLE, VECTOR_TABLE, SearchDocument

documents = SearchDocument.__table__


@dataclass(frozen=True)
class Match:
    """A FROM target joining documents to the engine table, the WHERE condition that
    selects matching documents, and a score (higher is better)."""

    target: sa.FromClause
    condition: sa.ColumnElement[bool]
    score: sa.ColumnElement[float]


class SQLiteBackend:
    fts = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer))

    def write(self, conn: Connection, doc_id: int, title: str, body: str,
              attachments: str) -> None:
        """Replace the tokens of one document."""
        # The table name is the module constant FTS_TABLE; every value is a bound parameter.
        conn.execute(sa.text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"),  # nosec B608
                     {"id": doc_id})
        conn.execute(sa.text(f"INSERT INTO {FTS_TABLE} (rowid, title, body, "  # nosec B608
                             "attachments) VALUES (:id, :title, :body, :attachments)"),
                     {"id": doc_id, "title": title, "body": body, "attachments": attachments})

    def delete(self, conn: Connection, doc_ids: list[int]) -> None:
        conn.execute(sa.text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"),  # nosec B608
                     [{"id": doc_id} for doc_id in doc_ids])

    def match(self, tokens: list[str]) -> Match:
        phrase = " ".join('"' + token.replace('"', '""') + '"' for token in tokens)
        table = sa.literal_column(FTS_TABLE)
        return Match(
            target=documents.join(self.fts, self.fts.c.rowid == documents.c.id),
            condition=table.op("MATCH")(sa.bindparam("fts_query", phrase)),
            score=-sa.func.bm25(table, sa.literal_column("10.0"), sa.literal_column("2.0"),
                                sa.literal_column("1.0")))


class PostgresBackend:
    vectors = sa.table(VECTOR_TABLE, sa.column("document_id", sa.Integer),
                       sa.column("vector"))
    _VECTOR = ("setweight(to_tsvector('simple'::regconfig, :title), 'A') || "
               "setweight(to_tsvector('simple'::regconfig, :body), 'B') || "
               "setweight(to_tsvector('simple'::regconfig, :attachments), 'C')")

    def write(self, conn: Connection, doc_id: int, title: str, body: str,
              attachments: str) -> None:
        """Replace the vector of one document."""
        # VECTOR_TABLE and _VECTOR are module constants; every value is a bound parameter.
        conn.execute(sa.text(
            f"INSERT INTO {VECTOR_TABLE} (document_id, vector) "  # nosec B608
            f"VALUES (:id, {self._VECTOR}) "
            "ON CONFLICT (document_id) DO UPDATE SET vector = EXCLUDED.vector"),
            {"id": doc_id, "title": title, "body": body, "attachments": attachments})

    def delete(self, conn: Connection, doc_ids: list[int]) -> None:
        conn.execute(sa.delete(self.vectors).where(self.vectors.c.document_id.in_(doc_ids)))

    def match(self, tokens: list[str]) -> Match:
        query = sa.func.plainto_tsquery(sa.literal_column("'simple'::regconfig"),
                                        sa.bindparam("ts_query", " ".join(tokens)))
        vector = self.vectors.c.vector
        return Match(
            target=documents.join(self.vectors, self.vectors.c.document_id == documents.c.id),
            condition=vector.op("@@")(query),
            score=sa.func.ts_rank(vector, query, sa.literal_column("1")))


def backend_for(dialect_name: str) -> SQLiteBackend | PostgresBackend:
    """The backend of an engine dialect ("sqlite" or "postgresql")."""
    return PostgresBackend() if dialect_name == "postgresql" else SQLiteBackend()
