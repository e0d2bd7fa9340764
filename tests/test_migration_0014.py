"""Migration 0014 on existing data: looser SLA values brought down to the law, each case
given the limits of the policy in force, and back down again."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db

ORG = {"id": 900, "parent_id": None, "kind": "town", "name": "迁移镇", "formal_name": "迁移镇",
       "slug": "migration-town", "credit_code": None, "path": "/900/", "sort_order": 0}
BLANK_INQUIRY = {
    "status": "processing", "title": "旧留言", "body": "正文", "contact_name": "",
    "contact_phone": "", "organization_id": 900, "consent_publish": False,
    "reply_published": False, "received_at": datetime(2026, 3, 10, 2), "sign_days": 1,
    "reply_days": 20, "clock_start_on": date(2026, 3, 10), "due_provisional": False,
    "sign_clock_start_on": date(2026, 3, 10), "pauses": [], "paused_days": 0,
    "extension_days": 0, "reply_text": "", "outcome": "", "reopened_count": 0,
}


def _table(name: str) -> sa.Table:
    return sa.Table(name, sa.MetaData(), autoload_with=db.engine)


def _execute(statement):
    with db.engine.begin() as connection:
        return connection.execute(statement)


def _insert_inquiry(number: str, kind: str, **values) -> None:
    _execute(sa.insert(_table("inquiries")).values(
        {**BLANK_INQUIRY, "number": number, "type": kind, **values}))


def _set_policy(kind: str, clock: str, amount: int) -> None:
    policies = _table("sla_policies")
    _execute(policies.update().where(policies.c.inquiry_type == kind,
                                     policies.c.clock == clock).values(amount=amount))


def _policy(kind: str, clock: str) -> int:
    policies = _table("sla_policies")
    return _execute(sa.select(policies.c.amount).where(
        policies.c.inquiry_type == kind, policies.c.clock == clock)).scalar_one()


@pytest.fixture
def at_0013(app):
    """The test database taken back to 0013, with a town and old cases in it."""
    db.session.remove()
    downgrade(revision="0013")
    _execute(sa.insert(_table("organizations")).values(ORG))
    yield
    db.engine.dispose()


def test_upgrade_brings_loose_policies_to_the_law_and_promises_them(at_0013):
    _set_policy("info_request", "reply", 30)
    _set_policy("info_request", "consultation", 10)
    _set_policy("opinion", "response", 72)
    _set_policy("consult", "extension_max", 40)
    _insert_inquiry("OLD-1", "info_request")
    _insert_inquiry("OLD-2", "consult", reply_days=5)
    _insert_inquiry("OLD-3", "opinion", reply_days=0)

    upgrade(revision="0014")

    assert (_policy("info_request", "reply"), _policy("opinion", "response")) == (20, 48)
    assert _policy("info_request", "consultation") == 10  # stricter than the law: kept
    assert _policy("consult", "extension_max") == 40  # no statutory limit
    inquiries = _table("inquiries")
    rows = {row.number: row for row in _execute(sa.select(inquiries))}
    promised = ("extension_max_days", "correction_notice_days", "correction_period_days",
                "consultation_max_days")
    assert [getattr(rows["OLD-1"], c) for c in promised] == [20, 7, 15, 10]
    assert [getattr(rows["OLD-2"], c) for c in promised] == [40, None, None, None]
    assert [getattr(rows["OLD-3"], c) for c in promised] == [None, None, None, None]


def test_downgrade_drops_the_promised_limits(at_0013):
    upgrade(revision="0014")
    downgrade(revision="0013")

    columns = {column.name for column in _table("inquiries").columns}
    assert "consultation_max_days" not in columns and "extension_max_days" not in columns
    upgrade(revision="0014")
    assert "consultation_max_days" in {column.name for column in _table("inquiries").columns}


# Beijing-day deadlines as stored: 23:59:59 Beijing is 15:59:59 UTC, kept naive.
def _due(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 15, 59, 59)


def _rows() -> dict:
    inquiries = _table("inquiries")
    return {row.number: row for row in _execute(sa.select(inquiries))}


@pytest.fixture
def paused_cases(at_0013):
    """依申请公开 received Tue 2026-03-10, due 04-08 (20 working days, 清明 04-06 off):
    CONSULTING consults since Thu 03-12 10:00 Beijing; CONSULTED consulted 03-12..05-29,
    53 working days, all added as before (03-10 + 73 = 06-25, 端午 06-19 off). 咨询 due
    03-17: WAITING waits on the resident since 03-12 after a pause of no working day on
    03-11; LATE began waiting on 03-18, after its deadline."""
    since = datetime(2026, 3, 12, 2)
    _insert_inquiry("CONSULTING", "info_request", status="consulting", paused_since=since,
                    reply_due_at=_due(date(2026, 4, 8)))
    _insert_inquiry("CONSULTED", "info_request", pauses=[["2026-03-12", "2026-05-29"]],
                    paused_days=53, reply_due_at=_due(date(2026, 6, 25)))
    _insert_inquiry("WAITING", "consult", status="awaiting_resident", reply_days=5,
                    paused_since=since, pauses=[["2026-03-11", "2026-03-11"]],
                    reply_due_at=_due(date(2026, 3, 17)))
    _insert_inquiry("LATE", "consult", status="awaiting_resident", reply_days=5,
                    paused_since=datetime(2026, 3, 18, 2), reply_due_at=_due(date(2026, 3, 17)))


def test_upgrade_keeps_pauses_as_records_and_caps_consultations(paused_cases):
    upgrade(revision="0014")
    rows = _rows()

    consulting = rows["CONSULTING"]
    assert consulting.pauses == [{"kind": "consultation", "first": "2026-03-12", "last": None}]
    # 04-08 + 15 working days (04-09, 10, 13..17, 20..24, 27, 28, 29)
    assert consulting.reply_due_at == _due(date(2026, 4, 29))
    consulted = rows["CONSULTED"]
    assert consulted.pauses == [{"kind": "consultation", "first": "2026-03-12",
                                 "last": "2026-05-29"}]
    assert (consulted.paused_days, consulted.reply_due_at) == (15, _due(date(2026, 4, 29)))
    assert rows["WAITING"].pauses == [
        {"kind": "resident", "first": "2026-03-11", "last": "2026-03-11"},
        {"kind": "resident", "first": "2026-03-12", "last": None}]
    assert rows["WAITING"].reply_due_at == _due(date(2026, 3, 17))
    assert rows["LATE"].pauses == []


def test_downgrade_restores_pairs_and_uncapped_deadlines(paused_cases):
    before = _rows()
    upgrade(revision="0014")
    downgrade(revision="0013")
    after = _rows()

    for number in ("CONSULTING", "CONSULTED", "WAITING", "LATE"):
        old, new = before[number], after[number]
        assert (new.pauses, new.paused_days, new.reply_due_at) == (
            old.pauses, old.paused_days, old.reply_due_at), number
