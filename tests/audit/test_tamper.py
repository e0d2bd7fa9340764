"""Tampering with the record is caught; purging is allowed only past the retention period."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import audit
from portal.audit.models import AuditEvent
from portal.audit.services import head_hash, purge, verify_chain
from portal.auth.models import Role
from portal.auth.system import SYSTEM
from portal.errors import PermissionDenied, ValidationError
from portal.extensions import db
from portal.timeutil import utcnow
from tests.inquiries.timetravel import TimeMachine


@pytest.fixture
def chain(make_user, orgs, monkeypatch):
    """Ten events: five from 300 days ago, five from today."""
    user = make_user("clerk", (Role.EDITOR, orgs["town"]))
    real_now = utcnow()
    clock = TimeMachine(monkeypatch, real_now - timedelta(days=300))
    for n in range(10):
        if n == 5:
            clock.set(real_now)
        audit.record(user, "test.event", orgs["town"], after={"n": n})
        db.session.commit()
    monkeypatch.undo()
    ids = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()
    db.session.commit()
    return ids


def _raw(statement: str, **params) -> None:
    """An attacker with database access: guards dropped, rows rewritten."""
    db.session.rollback()
    with db.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
        else:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_delete")
        conn.execute(sa.text(statement), params)
        if postgres:
            conn.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER USER")
    db.session.expire_all()


def test_edit_is_named(chain):
    _raw("UPDATE audit_events SET actor_name = 'someone' WHERE id = :id", id=chain[3])
    verdict = verify_chain()
    assert (verdict.ok, verdict.first_bad_id) == (False, chain[3])


def test_delete_in_the_middle_is_named(chain):
    _raw("DELETE FROM audit_events WHERE id = :id", id=chain[6])
    assert verify_chain().first_bad_id == chain[7]


def test_reorder_is_named(chain):
    a, b = chain[2], chain[3]
    _raw("UPDATE audit_events SET id = -1 WHERE id = :a", a=a)
    _raw("UPDATE audit_events SET id = :a WHERE id = :b", a=a, b=b)
    _raw("UPDATE audit_events SET id = :b WHERE id = -1", b=b)
    assert verify_chain().first_bad_id == a


def test_insert_in_the_middle_is_named(chain):
    forged = chain[4]
    _raw("UPDATE audit_events SET id = id + 100 WHERE id > :id", id=forged)
    _raw("INSERT INTO audit_events (id, occurred_at, actor_id, actor_name, action, object_type,"
         " object_id, result, message, client_addr, prev_hash, hash) SELECT id + 1,"
         " occurred_at, actor_id, actor_name, 'forged', object_type, object_id, result,"
         " message, client_addr, hash, :fake FROM audit_events WHERE id = :id",
         id=forged, fake="f" * 64)
    assert verify_chain().first_bad_id == forged + 1


def test_truncation_needs_the_exported_head(chain):
    exported = head_hash()
    _raw("DELETE FROM audit_events WHERE id >= :id", id=chain[8])
    assert verify_chain().ok
    verdict = verify_chain(expect_head=exported)
    assert not verdict.ok and "截断" in verdict.reason


def test_database_refuses_young_deletes_and_all_updates(chain):
    db.session.rollback()
    for statement in ("UPDATE audit_events SET action = 'x' WHERE id = :id",
                      "DELETE FROM audit_events WHERE id = :id"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as c:
            c.execute(sa.text(statement), {"id": chain[-1]})


def test_purge_keeps_the_retention_period_and_a_verifiable_chain(chain, make_user, orgs):
    with pytest.raises(ValidationError, match="185"):
        purge(SYSTEM, 30)
    editor = make_user("editor2", (Role.EDITOR, orgs["town"]))
    with pytest.raises(PermissionDenied):
        purge(editor, 200)
    db.session.rollback()
    assert purge(SYSTEM, 200) == 5
    remaining = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert remaining[0].id == chain[5]
    assert [e.after.get("n") for e in remaining[:5]] == [5, 6, 7, 8, 9]
    assert remaining[-1].action == "audit.purge"
    verdict = verify_chain()
    assert verdict.ok and verdict.count == len(remaining)


def test_purge_refuses_a_broken_chain(chain):
    _raw("UPDATE audit_events SET message = 'x' WHERE id = :id", id=chain[7])
    from portal.errors import Conflict

    with pytest.raises(Conflict, match="审计链异常"):
        purge(SYSTEM, 200)


def test_purge_command(runner, chain):
    result = runner.invoke(args=["audit", "purge", "--older-than-days", "100"])
    assert result.exit_code != 0 and "185" in result.output
    result = runner.invoke(args=["audit", "purge", "--older-than-days", "200"])
    assert result.exit_code == 0 and "已清理 5 条" in result.output
