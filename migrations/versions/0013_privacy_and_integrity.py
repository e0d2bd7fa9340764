"""Privacy and case integrity.

- `inquiries.submission_digest`, `consultation_comments.submission_digest`: what was
  submitted under a one-time token, so a replay with other content is refused.
- `open311_api_keys.idempotency_secret`: each client's Idempotency-Keys are scoped by a
  secret no client knows; existing keys get a fresh random one.
- `refusal_tallies`: anonymous refusals counted per source, kind and ten-minute window
  instead of one audit event each (portal/audit/refusals.py).
- `stored_files.privacy_*`: the personal-data scan's verdict per file; files stored before
  are `unchecked` and never served publicly until `flask attachments rescan` reads them.
- `privacy_clearances`: suspected numbers a person checked and cleared, as keyed hashes.
- `users.totp_secret` widened and sealed (AES-GCM under a key derived from SECRET_KEY, as
  portal/auth/sealing.py does); `users.enrolment_code_*`: the admin-issued one-time code.

Self-contained: imports no app code.

Revision ID: 0013
Revises: 0012
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: tables and columns holding records
# (portal/schema.py refuses it without --yes).
DOWNGRADE_DROPS = ("个人信息人工核对记录 privacy_clearances、匿名拒绝计数 refusal_tallies", "附件的个人信息检查结果、绑定码、提交摘要等列")
DOWNGRADE_THEN = "重新升级后运行 flask --app portal attachments rescan，附件重新检查通过后才向公众提供"


def upgrade():
    with op.batch_alter_table("inquiries") as batch:
        batch.add_column(sa.Column("submission_digest", sa.String(64), nullable=True))
    with op.batch_alter_table("consultation_comments") as batch:
        batch.add_column(sa.Column("submission_digest", sa.String(64), nullable=True))
    _add_idempotency_secrets()
    op.create_table(
        "refusal_tallies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.Column("last_path", sa.String(200), nullable=False),
        sa.Column("message", sa.String(200), nullable=False),
        sa.Column("audit_event_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_refusal_tallies"),
        sa.UniqueConstraint("window_start", "source", "kind",
                            name="uq_refusal_tallies_window_start_source_kind"),
    )
    op.create_index("ix_refusal_tallies_window_start", "refusal_tallies", ["window_start"])
    _add_file_privacy()
    _seal_totp_secrets()


def _seal_totp_secrets():
    with op.batch_alter_table("users") as batch:
        batch.alter_column("totp_secret", existing_type=sa.String(64), type_=sa.String(255))
        batch.add_column(sa.Column("enrolment_code_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("enrolment_code_expires_at", sa.DateTime(), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.totp_secret).where(
        users.c.totp_secret.is_not(None))).all()
    for user_id, secret in rows:
        if not secret.startswith("v1:"):
            connection.execute(users.update().where(users.c.id == user_id)
                               .values(totp_secret=_seal(secret)))


def _seal(value: str) -> str:
    """portal.auth.sealing.seal, as it stands at this revision."""
    import base64
    import os

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from flask import current_app

    purpose = "totp-secret"
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=f"portal sealed {purpose} v1".encode()).derive(
        current_app.config["SECRET_KEY"].encode())
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, value.encode(), purpose.encode())
    return "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def _add_file_privacy():
    with op.batch_alter_table("stored_files") as batch:
        batch.add_column(sa.Column("privacy_state", sa.String(16), nullable=False,
                                   server_default="unchecked"))
        batch.add_column(sa.Column("privacy_places", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("privacy_note", sa.String(16), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("privacy_checked_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("privacy_confirmed_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("privacy_confirmed_at", sa.DateTime(), nullable=True))
        batch.create_foreign_key("fk_stored_files_privacy_confirmed_by_id_users", "users",
                                 ["privacy_confirmed_by_id"], ["id"])
    op.create_table(
        "privacy_clearances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("value_hash", sa.String(64), nullable=False),
        sa.Column("cleared_by_id", sa.Integer(), nullable=False),
        sa.Column("cleared_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["cleared_by_id"], ["users.id"],
                                name="fk_privacy_clearances_cleared_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_clearances"),
        sa.UniqueConstraint("object_type", "object_id", "value_hash",
                            name="uq_privacy_clearances_object_type_object_id_value_hash"),
    )


def _add_idempotency_secrets():
    with op.batch_alter_table("open311_api_keys") as batch:
        batch.add_column(sa.Column("idempotency_secret", sa.String(64), nullable=True))
    keys = sa.table("open311_api_keys", sa.column("id", sa.Integer),
                    sa.column("idempotency_secret", sa.String))
    connection = op.get_bind()
    for (key_id,) in connection.execute(sa.select(keys.c.id)).all():
        connection.execute(keys.update().where(keys.c.id == key_id)
                           .values(idempotency_secret=secrets.token_hex(32)))
    with op.batch_alter_table("open311_api_keys") as batch:
        batch.alter_column("idempotency_secret", existing_type=sa.String(64), nullable=False)


def downgrade():
    with op.batch_alter_table("users") as batch:  # sealed secrets stay sealed
        batch.drop_column("enrolment_code_expires_at")
        batch.drop_column("enrolment_code_hash")
    op.drop_table("privacy_clearances")
    with op.batch_alter_table("stored_files") as batch:
        batch.drop_constraint("fk_stored_files_privacy_confirmed_by_id_users",
                              type_="foreignkey")
        for name in ("privacy_confirmed_at", "privacy_confirmed_by_id", "privacy_checked_at",
                     "privacy_note", "privacy_places", "privacy_state"):
            batch.drop_column(name)
    op.drop_index("ix_refusal_tallies_window_start", table_name="refusal_tallies")
    op.drop_table("refusal_tallies")
    with op.batch_alter_table("open311_api_keys") as batch:
        batch.drop_column("idempotency_secret")
    with op.batch_alter_table("consultation_comments") as batch:
        batch.drop_column("submission_digest")
    with op.batch_alter_table("inquiries") as batch:
        batch.drop_column("submission_digest")
