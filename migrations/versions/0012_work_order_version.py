"""work-order version: a second `content_versions` row (id 2), bumped in the same
transaction as every change the inspector's dashboard is computed from, so each worker's
dashboard snapshot knows when it is stale (portal.inspection.snapshot).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

WORK_ORDERS_ID = 2


def upgrade():
    versions = sa.table("content_versions", sa.column("id", sa.Integer),
                        sa.column("version", sa.Integer),
                        sa.column("changed_epoch", sa.BigInteger))
    op.bulk_insert(versions, [{"id": WORK_ORDERS_ID, "version": 1, "changed_epoch": 0}])


def downgrade():
    op.execute(f"DELETE FROM content_versions WHERE id = {WORK_ORDERS_ID}")
