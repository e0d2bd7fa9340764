"""The organization tree kept without code; historical documents imported.

- `organizations.active`: a deactivated unit keeps its records and history but leaves
  choice lists and public navigation; every existing unit is active.
- `organizations.credit_code` unique: two units never share a 统一社会信用代码 (the
  prefix of their 索引号). Refused, naming the units, when an existing tree has duplicates.
- `disclosures.author_id` nullable: a document carried over from an earlier site by
  `flask disclosures import` has no author on this site; the import's audit event names
  the command.

Self-contained: imports no app code.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops (portal/schema.py refuses it without
# --yes). It refuses by itself while imported documents without an author exist.
DOWNGRADE_DROPS = ("单位的停用状态（停用的单位重新变为启用）",)


def upgrade():
    _refuse_duplicate_credit_codes()
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
        batch.create_unique_constraint("uq_organizations_credit_code", ["credit_code"])
    with op.batch_alter_table("disclosures") as batch:
        batch.alter_column("author_id", existing_type=sa.Integer(), nullable=True)


def _refuse_duplicate_credit_codes():
    organizations = sa.table("organizations", sa.column("slug", sa.String),
                             sa.column("credit_code", sa.String))
    rows = op.get_bind().execute(
        sa.select(organizations.c.credit_code, organizations.c.slug)
        .where(organizations.c.credit_code.is_not(None))
        .order_by(organizations.c.credit_code, organizations.c.slug)).all()
    seen: dict[str, list[str]] = {}
    for code, slug in rows:
        seen.setdefault(code, []).append(slug)
    duplicates = {code: slugs for code, slugs in seen.items() if len(slugs) > 1}
    if duplicates:
        listed = "; ".join(f"{code}: {', '.join(slugs)}" for code, slugs in duplicates.items())
        raise RuntimeError("统一社会信用代码重复，请先更正这些单位的代码再升级：" + listed)


def downgrade():
    disclosures = sa.table("disclosures", sa.column("author_id", sa.Integer))
    if op.get_bind().execute(sa.select(sa.func.count()).select_from(disclosures)
                             .where(disclosures.c.author_id.is_(None))).scalar():
        raise RuntimeError("已有导入的历史信息没有起草人，不能降级（降级会丢失这些信息）。")
    with op.batch_alter_table("disclosures") as batch:
        batch.alter_column("author_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("organizations") as batch:
        batch.drop_constraint("uq_organizations_credit_code", type_="unique")
        batch.drop_column("active")
