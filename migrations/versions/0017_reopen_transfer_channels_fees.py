"""Channels of receipt; fees; replies with attachments and corrections. (The link of a
重新办理 to the handling it follows, `inquiries.reopened_from_id`, comes with 0016.)

- `inquiries.channel`, `registered_by_id`: how an application came in (条例第三十一条) and
  who registered a paper, fax or email one; existing rows came in online or by Open311.
- `inquiry_fee_notices`: 信息处理费 notices, amounts, payments (国办函〔2020〕109号).
- `inquiry_reply_files`, `inquiry_reply_corrections`: files sent with a reply; 更正 of a
  sent reply keeping the first text.

Self-contained: imports no app code.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: tables and columns holding records
# (portal/schema.py refuses it without --yes).
DOWNGRADE_DROPS = ("答复更正记录、答复附件、信息处理费通知", "留言的受理渠道与登记人")


REGISTERED_FK = "fk_inquiries_registered_by_id_users"


def upgrade():
    op.add_column("inquiries", sa.Column("channel", sa.String(20), nullable=False,
                                         server_default="online"))
    if op.get_bind().dialect.name == "sqlite":
        # In place, with the REFERENCES clause on the column: a batch copy would DROP
        # inquiries, which the rows referencing it refuse while foreign keys are on.
        op.execute("ALTER TABLE inquiries ADD COLUMN registered_by_id INTEGER "
                   f"CONSTRAINT {REGISTERED_FK} REFERENCES users (id)")
    else:
        op.add_column("inquiries", sa.Column("registered_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key(REGISTERED_FK, "inquiries", "users", ["registered_by_id"],
                              ["id"])
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
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE inquiries DROP COLUMN registered_by_id")
    else:
        op.drop_constraint(REGISTERED_FK, "inquiries", type_="foreignkey")
        op.drop_column("inquiries", "registered_by_id")
    op.drop_column("inquiries", "channel")
