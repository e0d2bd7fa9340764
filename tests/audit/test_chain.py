"""The audit log is append-only and tamper-evident."""

from itertools import pairwise

import pytest
import sqlalchemy as sa

from portal import audit
from portal.audit.models import GENESIS_HASH, AuditEvent
from portal.audit.services import head_hash, verify_chain
from portal.auth.models import Role
from portal.extensions import db


@pytest.fixture
def events(make_user, orgs):
    user = make_user("editor", (Role.EDITOR, orgs["town"]))
    for n in range(5):
        audit.record(user, "test.event", orgs["town"], after={"n": n, "text": "中文𠀀"})
        db.session.commit()
    return db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()


def _bypass_triggers(statement: str, **params) -> None:
    """What an attacker with database access would do: drop the guard, rewrite a row."""
    db.session.rollback()  # release the session's lock so the "attacker" can write
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
            conn.execute(sa.text(statement), params)
            conn.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER USER")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_delete")
            conn.execute(sa.text(statement), params)


def test_events_link_into_a_chain(events):
    assert events[0].prev_hash == GENESIS_HASH
    for previous, event in pairwise(events):
        assert event.prev_hash == previous.hash
    verdict = verify_chain()
    assert verdict.ok and verdict.count == len(events) and verdict.head == events[-1].hash


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'x'",
    "DELETE FROM audit_events",
])
def test_database_refuses_update_and_delete(events, statement):
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
        conn.execute(sa.text(statement))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == len(events)


def test_rewritten_event_is_named(events):
    target = events[2]
    _bypass_triggers("UPDATE audit_events SET result = 'denied' WHERE id = :id", id=target.id)
    db.session.expire_all()
    verdict = verify_chain()
    assert not verdict.ok and verdict.first_bad_id == target.id and verdict.count == 2


def test_deleted_event_breaks_the_link(events):
    _bypass_triggers("DELETE FROM audit_events WHERE id = :id", id=events[1].id)
    db.session.expire_all()
    verdict = verify_chain()
    assert not verdict.ok and verdict.first_bad_id == events[2].id


def test_truncation_is_caught_with_an_exported_head(events):
    exported = head_hash()
    _bypass_triggers("DELETE FROM audit_events WHERE id = :id", id=events[-1].id)
    db.session.expire_all()
    assert verify_chain().ok  # the rest of the chain is still consistent…
    assert not verify_chain(expect_head=exported).ok  # …but the exported head is gone


def test_cli_verify_and_head(runner, events):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and f"共 {len(events)} 条" in result.output
    head = runner.invoke(args=["audit", "head"]).output.strip()
    assert head == events[-1].hash
    assert runner.invoke(args=["audit", "verify", "--expect-head", head]).exit_code == 0
    _bypass_triggers("UPDATE audit_events SET message = 'x' WHERE id = :id", id=events[0].id)
    db.session.expire_all()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"#{events[0].id}" in result.output


def test_cli_head_appends_a_dated_line_for_daily_keeping(runner, events, tmp_path):
    record = tmp_path / "audit-heads.txt"
    for _ in range(2):
        result = runner.invoke(args=["audit", "head", "--append", str(record)])
        assert result.exit_code == 0, result.output
    lines = record.read_text().splitlines()
    assert len(lines) == 2
    assert all(line.endswith(" " + events[-1].hash) for line in lines)
    assert lines[0].split()[0].startswith("20")
