"""The inspector's figures kept on write: each work order's share (`inquiry_figures`), the
totals per year, organization and total / handler / type / month
(`inquiry_figure_totals`), and whether those cover every work order
(`inquiry_figure_state`).

A database with no work orders starts complete. One that already holds work orders starts
incomplete (the dashboard keeps computing its figures afresh) until
`flask inspection figures rebuild` fills the tables: a reply time counts working days by
the portal's calendar (the State Council's announcements, admins' overrides), which SQL
alone does not know.

Self-contained: imports no app code.

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# Derived data only: `flask inspection figures rebuild` recomputes it after an upgrade.
DOWNGRADE_DROPS = ()


def upgrade():
    op.create_table(
        "inquiry_figures",
        sa.Column("inquiry_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("replied_on", sa.Date(), nullable=True),
        sa.Column("sign_tenths", sa.Integer(), nullable=True),
        sa.Column("signed_on_time", sa.Boolean(), nullable=False),
        sa.Column("reply_days", sa.Integer(), nullable=True),
        sa.Column("replied_on_time", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"], ondelete="CASCADE",
                                name="fk_inquiry_figures_inquiry_id_inquiries"),
        sa.PrimaryKeyConstraint("inquiry_id", name="pk_inquiry_figures"))
    op.create_index("ix_inquiry_figures_replied_on", "inquiry_figures", ["replied_on"])
    op.create_table(
        "inquiry_figure_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(12), nullable=False),
        sa.Column("key", sa.String(20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("signed", sa.Integer(), nullable=False),
        sa.Column("signed_on_time", sa.Integer(), nullable=False),
        sa.Column("replied", sa.Integer(), nullable=False),
        sa.Column("replied_on_time", sa.Integer(), nullable=False),
        sa.Column("sign_tenths", sa.Text(), nullable=False),
        sa.Column("reply_days", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inquiry_figure_totals"),
        sa.UniqueConstraint(
            "year", "organization_id", "dimension", "key",
            name="uq_inquiry_figure_totals_year_organization_id_dimension_key"))
    state = op.create_table(
        "inquiry_figure_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("built", sa.Boolean(), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inquiry_figure_state"))
    empty = op.get_bind().execute(sa.text("SELECT count(*) FROM inquiries")).scalar() == 0
    op.bulk_insert(state, [{"id": 1, "built": empty, "built_at": None}])


def downgrade():
    op.drop_table("inquiry_figure_state")
    op.drop_table("inquiry_figure_totals")
    op.drop_index("ix_inquiry_figures_replied_on", table_name="inquiry_figures")
    op.drop_table("inquiry_figures")
