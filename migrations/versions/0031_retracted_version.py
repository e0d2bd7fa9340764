"""The version of the last retraction of public content.

- `content_versions.retracted_version`: the content version of the last change that
  withdrew, edited or deleted something public (portal.pagecache.tags); a package of
  public data built from a version at or after it holds nothing that is not public now
  (portal.transfer.open_data). Existing rows start at their current version, so nothing
  built before the upgrade counts as current.

Self-contained: imports no app code.

Revision ID: 0031
Revises: 0030
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: a derived number only.
DOWNGRADE_DROPS = ()


def upgrade():
    with op.batch_alter_table("content_versions") as batch:
        batch.add_column(sa.Column("retracted_version", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.execute("UPDATE content_versions SET retracted_version = version")


def downgrade():
    with op.batch_alter_table("content_versions") as batch:
        batch.drop_column("retracted_version")
