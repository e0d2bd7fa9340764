"""rate limit counters shared by every worker

One row per client and limit window, counted by portal.ratelimit.storage with an atomic
INSERT … ON CONFLICT upsert, so a limit holds across all gunicorn workers on SQLite and
PostgreSQL alike.

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: tables and columns holding records
# (portal/schema.py refuses it without --yes).
DOWNGRADE_DROPS = ()  # rate-limit counters only: they refill with use


def upgrade():
    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counters")),
    )


def downgrade():
    op.drop_table("rate_limit_counters")
