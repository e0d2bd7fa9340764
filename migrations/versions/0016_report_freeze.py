"""Frozen annual reports, linked reopenings, the guide's fax number and the 信息不存在
reply template.

- `annual_reports`: the report's state (draft, finalized, submitted), the frozen report as
  filed with its SHA-256, who finalized, submitted (and on which date) and last reopened it,
  and why. Existing reports become drafts.
- `inquiries.reopened_from_id`: a work order that handles an application again (重新办理)
  names the original; the annual report counts originals only. Added without copying the
  table (on SQLite, ADD COLUMN with an inline REFERENCES clause), as 0007 did.
- `disclosure_guides.fax`: the 传真号码 条例第十二条 lists among a guide's contents.
- `reply_templates`: the 信息不存在告知书 now quotes 第三十六条第（四）项 (经检索没有所申请公开
  信息的，告知申请人该政府信息不存在); it used to cite that item with wording of another reply.
  Only the seeded text is replaced, so a template someone has rewritten is left alone.

Self-contained: imports no app code.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops (portal/schema.py refuses it without
# --yes).
DOWNGRADE_DROPS = ("年度报告的定稿、报送状态与定稿数字", "公开指南的传真号码", "重新办理与原件的关联")

NOT_EXIST = "信息不存在告知书"
OLD_NOT_EXIST = ("经检索查找，本机关未制作或获取您申请的政府信息。根据《中华人民共和国"
                 "政府信息公开条例》第三十六条第四项的规定，告知您本机关不掌握相关政府信息。")
NEW_NOT_EXIST = ("您于{日期}提出的政府信息公开申请（受理编号：{编号}）收悉。经检索，本机关没有您所申请"
                 "公开的信息。根据《中华人民共和国政府信息公开条例》第三十六条第（四）项“经检索没有所"
                 "申请公开信息的，告知申请人该政府信息不存在”的规定，现告知您：您申请公开的政府信息"
                 "不存在。")


REOPENED_FK = "fk_inquiries_reopened_from_id_inquiries"
REOPENED_INDEX = "ix_inquiries_reopened_from_id"


REPORT_USERS = ("finalized_by_id", "submitted_by_id", "reopened_by_id")


def upgrade():
    _add_report_state()
    _add_reopened_from()
    with op.batch_alter_table("disclosure_guides") as batch:
        batch.add_column(sa.Column("fax", sa.String(40), nullable=False, server_default=""))
    _replace_template(OLD_NOT_EXIST, NEW_NOT_EXIST)


def downgrade():
    _replace_template(NEW_NOT_EXIST, OLD_NOT_EXIST)
    with op.batch_alter_table("disclosure_guides") as batch:
        batch.drop_column("fax")
    _drop_reopened_from()
    with op.batch_alter_table("annual_reports") as batch:
        for column in REPORT_USERS:
            batch.drop_constraint(f"fk_annual_reports_{column}_users", type_="foreignkey")
        for column in ("status", "frozen", "frozen_digest", "finalized_at", *REPORT_USERS,
                       "submitted_on", "submitted_at", "reopened_at", "reopen_reason"):
            batch.drop_column(column)


def _add_report_state() -> None:
    status = sa.Enum("draft", "finalized", "submitted", name="reportstatus",
                     native_enum=False, length=20)
    with op.batch_alter_table("annual_reports") as batch:
        batch.add_column(sa.Column("status", status, nullable=False, server_default="draft"))
        batch.add_column(sa.Column("frozen", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("frozen_digest", sa.String(64), nullable=True))
        batch.add_column(sa.Column("finalized_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("submitted_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("submitted_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("reopened_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("reopen_reason", sa.String(500), nullable=False,
                                   server_default=""))
        for column in REPORT_USERS:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch.create_foreign_key(f"fk_annual_reports_{column}_users", "users", [column],
                                     ["id"])


def _add_reopened_from() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE inquiries ADD COLUMN reopened_from_id INTEGER "
                   f"CONSTRAINT {REOPENED_FK} REFERENCES inquiries (id)")
    else:
        op.add_column("inquiries", sa.Column("reopened_from_id", sa.Integer(), nullable=True))
        op.create_foreign_key(REOPENED_FK, "inquiries", "inquiries", ["reopened_from_id"],
                              ["id"])
    op.create_index(REOPENED_INDEX, "inquiries", ["reopened_from_id"], unique=False)


def _drop_reopened_from() -> None:
    op.drop_index(REOPENED_INDEX, table_name="inquiries")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35+) drops a column with its own REFERENCES clause in place; a batch
        # copy would DROP inquiries, which the rows referencing it refuse.
        op.execute("ALTER TABLE inquiries DROP COLUMN reopened_from_id")
    else:
        op.drop_constraint(REOPENED_FK, "inquiries", type_="foreignkey")
        op.drop_column("inquiries", "reopened_from_id")


def _replace_template(old: str, new: str) -> None:
    templates = sa.table("reply_templates", sa.column("inquiry_type", sa.String),
                         sa.column("name", sa.String), sa.column("body", sa.Text))
    op.get_bind().execute(templates.update().where(
        templates.c.inquiry_type == "info_request", templates.c.name == NOT_EXIST,
        templates.c.body == old).values(body=new))
