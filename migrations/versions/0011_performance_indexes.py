"""performance: indexes for the public lists and the inspector's statistics; the public
content version that invalidates every worker's page cache

- `content_versions`: one row (id 1), bumped in the same transaction as every change to
  public content (portal.pagecache.version); `changed_epoch` is the pages' Last-Modified.
- `ix_disclosures_status_published` (status, published_at, id): the 五公开 list newest
  first and its keyset pages, without a sort.
- `ix_village_notices_board_keyset` (village_id, status, published_at, id): a village
  board's keyset pages.
- `ix_inquiries_received` (received_at) and `ix_inquiries_org_received`
  (organization_id, received_at): the inspector's yearly figures by organization.
- `ix_inquiries_type_received` (type, received_at): the annual report's 依申请公开 rows.
- `ix_inquiries_published_replies` (reply_published, consent_publish, replied_at, id):
  the public reply list's keyset pages.

Self-contained: imports no app code.

Revision ID: 0011
Revises: 0010
"""

import time

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: tables and columns holding records
# (portal/schema.py refuses it without --yes).
DOWNGRADE_DROPS = ()  # the public content version counter only: caches refill

INDEXES = (
    ("disclosures", "ix_disclosures_status_published", ["status", "published_at", "id"]),
    ("village_notices", "ix_village_notices_board_keyset",
     ["village_id", "status", "published_at", "id"]),
    ("inquiries", "ix_inquiries_received", ["received_at"]),
    ("inquiries", "ix_inquiries_org_received", ["organization_id", "received_at"]),
    ("inquiries", "ix_inquiries_type_received", ["type", "received_at"]),
    ("inquiries", "ix_inquiries_published_replies",
     ["reply_published", "consent_publish", "replied_at", "id"]),
)


def upgrade():
    versions = op.create_table(
        "content_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_epoch", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_versions")),
    )
    op.bulk_insert(versions, [{"id": 1, "version": 1, "changed_epoch": int(time.time())}])
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("content_versions")
