"""Reopening keeps history; channels of receipt; fees; replies with attachments and
corrections.

- `inquiries.reopened_from_id`: 重新办理 is a linked work order; the first reply stays.
- `inquiries.channel`, `registered_by_id`: how an application came in (条例第三十一条) and
  who registered a paper, fax or email one; existing rows came in online or by Open311.
- `inquiry_fee_notices`: 信息处理费 notices, amounts, payments (国办函〔2020〕109号).
- `inquiry_reply_files`, `inquiry_reply_corrections`: files sent with a reply; 更正 of a
  sent reply keeping the first text.

Self-contained: imports no app code.

Revision ID: 0017
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0013"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: tables and columns holding records
# (portal/schema.py refuses it without --yes).
DOWNGRADE_DROPS = ("答复更正记录、答复附件、信息处理费通知", "留言的受理渠道、登记人与重新办理关联")


def upgrade():
    with op.batch_alter_table("inquiries") as batch:
        batch.add_column(sa.Column("reopened_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_inquiries_reopened_from_id_inquiries", "inquiries",
                                 ["reopened_from_id"], ["id"])
        batch.create_index("ix_inquiries_reopened_from_id", ["reopened_from_id"])
        batch.add_column(sa.Column("channel", sa.String(20), nullable=False,
                                   server_default="online"))
        batch.add_column(sa.Column("registered_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_inquiries_registered_by_id_users", "users",
                                 ["registered_by_id"], ["id"])
    _fee_notices()
    _reply_files_and_corrections()


def _fee_notices():
    op.create_table(
        "inquiry_fee_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(12), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(10, 2), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("pay_due_at", sa.DateTime(), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.Column("receipt_number", sa.String(60), nullable=False),
        sa.Column("lapsed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"],
                                name="fk_inquiry_fee_notices_inquiry_id_inquiries"),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"],
                                name="fk_inquiry_fee_notices_issued_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_inquiry_fee_notices"),
    )
    op.create_index("ix_inquiry_fee_notices_inquiry_id", "inquiry_fee_notices", ["inquiry_id"])


def _reply_files_and_corrections():
    op.create_table(
        "inquiry_reply_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("stored_file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"],
                                name="fk_inquiry_reply_files_inquiry_id_inquiries"),
        sa.ForeignKeyConstraint(["stored_file_id"], ["stored_files.id"],
                                name="fk_inquiry_reply_files_stored_file_id_stored_files"),
        sa.PrimaryKeyConstraint("id", name="pk_inquiry_reply_files"),
    )
    op.create_index("ix_inquiry_reply_files_inquiry_id", "inquiry_reply_files", ["inquiry_id"])
    op.create_table(
        "inquiry_reply_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("corrected_at", sa.DateTime(), nullable=False),
        sa.Column("corrected_by_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("previous_text", sa.Text(), nullable=False),
        sa.Column("new_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"],
                                name="fk_inquiry_reply_corrections_inquiry_id_inquiries"),
        sa.ForeignKeyConstraint(["corrected_by_id"], ["users.id"],
                                name="fk_inquiry_reply_corrections_corrected_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_inquiry_reply_corrections"),
    )
    op.create_index("ix_inquiry_reply_corrections_inquiry_id", "inquiry_reply_corrections",
                    ["inquiry_id"])


def downgrade():
    op.drop_index("ix_inquiry_reply_corrections_inquiry_id",
                  table_name="inquiry_reply_corrections")
    op.drop_table("inquiry_reply_corrections")
    op.drop_index("ix_inquiry_reply_files_inquiry_id", table_name="inquiry_reply_files")
    op.drop_table("inquiry_reply_files")
    op.drop_index("ix_inquiry_fee_notices_inquiry_id", table_name="inquiry_fee_notices")
    op.drop_table("inquiry_fee_notices")
    with op.batch_alter_table("inquiries") as batch:
        batch.drop_constraint("fk_inquiries_registered_by_id_users", type_="foreignkey")
        batch.drop_column("registered_by_id")
        batch.drop_column("channel")
        batch.drop_index("ix_inquiries_reopened_from_id")
        batch.drop_constraint("fk_inquiries_reopened_from_id_inquiries", type_="foreignkey")
        batch.drop_column("reopened_from_id")
