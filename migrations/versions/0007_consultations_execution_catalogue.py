"""consultations, execution tracking, disclosure catalogue

Tables for 重大行政决策征求意见 (consultations, consultation_comments), 执行公开
(execution_tasks, execution_milestones, execution_updates) and the 公开目录
(catalogue_entries, disclosure_guides); a nullable disclosures.catalogue_entry_id; and the
catalogue seeded with the township items of 政府信息公开条例 第二十一条 plus a few general
items (国办发〔2019〕54号 columns). Self-contained: it imports no application code.

Revision ID: 0007
Revises: 0006

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: tables and columns holding records
# (portal/schema.py refuses it without --yes).
DOWNGRADE_DROPS = ("征求意见及群众意见、执行公开任务与进度、公开目录与公开指南，公开信息与目录的关联",)

ART21 = "《中华人民共和国政府信息公开条例》第二十一条"
TWENTY_DAYS = "信息形成或者变更之日起20个工作日内"
TOWN = "乡镇人民政府"
WEB_BOARD = "政府网站、政务公开栏"
WEB_BOARD_VILLAGE = "政府网站、政务公开栏、村（居）公示栏"

# (一级事项, 二级事项, 公开内容（要素）, 公开依据, 公开时限, 公开主体, 公开渠道和载体, max_age_days)
# 公开对象 全社会, 公开方式 主动公开, 公开层级 乡级 for every seeded row. max_age_days turns the
# 公开时限 into the staleness check: 每季度 → 92, 每年 → 366; items published as they arise
# are expected at least once a year (365), 专项资金 at least every half year (183).
SEED = [
    ("机构信息", "机构职能", "机构名称、机构职能、内设机构、办公地址、办公时间、联系方式、负责人姓名",
     "《中华人民共和国政府信息公开条例》第二十条第（一）项、第（二）项", TWENTY_DAYS, TOWN,
     WEB_BOARD, 365),
    ("政策文件", "政策文件", "本级政府制定的规范性文件和其他政策文件，以及相应的政策解读",
     "《中华人民共和国政府信息公开条例》第二十条第（一）项", TWENTY_DAYS, TOWN, WEB_BOARD, 365),
    ("重大行政决策", "重大行政决策", "决策草案及起草说明、征求意见及采纳情况、合法性审查、集体讨论决定及决策结果",
     "《重大行政决策程序暂行条例》第十四条、第十五条、第二十九条", "决策作出之日起20个工作日内", TOWN,
     WEB_BOARD, 365),
    ("政府信息公开工作", "政府信息公开年度报告",
     "主动公开、收到和处理政府信息公开申请、被申请行政复议和提起行政诉讼、存在的主要问题及改进情况等",
     "《中华人民共和国政府信息公开条例》第四十九条、第五十条；国办公开办函〔2021〕30号", "每年1月31日前",
     TOWN, "政府网站", 366),
    ("政策措施落实", "贯彻落实上级政策措施", "贯彻落实上级政策措施的工作部署、进展情况和成效", ART21,
     TWENTY_DAYS, TOWN, WEB_BOARD, 365),
    ("财政信息", "财政收支", "本级财政预算、决算，预算执行情况和财政收支情况", ART21,
     "预算、决算批准后20日内；预算执行情况每季度", "乡镇人民政府（财政所）", WEB_BOARD, 92),
    ("财政信息", "各类专项资金的管理和使用情况", "专项资金的名称、政策依据、分配结果、发放对象和使用情况", ART21,
     "资金分配、使用情况形成之日起20个工作日内，至少每半年一次", "乡镇人民政府（财政所）",
     WEB_BOARD_VILLAGE, 183),
    ("乡村建设", "本级政府制定的乡村建设规划", "乡村建设规划的编制依据、规划内容、批准情况和实施情况", ART21,
     "规划批准之日起20个工作日内", TOWN, WEB_BOARD_VILLAGE, 365),
    ("农业农村", "农业农村", "农业农村政策、农田水利工程建设运营、筹资筹劳等情况", ART21, TWENTY_DAYS, TOWN,
     WEB_BOARD_VILLAGE, 365),
    ("农业农村", "土地承包经营权流转", "农村土地承包经营权流转的程序、面积、期限、价格和合同签订情况", ART21,
     TWENTY_DAYS, TOWN, WEB_BOARD_VILLAGE, 365),
    ("农业农村", "宅基地使用情况审核", "宅基地申请条件、审批程序、审核结果", ART21, "审核结果形成之日起20个工作日内",
     TOWN, WEB_BOARD_VILLAGE, 365),
    ("征收征用", "征收或者征用土地、房屋拆迁及其补偿、补助费用的发放、使用情况",
     "征收征用范围、补偿标准、补偿安置方案，补偿、补助费用的发放和使用情况", ART21, TWENTY_DAYS, TOWN,
     WEB_BOARD_VILLAGE, 365),
    ("社会救助", "抢险救灾、优抚、救济、社会捐助等款物的发放情况", "款物来源、数量、发放标准、发放对象和发放情况",
     ART21, "发放之日起20个工作日内", TOWN, WEB_BOARD_VILLAGE, 365),
]


def upgrade():
    op.create_table('catalogue_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('level1', sa.String(length=100), nullable=False),
    sa.Column('level2', sa.String(length=100), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('time_limit', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('channels', sa.String(length=300), nullable=False),
    sa.Column('audience', sa.String(length=100), nullable=False),
    sa.Column('manner', sa.String(length=100), nullable=False),
    sa.Column('tier', sa.String(length=100), nullable=False),
    sa.Column('max_age_days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_entries')),
    sa.UniqueConstraint('level1', 'level2', name=op.f('uq_catalogue_entries_level1_level2'))
    )
    op.create_table('disclosure_guides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('office', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('postal_code', sa.String(length=6), nullable=False),
    sa.Column('hours', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=120), nullable=False),
    sa.Column('how_to_apply', sa.Text(), nullable=False),
    sa.Column('remedies', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_disclosure_guides_organization_id_organizations')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_disclosure_guides_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_guides')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_disclosure_guides_organization_id'))
    )
    op.create_table('consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('draft_html', sa.Text(), nullable=False),
    sa.Column('how_to_participate', sa.Text(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('short_window_reason', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'concluded', 'withdrawn', name='consultationstatus', native_enum=False, length=20), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_reason', sa.String(length=500), nullable=False),
    sa.Column('adoption_summary', sa.Text(), nullable=False),
    sa.Column('legality_reviewer', sa.String(length=100), nullable=False),
    sa.Column('legality_reviewed_on', sa.Date(), nullable=True),
    sa.Column('legality_conclusion', sa.String(length=1000), nullable=False),
    sa.Column('discussion_meeting', sa.String(length=100), nullable=False),
    sa.Column('discussed_on', sa.Date(), nullable=True),
    sa.Column('concluded_by_id', sa.Integer(), nullable=True),
    sa.Column('concluded_at', sa.DateTime(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_consultations_author_id_users')),
    sa.ForeignKeyConstraint(['concluded_by_id'], ['users.id'], name=op.f('fk_consultations_concluded_by_id_users')),
    sa.ForeignKeyConstraint(['decision_id'], ['disclosures.id'], name=op.f('fk_consultations_decision_id_disclosures')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_consultations_organization_id_organizations')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_consultations_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultations'))
    )
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index('ix_consultations_public', ['status', 'closes_on'], unique=False)

    op.create_table('execution_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('own_progress', sa.Integer(), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_execution_tasks_author_id_users')),
    sa.ForeignKeyConstraint(['decision_id'], ['disclosures.id'], name=op.f('fk_execution_tasks_decision_id_disclosures')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_execution_tasks_organization_id_organizations')),
    sa.ForeignKeyConstraint(['parent_id'], ['execution_tasks.id'], name=op.f('fk_execution_tasks_parent_id_execution_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_execution_tasks'))
    )
    with op.batch_alter_table('execution_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_execution_tasks_parent_id'), ['parent_id'], unique=False)

    op.create_table('consultation_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('commenter_name', sa.String(length=50), nullable=False),
    sa.Column('contact', sa.String(length=120), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='commentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=False),
    sa.Column('moderated_by_id', sa.Integer(), nullable=True),
    sa.Column('moderated_at', sa.DateTime(), nullable=True),
    sa.Column('moderation_reason', sa.String(length=500), nullable=False),
    sa.Column('adoption', sa.Enum('adopted', 'partly', 'not_adopted', name='adoption', native_enum=False, length=20), nullable=True),
    sa.Column('adoption_note', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_consultation_comments_consultation_id_consultations')),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['users.id'], name=op.f('fk_consultation_comments_moderated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_comments')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_consultation_comments_submission_key'))
    )
    with op.batch_alter_table('consultation_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_comments_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('execution_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['execution_tasks.id'], name=op.f('fk_execution_milestones_task_id_execution_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_execution_milestones'))
    )
    with op.batch_alter_table('execution_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_execution_milestones_task_id'), ['task_id'], unique=False)

    op.create_table('execution_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_execution_updates_author_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['execution_tasks.id'], name=op.f('fk_execution_updates_task_id_execution_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_execution_updates'))
    )
    with op.batch_alter_table('execution_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_execution_updates_task_id'), ['task_id'], unique=False)

    _add_catalogue_column()

    _seed_catalogue()


def _add_catalogue_column():
    """disclosures.catalogue_entry_id with its foreign key, without copying the table.

    On SQLite a batch copy would DROP disclosures, which the rows referencing it (reviews,
    versions, attachments) refuse while foreign keys are enforced; ADD COLUMN with an
    inline REFERENCES clause (allowed for a NULL default) needs no copy.
    """
    fk = 'fk_disclosures_catalogue_entry_id_catalogue_entries'
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE disclosures ADD COLUMN catalogue_entry_id INTEGER '
                   f'CONSTRAINT {fk} REFERENCES catalogue_entries (id)')
    else:
        op.add_column('disclosures', sa.Column('catalogue_entry_id', sa.Integer(), nullable=True))
        op.create_foreign_key(fk, 'disclosures', 'catalogue_entries', ['catalogue_entry_id'], ['id'])
    op.create_index('ix_disclosures_catalogue_entry_id', 'disclosures', ['catalogue_entry_id'],
                    unique=False)


def _seed_catalogue():
    entries = sa.table(
        'catalogue_entries',
        *(sa.column(name) for name in (
            'position', 'level1', 'level2', 'content', 'basis', 'time_limit', 'subject',
            'channels', 'audience', 'manner', 'tier', 'max_age_days', 'active', 'created_at',
            'updated_at')))
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(entries, [
        {'position': (n + 1) * 10, 'level1': l1, 'level2': l2, 'content': content,
         'basis': basis, 'time_limit': limit, 'subject': subject, 'channels': channels,
         'audience': '全社会', 'manner': '主动公开', 'tier': '乡级', 'max_age_days': days,
         'active': True, 'created_at': now, 'updated_at': now}
        for n, (l1, l2, content, basis, limit, subject, channels, days) in enumerate(SEED)])


def downgrade():
    # On SQLite this copies disclosures without the column, which works only while no row
    # references a disclosure (foreign keys stay enforced inside the migration's
    # transaction); downgrades are for development databases.
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.drop_index('ix_disclosures_catalogue_entry_id')
        if op.get_bind().dialect.name != 'sqlite':
            batch_op.drop_constraint('fk_disclosures_catalogue_entry_id_catalogue_entries',
                                     type_='foreignkey')
        batch_op.drop_column('catalogue_entry_id')

    with op.batch_alter_table('execution_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_execution_updates_task_id'))

    op.drop_table('execution_updates')
    with op.batch_alter_table('execution_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_execution_milestones_task_id'))

    op.drop_table('execution_milestones')
    with op.batch_alter_table('consultation_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_comments_consultation_id'))

    op.drop_table('consultation_comments')
    with op.batch_alter_table('execution_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_execution_tasks_parent_id'))

    op.drop_table('execution_tasks')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index('ix_consultations_public')

    op.drop_table('consultations')
    op.drop_table('disclosure_guides')
    op.drop_table('catalogue_entries')
