"""Clock limits: the law's ceilings on the SLA table, and the limits each case was promised.

- `sla_policies`: a value looser than the law (条例第三十、三十二、三十三条, 国办发〔2016〕61号)
  is brought down to the law's limit; admins may only make clocks stricter from now on.
- `inquiries.extension_max_days`, `correction_notice_days`, `correction_period_days`,
  `consultation_max_days`: the lengths a case was promised at receipt, so a later change to
  the SLA table applies only to cases received after it. Existing cases get the values of
  the policy in force now (after the adjustment above).

Downgrade drops the columns; a policy value brought down to the law stays there.

Self-contained: imports no app code.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

PUBLIC_TYPES = ("consult", "suggest", "complaint", "help", "report", "info_request")
# (type, clock) → the law's limit, as portal.inquiries.limits stands at this revision
CEILINGS = {
    ("info_request", "reply"): 20,
    ("info_request", "extension_max"): 20,
    ("info_request", "correction_request"): 7,
    ("info_request", "consultation"): 15,
    ("opinion", "authoritative_info"): 5,
    ("opinion", "press_conference"): 24,
    ("opinion", "response"): 48,
}
# inquiries column → (sla clock, the types it applies to, the default when no policy row)
PROMISED = {
    "extension_max_days": ("extension_max", PUBLIC_TYPES, 15),
    "correction_notice_days": ("correction_request", ("info_request",), 7),
    "correction_period_days": ("correction_period", ("info_request",), 15),
    "consultation_max_days": ("consultation", ("info_request",), 15),
}
STATUTORY_DEFAULTS = {("info_request", "extension_max"): 20}

policies = sa.table("sla_policies", sa.column("inquiry_type", sa.String),
                    sa.column("clock", sa.String), sa.column("amount", sa.Integer))


def upgrade():
    with op.batch_alter_table("inquiries") as batch:
        for column in PROMISED:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
    for (kind, clock), ceiling in CEILINGS.items():
        op.execute(policies.update().where(
            policies.c.inquiry_type == kind, policies.c.clock == clock,
            policies.c.amount > ceiling).values(amount=ceiling))
    for column, (clock, kinds, default) in PROMISED.items():
        for kind in kinds:
            _promise(column, clock, kind, STATUTORY_DEFAULTS.get((kind, clock), default))


def _promise(column: str, clock: str, kind: str, default: int) -> None:
    """Every case of `kind` gets the policy's current amount for `clock`."""
    inquiries = sa.table("inquiries", sa.column("type", sa.String),
                         sa.column(column, sa.Integer))
    amount = sa.select(policies.c.amount).where(policies.c.inquiry_type == kind,
                                                policies.c.clock == clock).scalar_subquery()
    op.execute(inquiries.update().where(inquiries.c.type == kind)
               .values({column: sa.func.coalesce(amount, default)}))


def downgrade():
    with op.batch_alter_table("inquiries") as batch:
        for column in reversed(PROMISED):
            batch.drop_column(column)
