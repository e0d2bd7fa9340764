"""audit retention and supervision notices (督办)

Audit retention: old events may be purged, young ones never; purge checkpoints.

The database itself now lets an audit event be deleted only once it is older than 185
days (the minimum retention), and still refuses every UPDATE and TRUNCATE. Purges leave a
checkpoint row (also append-only) so the remaining chain verifies from there.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: tables and columns holding records
# (portal/schema.py refuses it without --yes).
DOWNGRADE_DROPS = ("审计日志的清理检查点 audit_checkpoints（清理后校验审计链所需）、督办记录 supervision_notices",)

SQLITE = [
    "DROP TRIGGER audit_events_no_delete",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       WHEN OLD.occurred_at >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-185 days')
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
       BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END""",
    """CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
       BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END""",
]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE'
            AND OLD.occurred_at < (now() AT TIME ZONE 'utc') - interval '185 days' THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
       END;
       $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION audit_checkpoints_refuse_change() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION 'audit_checkpoints is append-only';
       END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
       FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_refuse_change()""",
    """CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
       FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_refuse_change()""",
    # Defence in depth for deployments where the application connects as a role other
    # than the owner: nobody but the owner may even try.
    "REVOKE UPDATE, TRUNCATE ON audit_events, audit_checkpoints FROM PUBLIC",
]


def upgrade():
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_purged_id", sa.Integer(), nullable=False),
        sa.Column("last_purged_hash", sa.String(length=64), nullable=False),
        sa.Column("purged_count", sa.Integer(), nullable=False),
        sa.Column("purged_before", sa.DateTime(), nullable=False),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES if postgres else SQLITE:
        op.execute(statement)
    create_supervision_notices()


def create_supervision_notices():
    op.create_table('supervision_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('inquiry_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('answer_due_on', sa.Date(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_supervision_notices_answered_by_id_users')),
    sa.ForeignKeyConstraint(['inquiry_id'], ['inquiries.id'], name=op.f('fk_supervision_notices_inquiry_id_inquiries')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_supervision_notices_issued_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_supervision_notices_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_notices'))
    )
    with op.batch_alter_table('supervision_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_notices_inquiry_id'), ['inquiry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_notices_organization_id'), ['organization_id'], unique=False)



def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_checkpoints_no_truncate ON audit_checkpoints")
        op.execute("DROP TRIGGER audit_checkpoints_no_change ON audit_checkpoints")
        op.execute("DROP FUNCTION audit_checkpoints_refuse_change()")
    else:
        op.execute("DROP TRIGGER audit_checkpoints_no_update")
        op.execute("DROP TRIGGER audit_checkpoints_no_delete")
        op.execute("DROP TRIGGER audit_events_no_delete")
        op.execute("""CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                      BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""")
    op.drop_table("audit_checkpoints")
    op.drop_table("supervision_notices")
