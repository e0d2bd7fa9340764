"""inspector's dashboard: the clocked work orders counted per deadline, kept on write.

- `inquiry_open_clocks`: each clocked work order's (running, or consulting) group
  (organization, handler or 0, type, Beijing month of receipt), the instant it becomes
  overdue (the earlier of its sign-for deadline while not signed for and its reply
  deadline) and its reply deadline.
- `inquiry_open_counts`: how many such orders share a group, late instant and reply
  deadline, and (rows with no late instant) a group and the Beijing month of the late
  instant. The live overdue and due-soon counts are read from these
  (`portal.inspection.open_counts`), not from every open order.

Both are filled here from the work orders as they stand, in SQL (the columns they derive
from are stored; no calendar is needed). `flask inspection figures rebuild` recomputes them.

Self-contained: imports no app code.

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

# Derived data only: recomputed from the work orders on the way up.
DOWNGRADE_DROPS = ()

CLOCKED_SQL = "status IN ('received', 'signed', 'processing', 'returned', 'consulting')"
LATE_AT_SQL = ("CASE WHEN status IN ('received', 'returned') AND sign_due_at IS NOT NULL "
               "AND (reply_due_at IS NULL OR sign_due_at < reply_due_at) "
               "THEN sign_due_at ELSE reply_due_at END")


def _local_month(column: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"to_char({column} + interval '8 hours', 'YYYY-MM')"
    return f"strftime('%Y-%m', {column}, '+8 hours')"


def upgrade():
    op.create_table(
        "inquiry_open_clocks",
        sa.Column("inquiry_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("late_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"], ondelete="CASCADE",
                                name="fk_inquiry_open_clocks_inquiry_id_inquiries"),
        sa.PrimaryKeyConstraint("inquiry_id", name="pk_inquiry_open_clocks"))
    op.create_table(
        "inquiry_open_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("late_month", sa.String(7), nullable=False),
        sa.Column("late_at", sa.DateTime(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inquiry_open_counts"))
    op.create_index("ix_inquiry_open_counts_late_at_month", "inquiry_open_counts",
                    ["late_at", "month"])
    op.execute(
        "INSERT INTO inquiry_open_clocks (inquiry_id, organization_id, handler_id, type, "
        "month, late_at, due_at) "
        f"SELECT id, organization_id, COALESCE(handler_id, 0), type, "
        f"{_local_month('received_at')}, {LATE_AT_SQL}, reply_due_at "
        f"FROM inquiries WHERE {CLOCKED_SQL} AND ({LATE_AT_SQL}) IS NOT NULL")
    group = "organization_id, handler_id, type, month"
    late_month = _local_month("late_at")
    op.execute(
        f"INSERT INTO inquiry_open_counts ({group}, late_month, late_at, due_at, count) "
        f"SELECT {group}, {late_month}, late_at, due_at, count(*) FROM inquiry_open_clocks "
        f"GROUP BY {group}, {late_month}, late_at, due_at")
    op.execute(
        f"INSERT INTO inquiry_open_counts ({group}, late_month, late_at, due_at, count) "
        f"SELECT {group}, {late_month}, NULL, NULL, count(*) FROM inquiry_open_clocks "
        f"GROUP BY {group}, {late_month}")


def downgrade():
    op.drop_index("ix_inquiry_open_counts_late_at_month",
                  table_name="inquiry_open_counts")
    op.drop_table("inquiry_open_counts")
    op.drop_table("inquiry_open_clocks")
