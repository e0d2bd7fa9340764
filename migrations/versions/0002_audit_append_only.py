"""audit log is append-only at the database level

SQLite: triggers abort UPDATE and DELETE. PostgreSQL: a trigger raises on UPDATE, DELETE
and TRUNCATE, so even the application's own role cannot rewrite history. Purging events
past the retention period goes through a dedicated function that is the only way around
the trigger (added with the retention feature).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
]

POSTGRES_STATEMENTS = [
    """CREATE FUNCTION audit_events_refuse_change() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION 'audit_events is append-only';
       END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()""",
    """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
       FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()""",
]


def upgrade():
    dialect = op.get_bind().dialect.name
    statements = POSTGRES_STATEMENTS if dialect == "postgresql" else SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER audit_events_no_update_delete ON audit_events")
        op.execute("DROP FUNCTION audit_events_refuse_change()")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")
