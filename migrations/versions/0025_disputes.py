"""矛盾纠纷排查化解: the villages' daily checks (日摸排, nil reports included) and the
dispute ledger (type, parties, the person responsible, status and dates). The two new
roles (综治中心, 网格员) need no change: the role column already holds any name.

Self-contained: imports no app code.

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

DOWNGRADE_DROPS = ("矛盾纠纷排查化解台账：日摸排记录 dispute_checks 和矛盾纠纷 disputes",)


def upgrade():
    op.create_table(
        "dispute_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("check_date", sa.Date(), nullable=False),
        sa.Column("nil", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["village_id"], ["organizations.id"],
                                name="fk_dispute_checks_village_id_organizations"),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"],
                                name="fk_dispute_checks_reporter_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_dispute_checks"),
        sa.UniqueConstraint("village_id", "check_date",
                            name="uq_dispute_checks_village_id_check_date"))
    op.create_index("ix_dispute_checks_village_id", "dispute_checks", ["village_id"])
    op.create_index("ix_dispute_checks_check_date", "dispute_checks", ["check_date"])
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("parties", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(40), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["village_id"], ["organizations.id"],
                                name="fk_disputes_village_id_organizations"),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"],
                                name="fk_disputes_reporter_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_disputes"))
    for column in ("village_id", "type", "status", "reported_on", "resolved_on"):
        op.create_index(f"ix_disputes_{column}", "disputes", [column])


def downgrade():
    op.drop_table("disputes")
    op.drop_table("dispute_checks")
