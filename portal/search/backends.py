"""The two full-text engines behind `portal.search.index`.

Both receive text already cut into words by jieba (`portal.search.tokens`) and joined by
spaces, and both match a query as "every query word present" (AND):
- SQLite: FTS5 table `search_fts` (rowid = search_documents.id); the query is each word
  in double quotes, so FTS5 operators typed by a user (OR, NEAR, -, *, ^, column:) are
  plain words; ranked by bm25 with title, body and attachments weighted 10 : 2 : 1.
- PostgreSQL: `search_vectors` with to_tsvector('simple', …) per field weighted A/B/C and
  plainto_tsquery('simple', …), which has no operators at all; ranked by ts_rank.
Unfiltered, both rank only the newest RANK_WINDOW matches and list the older ones after
them, newest first (`page_alone`).
Scores differ between engines; only their order within one engine means anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from portal.search.models import FTS_TABLE, VECTOR_TABLE, SearchDocument

documents = SearchDocument.__table__
# How many of the newest matches a query ranks by score (both engines).
RANK_WINDOW = 3000
# The columns of search_documents the filters read (portal.search.index._filters).
# PostgreSQL keeps a copy beside each vector, so a filtered query counts from one index.
FILTER_COLUMNS = ("kind", "category", "year", "organization_id", "village_id")


@dataclass(frozen=True)
class Match:
    """A FROM target joining documents to the engine table, the WHERE condition that
    selects matching documents, and a score (higher is better)."""

    target: sa.FromClause
    condition: sa.ColumnElement[bool]
    score: sa.ColumnElement[float]


@dataclass(frozen=True)
class Window:
    """How an engine lists the matches of `:q` by itself (module constants only): the
    document id column, the FROM … WHERE that selects the matches, the score (higher is
    better) and the ORDER BY term that puts the best first."""

    key: str
    matches: str
    score: str
    best_first: str


@dataclass(frozen=True)
class Counted:
    """A query's matches as counted: how many, the window's floor (the id of
    the RANK_WINDOW-th newest match, below which matches are listed newest first without
    a score; 0 when every match fits in the window) and, where the engine lists them in
    the same pass, the window's own ids."""

    total: int
    floor: int
    newest: tuple[int, ...] | None = None

    @property
    def lists_window(self) -> bool:
        """Whether the window's ids were listed (`newest`), so they alone select it."""
        return self.newest is not None

    def in_window(self, key: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
        """The condition that `key` (a document id) is one of the window's matches."""
        if not self.lists_window:
            return key >= self.floor
        return key == sa.any_(sa.bindparam("window_ids", list(self.newest),
                                           type_=postgresql.ARRAY(sa.Integer)))


def _floor(conn: Connection, window: Window, q: str, total: int) -> int:
    """The window's floor (`Counted`) read by itself."""
    if total <= RANK_WINDOW:
        return 0
    # Only the Window constants are spliced in; every value is a bound parameter.
    return conn.execute(sa.text(
        f"SELECT {window.key} {window.matches} "  # nosec B608
        f"ORDER BY {window.key} DESC LIMIT 1 OFFSET :last"),
        {"q": q, "last": RANK_WINDOW - 1}).scalar_one()


def _page_in_window(conn: Connection, window: Window, q: str, limit: int, offset: int,
                    floor: int) -> list[tuple[int, float]]:
    """(document id, score) of one page: the matches from `floor` on (the newest
    RANK_WINDOW) best first, on an equal score the later indexed; then the older matches
    newest first."""
    key, matches, score = window.key, window.matches, window.score
    # Only the Window constants are spliced in; every value is a bound parameter.
    page: list[tuple[int, float]] = []
    if offset < RANK_WINDOW:
        page += [(row[0], row[1]) for row in conn.execute(sa.text(
            f"SELECT {key}, {score} AS score {matches} AND {key} >= :floor "  # nosec B608
            f"ORDER BY {window.best_first}, {key} DESC LIMIT :limit OFFSET :offset"),
            {"q": q, "floor": floor, "limit": limit, "offset": offset})]
    return page + _older(conn, window, q, limit - len(page), offset, floor)


def _older(conn: Connection, window: Window, q: str, limit: int, offset: int,
           floor: int) -> list[tuple[int, float]]:
    """Up to `limit` of the matches older than the window, newest first, for a page
    starting at `offset` of the whole list."""
    if not floor or limit <= 0:
        return []
    key = window.key
    # Only the Window constants are spliced in; every value is a bound parameter.
    return [(row[0], row[1]) for row in conn.execute(sa.text(
        f"SELECT {key}, {window.score} {window.matches} AND {key} < :floor "  # nosec B608
        f"ORDER BY {key} DESC LIMIT :limit OFFSET :offset"),
        {"q": q, "floor": floor, "limit": limit, "offset": max(0, offset - RANK_WINDOW)})]


class SQLiteBackend:
    fts = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer))
    # Without filters, FTS5 alone counts and ranks (see `count_alone`, `page_alone`):
    # joining every match to search_documents first cost 60-110 ms for a common word
    # over 100,000 documents, against 5-30 ms.
    ranks_alone = True
    # Filters read search_documents, joined to the matches.
    filtered = documents

    def write(self, conn: Connection, doc_id: int, title: str, body: str,
              attachments: str, fields: dict) -> None:
        """Replace the tokens of one document (`fields`, its filter values, stay in
        search_documents)."""
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
        phrase = self._phrase(tokens)
        table = sa.literal_column(FTS_TABLE)
        return Match(
            target=documents.join(self.fts, self.fts.c.rowid == documents.c.id),
            condition=table.op("MATCH")(sa.bindparam("fts_query", phrase)),
            score=-sa.func.bm25(table, sa.literal_column("10.0"), sa.literal_column("2.0"),
                                sa.literal_column("1.0")))


    def count_filtered(self, conn: Connection, match: Match, filters: list) -> Counted:
        """How many documents match and pass `filters` (conditions on `filtered`), and
        the window's floor."""
        where = [match.condition, *filters]
        total = conn.execute(sa.select(sa.func.count()).select_from(match.target)
                             .where(*where)).scalar_one()
        if total <= RANK_WINDOW:
            return Counted(total, 0)
        return Counted(total, conn.execute(
            sa.select(documents.c.id).select_from(match.target).where(*where)
            .order_by(documents.c.id.desc()).limit(1).offset(RANK_WINDOW - 1)).scalar_one())

    @staticmethod
    def _phrase(tokens: list[str]) -> str:
        return " ".join('"' + token.replace('"', '""') + '"' for token in tokens)

    _WINDOW = Window(key="rowid", matches=f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q",
                     score=f"-bm25({FTS_TABLE}, 10.0, 2.0, 1.0)",
                     best_first=f"bm25({FTS_TABLE}, 10.0, 2.0, 1.0)")

    def count_alone(self, conn: Connection, tokens: list[str]) -> Counted:
        """How many documents match, and the window's floor. FTS5 counts from its index
        alone; the floor is a second look at the same doclist."""
        phrase = self._phrase(tokens)
        # FTS_TABLE is a module constant; the query words are a bound parameter.
        total = conn.execute(sa.text(
            f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q"),  # nosec B608
            {"q": phrase}).scalar_one()
        return Counted(total, _floor(conn, self._WINDOW, phrase, total))

    def page_alone(self, conn: Connection, tokens: list[str], limit: int, offset: int,
                   counted: Counted) -> list[tuple[int, float]]:
        """(document id, score) of one page. The newest RANK_WINDOW matches come first,
        best first (on equal score the later indexed); older matches follow, newest
        first. Scoring every match of a common word (tens of thousands of documents)
        took 50-100 ms; scoring the newest few thousand takes a few, and for a word that
        common a resident wants the recent documents anyway."""
        return _page_in_window(conn, self._WINDOW, self._phrase(tokens), limit, offset,
                               counted.floor)


class PostgresBackend:
    # Without filters, the vectors alone count and rank, past RANK_WINDOW as on SQLite
    # (`page_alone`): ts_rank over every match of a common word (tens of thousands of
    # vectors, each read from TOAST) took 1-2 s at 100,000 documents.
    ranks_alone = True

    vectors = sa.table(VECTOR_TABLE, sa.column("document_id", sa.Integer),
                       sa.column("vector"), sa.column("kind", sa.String),
                       sa.column("category", sa.String), sa.column("year", sa.Integer),
                       sa.column("organization_id", sa.Integer),
                       sa.column("village_id", sa.Integer))
    # Each vector carries its document's filter values, and one GIN index holds the words
    # and the filters (btree_gin, migration 0032): a filtered query counts its matches from
    # that index alone: 3-70 ms at 100,000 disclosures, where joining every match of a
    # common word to search_documents and filtering there took 0.1-0.4 s.
    filtered = vectors
    _VECTOR = ("setweight(to_tsvector('simple'::regconfig, :title), 'A') || "
               "setweight(to_tsvector('simple'::regconfig, :body), 'B') || "
               "setweight(to_tsvector('simple'::regconfig, :attachments), 'C')")

    # One document's vector and its copy of the filter values (also the bench seeder's
    # bulk insert). VECTOR_TABLE, _VECTOR and FILTER_COLUMNS are module constants; every
    # value is a bound parameter: :id, :title, :body, :attachments and one per column.
    INSERT = (f"INSERT INTO {VECTOR_TABLE} (document_id, vector, "  # nosec B608
              f"{', '.join(FILTER_COLUMNS)}) VALUES (:id, {_VECTOR}, "
              f"{', '.join(':' + name for name in FILTER_COLUMNS)})")
    _REPLACE = (INSERT + " ON CONFLICT (document_id) DO UPDATE SET "  # nosec B608
                + ", ".join(f"{name} = EXCLUDED.{name}" for name in ("vector", *FILTER_COLUMNS)))

    def write(self, conn: Connection, doc_id: int, title: str, body: str,
              attachments: str, fields: dict) -> None:
        """Replace the vector of one document and the copy of its filter values
        (`fields`, one per FILTER_COLUMNS)."""
        conn.execute(sa.text(self._REPLACE), {
            "id": doc_id, "title": title, "body": body, "attachments": attachments,
            **{name: fields[name] for name in FILTER_COLUMNS}})

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


    def count_filtered(self, conn: Connection, match: Match, filters: list) -> Counted:
        """How many documents match and pass `filters` (conditions on the vectors' copy
        of the filter values) and the window's ids, newest first, in one pass over the
        vectors alone (see `count_alone`)."""
        key = self.vectors.c.document_id
        newest = postgresql.array_agg(postgresql.aggregate_order_by(key, key.desc()))
        total, ids = conn.execute(sa.select(sa.func.count(), newest[1:RANK_WINDOW])
                                  .select_from(self.vectors)
                                  .where(match.condition, *filters)).one()
        ids = tuple(ids or ())
        return Counted(total, ids[-1] if total > RANK_WINDOW else 0, ids)

    _QUERY = "plainto_tsquery('simple'::regconfig, :q)"
    _WINDOW = Window(key="document_id", matches=f"FROM {VECTOR_TABLE} WHERE vector @@ {_QUERY}",
                     score=f"ts_rank(vector, {_QUERY}, 1)", best_first="score DESC")

    def count_alone(self, conn: Connection, tokens: list[str]) -> Counted:
        """How many documents match and the window's ids, newest first, in one pass over
        the matches. Each pass reads every matching row, tens of thousands for a common
        word at a county's size; and ranking exactly these ids spares the planner a guess:
        given only the floor, it may walk the primary key down from the newest document
        testing each vector, which for a word rare among recent documents (a town's name)
        took a third of a second."""
        # VECTOR_TABLE and _QUERY are module constants; every value is a bound parameter.
        total, newest = conn.execute(sa.text(
            "SELECT count(*), (array_agg(document_id ORDER BY document_id DESC))"
            f"[1:CAST(:window AS integer)] FROM {VECTOR_TABLE} "  # nosec B608
            f"WHERE vector @@ {self._QUERY}"),
            {"q": " ".join(tokens), "window": RANK_WINDOW}).one()
        newest = tuple(newest or ())
        return Counted(total, newest[-1] if total > RANK_WINDOW else 0, newest)

    def page_alone(self, conn: Connection, tokens: list[str], limit: int, offset: int,
                   counted: Counted) -> list[tuple[int, float]]:
        """(document id, score) of one page, in the order SQLite's `page_alone` gives:
        the newest RANK_WINDOW matches best first (on equal score the later indexed),
        then the older ones newest first. The window is the ids the count found, read
        by primary key; a document changed between the two statements keeps its place
        in this one page (its score as it is now), as any page read while it changes."""
        q = " ".join(tokens)
        page: list[tuple[int, float]] = []
        if offset < RANK_WINDOW and counted.newest:
            # VECTOR_TABLE and _QUERY are module constants; every value is bound.
            page += [(row[0], row[1]) for row in conn.execute(sa.text(
                f"SELECT document_id, ts_rank(vector, {self._QUERY}, 1) AS score "  # nosec B608
                f"FROM {VECTOR_TABLE} WHERE document_id = ANY(CAST(:ids AS integer[])) "
                "ORDER BY score DESC, document_id DESC LIMIT :limit OFFSET :offset"),
                {"q": q, "ids": list(counted.newest), "limit": limit, "offset": offset})]
        return page + _older(conn, self._WINDOW, q, limit - len(page), offset, counted.floor)


def backend_for(dialect_name: str) -> SQLiteBackend | PostgresBackend:
    """The backend of an engine dialect ("sqlite" or "postgresql")."""
    return PostgresBackend() if dialect_name == "postgresql" else SQLiteBackend()
