"""inspector's dashboard: a partial index on the clocked work orders.

- `ix_inquiries_clocked`: the columns the live overdue and due-soon counts read, for the
  running and consulting work orders only (a few percent of a year's), so counting them
  no longer walks every order of the year. Used by queries that name the same statuses
  as literals (portal.inquiries.models.CLOCKED_SQL).

Self-contained: imports no app code.

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: an index only.
DOWNGRADE_DROPS = ()

CLOCK_COLUMNS = ["organization_id", "received_at", "handler_id", "type", "status",
                 "sign_due_at", "reply_due_at"]
CLOCKED_SQL = "status IN ('received', 'signed', 'processing', 'returned', 'consulting')"


def upgrade():
    op.create_index("ix_inquiries_clocked", "inquiries", CLOCK_COLUMNS, unique=False,
                    sqlite_where=sa.text(CLOCKED_SQL), postgresql_where=sa.text(CLOCKED_SQL))


def downgrade():
    op.drop_index("ix_inquiries_clocked", table_name="inquiries")
