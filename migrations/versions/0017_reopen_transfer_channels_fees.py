"""Reopening keeps history; channels of receipt; fees; replies with attachments and
corrections.

- `inquiries.reopened_from_id`: 重新办理 is a linked work order; the first reply stays.
- `inquiries.channel`, `registered_by_id`: how an application came in (条例第三十一条) and
  who registered a paper, fax or email one; existing rows came in online or by Open311.

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


def downgrade():
    with op.batch_alter_table("inquiries") as batch:
        batch.drop_constraint("fk_inquiries_registered_by_id_users", type_="foreignkey")
        batch.drop_column("registered_by_id")
        batch.drop_column("channel")
        batch.drop_index("ix_inquiries_reopened_from_id")
        batch.drop_constraint("fk_inquiries_reopened_from_id_inquiries", type_="foreignkey")
        batch.drop_column("reopened_from_id")
