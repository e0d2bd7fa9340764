"""PostgreSQL search: each vector carries its document's filter values, in one GIN index.

- `search_vectors` gains `kind`, `category`, `year`, `organization_id` and `village_id`,
  copies of the same columns of `search_documents` (written with the vector,
  portal.search.backends.PostgresBackend.write).
- The GIN index on `vector` becomes a GIN index on the vector and all five copies (the
  btree_gin extension, trusted since PostgreSQL 13: the database's owner may create it).
  A search with a category, year, unit or village filter counts its matches from that
  index alone instead of joining every match of its words to search_documents.
- The table is rebuilt rather than updated in place, so its rows stay packed in id order.

SQLite: nothing (FTS5 reads the filters from search_documents).

Self-contained: imports no app code.

Revision ID: 0032
Revises: 0031
"""

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: copies of search_documents' columns.
DOWNGRADE_DROPS = ()

COPIED = "kind, category, year, organization_id, village_id"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.execute("""
        CREATE TABLE search_vectors_next (
            document_id integer PRIMARY KEY
                REFERENCES search_documents (id) ON DELETE CASCADE,
            vector tsvector NOT NULL,
            kind varchar(20) NOT NULL,
            category varchar(40) NOT NULL,
            year integer NOT NULL,
            organization_id integer NOT NULL,
            village_id integer
        )""")
    op.execute(f"""
        INSERT INTO search_vectors_next (document_id, vector, {COPIED})
        SELECT v.document_id, v.vector, d.kind, d.category, d.year, d.organization_id,
               d.village_id
        FROM search_vectors v JOIN search_documents d ON d.id = v.document_id
        ORDER BY v.document_id""")
    op.execute("DROP TABLE search_vectors")
    op.execute("ALTER TABLE search_vectors_next RENAME TO search_vectors")
    op.execute("ALTER TABLE search_vectors RENAME CONSTRAINT search_vectors_next_pkey "
               "TO search_vectors_pkey")
    op.execute("ALTER TABLE search_vectors RENAME CONSTRAINT "
               "search_vectors_next_document_id_fkey TO search_vectors_document_id_fkey")
    op.execute(f"CREATE INDEX ix_search_vectors_match ON search_vectors "
               f"USING gin (vector, {COPIED})")
    op.execute("ANALYZE search_vectors")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_search_vectors_match")
    op.execute("ALTER TABLE search_vectors " + ", ".join(
        f"DROP COLUMN {name}" for name in COPIED.split(", ")))
    op.execute("CREATE INDEX ix_search_vectors_vector ON search_vectors USING gin (vector)")
