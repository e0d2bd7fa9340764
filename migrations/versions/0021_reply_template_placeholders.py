"""Reply templates name their placeholders as the reply form fills them.

- `reply_templates`: `{电话}` becomes `{联系电话}` (the unit's public phone number from its
  公开指南), `{日期}` becomes `{受理日期}` and `{编号}` becomes `{受理编号}`, the names the
  reply form fills from the case and the template admin page lists. Other text is left as
  it is; the downgrade renames them back.

Self-contained: imports no app code.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

RENAMED = (("{电话}", "{联系电话}"), ("{日期}", "{受理日期}"), ("{编号}", "{受理编号}"))


def _rename(pairs) -> None:
    templates = sa.table("reply_templates", sa.column("body", sa.Text))
    body = templates.c.body
    for old, new in pairs:
        body = sa.func.replace(body, old, new)
    op.get_bind().execute(templates.update().values(body=body))


def upgrade():
    _rename(RENAMED)


def downgrade():
    _rename((new, old) for old, new in RENAMED)
