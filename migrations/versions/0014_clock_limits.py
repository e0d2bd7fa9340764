"""Clock limits: the law's ceilings on the SLA table, and the limits each case was promised.

- `sla_policies`: a value looser than the law (条例第三十、三十二、三十三条, 国办发〔2016〕61号)
  is brought down to the law's limit; admins may only make clocks stricter from now on.
- `inquiries.extension_max_days`, `correction_notice_days`, `correction_period_days`,
  `consultation_max_days`: the lengths a case was promised at receipt, so a later change to
  the SLA table applies only to cases received after it. Existing cases get the values of
  the policy in force now (after the adjustment above).

- `inquiries.pauses`: each [first, last] pair becomes a {"kind", "first", "last"} record
  (portal/inquiries/pauses.py). Pauses of 依申请公开 are consultations (a 补正 restarts its
  clock and clears them), those of other types waits on the resident. A case paused now
  gets an open record from the day its pause began, unless the deadline had passed by then.
- Open 依申请公开 cases with consultations get their reply deadline recomputed: a
  consultation stops the clock for at most the case's allowance, and while one lasts the
  deadline is the one it would have if it lasted exactly the allowance left.

Downgrade drops the columns, turns the records back into pairs (dropping open ones) and
recomputes those deadlines without the allowance, as before; a policy value brought down
to the law stays there.

Self-contained: imports no app code. The working-day arithmetic is
portal.workdays.calendar as it stands at this revision.

Revision ID: 0014
Revises: 0013
"""

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops (portal/schema.py refuses it without
# --yes).
DOWNGRADE_DROPS = ("各案件受理时承诺的时限（签收、答复、延期、补正、征求意见上限）",)

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


OPEN_STATUSES = ("received", "signed", "processing", "awaiting_resident", "consulting",
                 "returned")
PAUSE_KINDS = {"awaiting_resident": "resident", "consulting": "consultation"}
UTC_OFFSET = timedelta(hours=8)  # Beijing, no daylight saving since 1991

inquiries = sa.table(
    "inquiries", sa.column("id", sa.Integer), sa.column("type", sa.String),
    sa.column("status", sa.String), sa.column("pauses", sa.JSON),
    sa.column("paused_since", sa.DateTime), sa.column("paused_days", sa.Integer),
    sa.column("reply_days", sa.Integer), sa.column("extension_days", sa.Integer),
    sa.column("sign_days", sa.Integer), sa.column("clock_start_on", sa.Date),
    sa.column("sign_clock_start_on", sa.Date), sa.column("reply_due_at", sa.DateTime),
    sa.column("due_provisional", sa.Boolean), sa.column("consultation_max_days", sa.Integer))


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
    connection = op.get_bind()
    calendar = Calendar(connection)
    for row in _paused_rows(connection):
        records = _records(row)
        values = {"pauses": records}
        if row.type == "info_request" and row.status in OPEN_STATUSES \
                and any(r["kind"] == "consultation" for r in records):
            values |= _deadline(calendar, row, records, capped=True)
        if records or row.pauses:
            connection.execute(inquiries.update().where(inquiries.c.id == row.id)
                               .values(values))


def _paused_rows(connection) -> list:
    """Work orders paused now or before (舆情 has no working-day clock)."""
    paused = sa.or_(inquiries.c.paused_since.is_not(None),
                    sa.cast(inquiries.c.pauses, sa.Text) != "[]")
    return connection.execute(sa.select(inquiries).where(
        inquiries.c.type != "opinion", paused)).all()


def _records(row) -> list[dict]:
    """The row's pairs as records, with an open one for the pause under way."""
    kind = "consultation" if row.type == "info_request" else "resident"
    records = [{"kind": kind, "first": first, "last": last} for first, last in row.pauses or []]
    pausing = PAUSE_KINDS.get(row.status)
    if pausing and row.paused_since is not None and row.reply_due_at is not None \
            and row.paused_since <= row.reply_due_at:
        first = (row.paused_since + UTC_OFFSET).date().isoformat()
        records.append({"kind": pausing, "first": first, "last": None})
    return records


def _deadline(calendar, row, records: list[dict], *, capped: bool) -> dict:
    """paused_days, reply_due_at and due_provisional as portal.inquiries.clocks.refresh
    computes them, with the consultation allowance (`capped`) or, as before, without."""
    def days(kind):
        return sum(max(0, calendar.between(date.fromisoformat(r["first"]),
                                           date.fromisoformat(r["last"])))
                   for r in records if r["kind"] == kind and r["last"] is not None)

    consulted = days("consultation")
    allowance = (row.consultation_max_days or 0) if capped else consulted
    paused = days("resident") + min(consulted, allowance)
    consulting = any(r["kind"] == "consultation" and r["last"] is None for r in records)
    running = max(0, allowance - consulted) if capped and consulting else 0
    due, provisional = calendar.deadline(
        row.clock_start_on, row.reply_days + row.extension_days + paused + running)
    _, sign_provisional = calendar.deadline(row.sign_clock_start_on, row.sign_days)
    end_of_day = datetime.combine(due, time(23, 59, 59)) - UTC_OFFSET
    return {"paused_days": paused, "reply_due_at": end_of_day,
            "due_provisional": provisional or sign_provisional}


def _promise(column: str, clock: str, kind: str, default: int) -> None:
    """Every case of `kind` gets the policy's current amount for `clock`."""
    inquiries = sa.table("inquiries", sa.column("type", sa.String),
                         sa.column(column, sa.Integer))
    amount = sa.select(policies.c.amount).where(policies.c.inquiry_type == kind,
                                                policies.c.clock == clock).scalar_subquery()
    op.execute(inquiries.update().where(inquiries.c.type == kind)
               .values({column: sa.func.coalesce(amount, default)}))


def downgrade():
    connection = op.get_bind()
    calendar = Calendar(connection)
    for row in _paused_rows(connection):
        records = row.pauses or []
        values = {"pauses": [[r["first"], r["last"]] for r in records if r["last"] is not None]}
        if row.type == "info_request" and row.status in OPEN_STATUSES \
                and any(r["kind"] == "consultation" for r in records):
            values |= _deadline(calendar, row, records, capped=False)
        if records:
            connection.execute(inquiries.update().where(inquiries.c.id == row.id)
                               .values(values))
    for column in reversed(PROMISED):  # in place: a batch copy would DROP inquiries
        op.drop_column("inquiries", column)


class Calendar:
    """Working days: admin overrides, then the chinesecalendar package for its years, then
    weekends and the statutory holidays; a day of a year neither covers nor an admin
    confirmed is provisional."""

    def __init__(self, connection):
        import chinese_calendar

        overrides = sa.table("calendar_overrides", sa.column("day", sa.Date),
                             sa.column("is_working_day", sa.Boolean))
        years = sa.table("calendar_confirmed_years", sa.column("year", sa.Integer))
        self.overrides = dict(connection.execute(
            sa.select(overrides.c.day, overrides.c.is_working_day)).all())
        self.confirmed = set(connection.execute(sa.select(years.c.year)).scalars())
        self.holidays, self.workdays = chinese_calendar.holidays, chinese_calendar.workdays
        self.years = range(min(self.holidays).year, max(self.holidays).year + 1)

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in self.years:
            return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)
        return day.weekday() < 5 and day not in statutory_holidays(day.year)

    def deadline(self, start: date, n: int) -> tuple[date, bool]:
        """The n-th working day after `start`, and whether a provisional day was counted."""
        day, counted, provisional = start, 0, False
        while counted < n:
            day += timedelta(days=1)
            provisional = provisional or (day.year not in self.years
                                          and day.year not in self.confirmed)
            counted += self.is_working_day(day)
        return day, provisional

    def between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end < start."""
        if end < start:
            return -self.between(end, start)
        return sum(self.is_working_day(start + timedelta(days=n))
                   for n in range(1, (end - start).days + 1))


def statutory_holidays(year: int) -> set[date]:
    """元旦 1, 春节 4 (除夕 to lunar 1/3), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3."""
    from lunar_python import Lunar

    def solar(lunar) -> date:
        value = lunar.getSolar()
        return date(value.getYear(), value.getMonth(), value.getDay())

    new_year = solar(Lunar.fromYmd(year, 1, 1))
    qingming = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    days = {date(year, 1, 1), date(year, 5, 1), date(year, 5, 2), date(year, 10, 1),
            date(year, 10, 2), date(year, 10, 3), solar(Lunar.fromYmd(year, 5, 5)),
            solar(Lunar.fromYmd(year, 8, 15)),
            date(qingming.getYear(), qingming.getMonth(), qingming.getDay())}
    return days | {new_year + timedelta(days=offset) for offset in range(-1, 3)}
