"""Notifications: the outbox, admins' wording of messages, staff channels and addresses,
residents' opt-ins.

- `notifications`: one row per message to one recipient on one channel, written in the
  transaction of the event that causes it; the worker claims, sends and marks it.
- `notification_templates`: an admin's wording of one kind on one channel.
- `notification_preferences`: the channels a member of staff chose per kind.
- `notification_staff_addresses`: a member of staff's email and mobile number.
- `notification_contacts`: a resident's opt-in for one inquiry and its stop link.

Self-contained: imports no app code.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops (portal/schema.py refuses it without
# --yes).
DOWNGRADE_DROPS = ("通知发件箱 notifications（含未发送的提醒与站内消息）",
                   "通知模板、工作人员的通知方式与联系地址、群众的通知订阅")


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(120), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(), nullable=False),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_notifications_user_id_users"),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"],
                                name="fk_notifications_inquiry_id_inquiries"),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("dedupe_key", name="uq_notifications_dedupe_key"))
    op.create_index("ix_notifications_due", "notifications", ["state", "next_try_at"])
    op.create_index("ix_notifications_inbox", "notifications", ["user_id", "channel", "read_at"])
    op.create_index("ix_notifications_inquiry_id", "notifications", ["inquiry_id"])
    op.create_table(
        "notification_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_templates"),
        sa.UniqueConstraint("kind", "channel", name="uq_notification_templates_kind_channel"))
    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("sms", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_notification_preferences_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_notification_preferences"),
        sa.UniqueConstraint("user_id", "kind", name="uq_notification_preferences_user_id_kind"))
    op.create_table(
        "notification_staff_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(120), nullable=False),
        sa.Column("mobile", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_notification_staff_addresses_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_notification_staff_addresses"),
        sa.UniqueConstraint("user_id", name="uq_notification_staff_addresses_user_id"))
    op.create_table(
        "notification_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("address", sa.String(120), nullable=False),
        sa.Column("stop_token", sa.String(64), nullable=False),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"],
                                name="fk_notification_contacts_inquiry_id_inquiries"),
        sa.PrimaryKeyConstraint("id", name="pk_notification_contacts"),
        sa.UniqueConstraint("inquiry_id", name="uq_notification_contacts_inquiry_id"),
        sa.UniqueConstraint("stop_token", name="uq_notification_contacts_stop_token"))


def downgrade():
    for table in ("notification_contacts", "notification_staff_addresses",
                  "notification_preferences", "notification_templates"):
        op.drop_table(table)
    op.drop_index("ix_notifications_inquiry_id", table_name="notifications")
    op.drop_index("ix_notifications_inbox", table_name="notifications")
    op.drop_index("ix_notifications_due", table_name="notifications")
    op.drop_table("notifications")
