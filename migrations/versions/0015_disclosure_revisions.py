"""Revisions of published disclosures.

- `disclosure_revisions`: a change to a published document (its fields, body and list of
  attachment file ids as JSON) waiting for a reviewer other than its author; approved,
  returned with a reason, or discarded by its author. A substantive one carries a
  更正说明 the public page lists once approved. A partial unique index keeps at most one
  pending per document.

Self-contained: imports no app code.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops (portal/schema.py refuses it without
# --yes).
DOWNGRADE_DROPS = ("已发布信息的修订稿及其审核记录 disclosure_revisions",)

PENDING = sa.text("status = 'pending'")


def upgrade():
    op.create_table(
        "disclosure_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("disclosure_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("pending", "approved", "returned", "discarded",
                                    name="revisionstatus", native_enum=False, length=20),
                  nullable=False),
        sa.Column("proposed", sa.JSON(), nullable=False),
        sa.Column("substantive", sa.Boolean(), nullable=False),
        sa.Column("correction_note", sa.String(500), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("edit_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("review_comment", sa.String(1000), nullable=False),
        sa.ForeignKeyConstraint(["disclosure_id"], ["disclosures.id"],
                                name="fk_disclosure_revisions_disclosure_id_disclosures"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name="fk_disclosure_revisions_author_id_users"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"],
                                name="fk_disclosure_revisions_reviewer_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_disclosure_revisions"),
    )
    op.create_index("ix_disclosure_revisions_disclosure_id", "disclosure_revisions",
                    ["disclosure_id"])
    op.create_index("uq_disclosure_revisions_one_pending", "disclosure_revisions",
                    ["disclosure_id"], unique=True, sqlite_where=PENDING,
                    postgresql_where=PENDING)


def downgrade():
    op.drop_index("uq_disclosure_revisions_one_pending", table_name="disclosure_revisions")
    op.drop_index("ix_disclosure_revisions_disclosure_id", table_name="disclosure_revisions")
    op.drop_table("disclosure_revisions")
