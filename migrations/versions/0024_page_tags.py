"""Page tags: what each cached public page shows is invalidated on its own.

- `content_tags`: one row per tag (`doc:12`, `cat:decision`, `org:4`, `village:31`,
  `disclosures`, `filters`, `any`, `all`), its version bumped in the same transaction as
  every change to what pages carrying the tag show. A row appears with its first bump;
  a missing row reads as version 0.

Self-contained: imports no app code.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: the page tags only, caches refill.
DOWNGRADE_DROPS = ()


def upgrade() -> None:
    op.create_table(
        "content_tags",
        sa.Column("tag", sa.String(80), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("tag", name=op.f("pk_content_tags")),
    )


def downgrade() -> None:
    op.drop_table("content_tags")
