"""annual report: narrative and hand-entered figures, 行政复议/行政诉讼 cases

Revision ID: 0006
Revises: 0005

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: tables and columns holding records
# (portal/schema.py refuses it without --yes).
DOWNGRADE_DROPS = ("政府信息公开工作年度报告 annual_reports、行政复议与诉讼登记 info_appeals",)


def upgrade():
    op.create_table('annual_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('overview', sa.Text(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.Column('other_matters', sa.Text(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_annual_reports_organization_id_organizations')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_annual_reports_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_reports')),
    sa.UniqueConstraint('organization_id', 'year', name=op.f('uq_annual_reports_organization_id_year'))
    )
    op.create_table('info_appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('inquiry_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('review', 'litigation_direct', 'litigation_after_review', name='appealkind', native_enum=False, length=30), nullable=False),
    sa.Column('result', sa.Enum('upheld', 'corrected', 'other', 'pending', name='appealresult', native_enum=False, length=20), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['inquiry_id'], ['inquiries.id'], name=op.f('fk_info_appeals_inquiry_id_inquiries')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_info_appeals_organization_id_organizations')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_info_appeals_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_appeals'))
    )
    with op.batch_alter_table('info_appeals', schema=None) as batch_op:
        batch_op.create_index('ix_info_appeals_org_filed', ['organization_id', 'filed_on'], unique=False)


def downgrade():
    with op.batch_alter_table('info_appeals', schema=None) as batch_op:
        batch_op.drop_index('ix_info_appeals_org_filed')

    op.drop_table('info_appeals')
    op.drop_table('annual_reports')
