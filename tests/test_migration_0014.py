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
