"""search index and Open311 API keys

`search_documents` keeps, per public document, the text for snippets and the fields the
filters use. Beside it the engine's own full-text structure, keyed by the same id:
- SQLite: an FTS5 table `search_fts(title, body, attachments)` holding jieba tokens
  separated by spaces, read by the default unicode61 tokenizer (diacritics kept, as
  PostgreSQL's 'simple' configuration keeps them);
- PostgreSQL: `search_vectors(document_id, vector tsvector)` with a GIN index.
`open311_api_keys` holds the SHA-256 of each key issued to an Open311 client.

The index starts empty: run `flask --app portal search reindex` after upgrading a
database that already holds published documents. Self-contained: imports no app code.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: tables and columns holding records
# (portal/schema.py refuses it without --yes).
DOWNGRADE_DROPS = ("站内搜索索引 search_documents 及引擎表（可重建）", "Open311 接口密钥 open311_api_keys")
DOWNGRADE_THEN = "重新升级（flask --app portal db upgrade）后运行 flask --app portal search reindex 重建搜索索引；Open311 接口密钥须重新签发（flask --app portal open311 issue-key）"


def upgrade():
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attachment_text", sa.Text(), nullable=False),
        sa.Column("attachment_key", sa.String(length=500), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indexed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_search_documents_organization_id_organizations")),
        sa.ForeignKeyConstraint(["village_id"], ["organizations.id"],
                                name=op.f("fk_search_documents_village_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("kind", "ref_id", name=op.f("uq_search_documents_kind_ref_id")),
    )
    op.create_index("ix_search_documents_kind_category", "search_documents",
                    ["kind", "category"])
    op.create_index(op.f("ix_search_documents_organization_id"), "search_documents",
                    ["organization_id"])
    op.create_index(op.f("ix_search_documents_village_id"), "search_documents", ["village_id"])
    op.create_index(op.f("ix_search_documents_year"), "search_documents", ["year"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE TABLE search_vectors (
                document_id integer PRIMARY KEY
                    REFERENCES search_documents (id) ON DELETE CASCADE,
                vector tsvector NOT NULL
            )""")
        op.execute("CREATE INDEX ix_search_vectors_vector ON search_vectors USING gin (vector)")
    else:
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5("
                   "title, body, attachments, tokenize = 'unicode61 remove_diacritics 0')")

    op.create_table(
        "open311_api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_open311_api_keys_created_by_id_users")),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"],
                                name=op.f("fk_open311_api_keys_revoked_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_open311_api_keys_key_hash")),
        sa.UniqueConstraint("prefix", name=op.f("uq_open311_api_keys_prefix")),
    )


def downgrade():
    op.drop_table("open311_api_keys")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE search_vectors")
    else:
        op.execute("DROP TABLE search_fts")
    op.drop_index(op.f("ix_search_documents_year"), table_name="search_documents")
    op.drop_index(op.f("ix_search_documents_village_id"), table_name="search_documents")
    op.drop_index(op.f("ix_search_documents_organization_id"), table_name="search_documents")
    op.drop_index("ix_search_documents_kind_category", table_name="search_documents")
    op.drop_table("search_documents")
