"""inspector's dashboard: the work-order version and a covering index.

- `content_versions` row id 2: the work-order version, bumped in the same transaction as
  every change the dashboard is computed from, so each worker's dashboard snapshot knows
  when it is stale (portal.inspection.snapshot).
- `ix_inquiries_dashboard`: every column the yearly figures read, so they are computed
  from the index alone and never touch the wide work-order rows.

Self-contained: imports no app code.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: tables and columns holding records
# (portal/schema.py refuses it without --yes).
DOWNGRADE_DROPS = ()  # the work-order version counter only: snapshots refill

WORK_ORDERS_ID = 2
DASHBOARD_COLUMNS = ["organization_id", "received_at", "handler_id", "type", "status",
                     "signed_at", "replied_at", "signed_on_time", "replied_on_time",
                     "sign_due_at", "reply_due_at"]


def upgrade():
    versions = sa.table("content_versions", sa.column("id", sa.Integer),
                        sa.column("version", sa.Integer),
                        sa.column("changed_epoch", sa.BigInteger))
    op.bulk_insert(versions, [{"id": WORK_ORDERS_ID, "version": 1, "changed_epoch": 0}])
    op.create_index("ix_inquiries_dashboard", "inquiries", DASHBOARD_COLUMNS, unique=False)


def downgrade():
    op.drop_index("ix_inquiries_dashboard", table_name="inquiries")
    op.execute(f"DELETE FROM content_versions WHERE id = {WORK_ORDERS_ID}")
