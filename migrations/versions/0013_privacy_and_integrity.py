"""Privacy and case integrity.

- `inquiries.submission_digest`, `consultation_comments.submission_digest`: what was
  submitted under a one-time token, so a replay with other content is refused.
- `open311_api_keys.idempotency_secret`: each client's Idempotency-Keys are scoped by a
  secret no client knows; existing keys get a fresh random one.
- `refusal_tallies`: anonymous refusals counted per source, kind and ten-minute window
  instead of one audit event each (portal/audit/refusals.py).

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
    op.drop_index("ix_refusal_tallies_window_start", table_name="refusal_tallies")
    op.drop_table("refusal_tallies")
    with op.batch_alter_table("open311_api_keys") as batch:
        batch.drop_column("idempotency_secret")
    with op.batch_alter_table("consultation_comments") as batch:
        batch.drop_column("submission_digest")
    with op.batch_alter_table("inquiries") as batch:
        batch.drop_column("submission_digest")
