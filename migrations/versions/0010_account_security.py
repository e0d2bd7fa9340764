"""account security: lockout, TOTP second factor, password age

`users` gains:
- `failed_logins` and `locked_until`: 5 failed logins lock the account for 15 minutes,
  counted per account so no client address can reset them;
- `totp_secret` (base32) and `totp_last_step`: the second factor and the last 30-second
  step accepted, so a code cannot be replayed;
- `password_changed_at`: shown to the user and kept for 等保's rotation reminder.

Self-contained: imports no app code.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops: tables and columns holding records
# (portal/schema.py refuses it without --yes).
DOWNGRADE_DROPS = ("账号的登录失败计数、锁定时间、动态验证码密钥与最近使用步、改密时间（users 表 5 列）",)
DOWNGRADE_THEN = "重新升级后，必须使用动态验证码的账号须由管理员签发绑定码重新绑定"


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("password_changed_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_changed_at")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret")
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
