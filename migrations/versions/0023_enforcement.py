"""行政执法公示: enforcing bodies, their officers (unique 执法证号) and matters, and the
licensing, penalty and coercion decisions published after the fact.

Self-contained: imports no app code.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

DOWNGRADE_DROPS = ("行政执法公示：执法主体、执法人员、执法事项和执法决定",)


def upgrade():
    op.create_table(
        "enforcement_bodies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("duties", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name="fk_enforcement_bodies_organization_id_organizations"),
        sa.PrimaryKeyConstraint("id", name="pk_enforcement_bodies"))
    op.create_index("ix_enforcement_bodies_organization_id", "enforcement_bodies",
                    ["organization_id"])
    op.create_table(
        "enforcement_officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("certificate_number", sa.String(40), nullable=False),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["enforcement_bodies.id"],
                                name="fk_enforcement_officers_body_id_enforcement_bodies"),
        sa.PrimaryKeyConstraint("id", name="pk_enforcement_officers"),
        sa.UniqueConstraint("certificate_number",
                            name="uq_enforcement_officers_certificate_number"))
    op.create_index("ix_enforcement_officers_body_id", "enforcement_officers", ["body_id"])
    op.create_table(
        "enforcement_matters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["enforcement_bodies.id"],
                                name="fk_enforcement_matters_body_id_enforcement_bodies"),
        sa.PrimaryKeyConstraint("id", name="pk_enforcement_matters"))
    op.create_index("ix_enforcement_matters_body_id", "enforcement_matters", ["body_id"])
    _decisions()


def _decisions():
    op.create_table(
        "enforcement_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("document_number", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("party_kind", sa.String(20), nullable=False),
        sa.Column("party_name", sa.String(100), nullable=False),
        sa.Column("party_code", sa.String(20), nullable=False),
        sa.Column("legal_representative", sa.String(40), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("fine_amount", sa.Numeric(14, 4), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("publish_due", sa.Date(), nullable=False),
        sa.Column("publish_due_provisional", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name="fk_enforcement_decisions_organization_id_organizations"),
        sa.ForeignKeyConstraint(["body_id"], ["enforcement_bodies.id"],
                                name="fk_enforcement_decisions_body_id_enforcement_bodies"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name="fk_enforcement_decisions_author_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_enforcement_decisions"))
    for column in ("organization_id", "body_id", "status"):
        op.create_index(f"ix_enforcement_decisions_{column}", "enforcement_decisions", [column])


def downgrade():
    op.drop_table("enforcement_decisions")
    op.drop_table("enforcement_matters")
    op.drop_table("enforcement_officers")
    op.drop_table("enforcement_bodies")
