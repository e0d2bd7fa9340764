"""An insider with full database access — guards dropped, hashes recomputed, heads
re-signed with the server's own key — is still caught, by `flask audit verify` and by the
standalone verifier alike, as long as someone kept the heads published earlier.

Each scenario: a log with signed heads; a citizen keeps /transparency/heads.json; the
insider tampers; both verifiers run (the standalone one on an archive of the tampered
database plus the citizen's heads) and name what went wrong."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import audit
from portal.audit.models import AuditEvent, canonical_fields
from portal.audit.services import compute_hash
from portal.auth.system import SYSTEM
from portal.extensions import db
from portal.transparency import archive, heads, merkle, verify_log
from portal.transparency.models import MerkleLeaf, MerkleNode, TreeHead

GUARDED = ("audit_events", "merkle_leaves", "merkle_nodes", "tree_heads")


@pytest.fixture
def log_with_heads(client, signing_key, tmp_path):
    """20 events with a head after the 8th and after the 20th; the citizen's copy of the
    heads saved in `kept/`."""
    for n in range(20):
        audit.record(SYSTEM, "test.event", None, after={"n": n})
        db.session.commit()
        if n in (7, 19):
            heads.sign_head()
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "heads-citizen.json").write_bytes(client.get("/transparency/heads.json").data)
    return kept


def insider(*statements: str, **params) -> None:
    """Run `statements` as a database administrator who has switched the append-only
    triggers off (dropped on SQLite, disabled on PostgreSQL) and leaves them off."""
    db.session.rollback()
    with db.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        for table in GUARDED:
            if postgres:
                conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_update")
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_delete")
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_change")
        for statement in statements:
            conn.execute(sa.text(statement), params)
    db.session.expire_all()


def rebuild_everything() -> None:
    """The careful insider: recompute every chain hash and the whole tree, so the
    database agrees with itself."""
    table = AuditEvent.__table__
    rows = db.session.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    previous, updates = rows[0]["prev_hash"] if rows else "0" * 64, []
    for row in rows:
        record = dict(row, prev_hash=previous)
        new_hash = compute_hash(record)
        updates.append({"id": row["id"], "prev": previous, "hash": new_hash})
        previous = new_hash
    leaves = [merkle.leaf_hash(u["hash"].encode("ascii")) for u in updates]
    statements = ["DELETE FROM merkle_nodes", "DELETE FROM merkle_leaves"]
    insider(*statements)
    with db.engine.begin() as conn:
        for u in updates:
            conn.execute(sa.text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE id = :i"
                                 ), {"p": u["prev"], "h": u["hash"], "i": u["id"]})
        for index, (u, leaf) in enumerate(zip(updates, leaves, strict=True)):
            conn.execute(sa.insert(MerkleLeaf.__table__).values(
                index=index, event_hash=u["hash"], leaf_hash=leaf))
        width = 2
        while width <= len(leaves):
            for start in range(0, len(leaves) - width + 1, width):
                conn.execute(sa.insert(MerkleNode.__table__).values(
                    level=width.bit_length() - 1, index=start // width,
                    hash=merkle.tree_root(leaves[start:start + width])))
            width *= 2
    db.session.expire_all()


def verdicts(runner, kept: Path, tmp_path: Path) -> tuple[str, str]:
    """(flask audit verify's message, the standalone verifier's problem)."""
    result = runner.invoke(args=["audit", "verify", "--heads", str(kept)])
    folder = tmp_path / "archive"
    archive.write(folder, events=True)
    for path in kept.glob("heads*.json"):
        (folder / path.name).write_bytes(path.read_bytes())
    try:
        standalone = "通过：" + verify_log.verify(folder)
    except verify_log.Problem as problem:
        standalone = str(problem)
    return (result.output if result.exit_code else "通过：" + result.output), standalone


def test_an_untouched_log_passes_both(runner, log_with_heads, tmp_path):
    command, standalone = verdicts(runner, log_with_heads, tmp_path)
    assert command.startswith("通过") and "审计链完好" in command, command
    assert standalone.startswith("通过") and "条事件内容、链接和位置完好" in standalone


def test_an_altered_event_is_caught_even_when_every_hash_is_recomputed(
        runner, log_with_heads, tmp_path):
    event_id = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()[4]
    insider("UPDATE audit_events SET message = '改过的记录' WHERE id = :id", id=event_id)
    command, standalone = verdicts(runner, log_with_heads, tmp_path)
    assert f"#{event_id}" in command and "内容与哈希值不符" in command
    assert f"事件 #{event_id} 的内容与其哈希不符" in standalone
    rebuild_everything()
    command, standalone = verdicts(runner, log_with_heads, tmp_path)
    assert "被改写" in command and "日志被改写" in standalone
    assert "第 0 至第 " in standalone


def test_a_deleted_event_is_caught(runner, log_with_heads, tmp_path):
    event_id = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()[10]
    insider("DELETE FROM audit_events WHERE id = :id", id=event_id)
    command, standalone = verdicts(runner, log_with_heads, tmp_path)
    assert "链接断开" in command and "链接断开" in standalone
    rebuild_everything()
    command, standalone = verdicts(runner, log_with_heads, tmp_path)
    assert "有记录被删除" in command and "有记录被删除" in standalone
    assert "前 9 个叶子与签名一致" in standalone


def test_a_truncated_tail_is_caught(runner, log_with_heads, tmp_path):
    size = db.session.scalar(sa.select(sa.func.count()).select_from(MerkleLeaf))
    keep = size - 5
    insider(f"DELETE FROM merkle_leaves WHERE \"index\" >= {keep}",
            "DELETE FROM merkle_nodes", "DELETE FROM tree_heads WHERE tree_size > :keep",
            "DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events ORDER BY id "
            "DESC LIMIT 5)", keep=keep)
    rebuild_everything()
    command, standalone = verdicts(runner, log_with_heads, tmp_path)
    assert "尾部被截断" in command and "尾部被截断" in standalone
    assert f"现在只有 {keep} 个" in standalone


def test_a_fork_is_caught_by_anyone_holding_both_heads(client, runner, log_with_heads,
                                                        tmp_path):
    last = db.session.scalars(sa.select(TreeHead).order_by(TreeHead.id)).all()[-1]
    size, root = last.tree_size, last.root_hash
    rewritten = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()[2]
    insider("UPDATE audit_events SET message = '另一个版本' WHERE id = :id", id=rewritten)
    rebuild_everything()
    insider("DELETE FROM tree_heads")
    heads.sign_head()  # the insider signs the rewritten log with the server's key
    forged = db.session.scalars(sa.select(TreeHead)).one()
    assert forged.tree_size == size and forged.root_hash != root
    (log_with_heads / "heads-later.json").write_bytes(client.get("/transparency/heads.json").data)
    _, standalone = verdicts(runner, log_with_heads, tmp_path)
    assert "日志分叉" in standalone


def test_a_later_head_inconsistent_with_an_earlier_one_is_caught(client, log_with_heads,
                                                                tmp_path):
    """Only heads and the server's consistency proofs, as a journalist holds them."""
    first = json.loads((log_with_heads / "heads-citizen.json").read_text())["heads"][0]
    rewritten = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()[1]
    insider("UPDATE audit_events SET message = '改写' WHERE id = :id", id=rewritten)
    rebuild_everything()
    for n in range(3):
        audit.record(SYSTEM, "test.event", None, after={"later": n})
        db.session.commit()
    later = heads.sign_head()
    journalist = tmp_path / "journalist"
    journalist.mkdir()
    (journalist / "heads-old.json").write_bytes((log_with_heads / "heads-citizen.json")
                                                .read_bytes())
    (journalist / "heads-new.json").write_bytes(client.get("/transparency/heads.json").data)
    proof = client.get(f"/transparency/proof/consistency?first={first['tree_size']}"
                       f"&second={later.tree_size}").data
    (journalist / f"consistency-{first['tree_size']}-{later.tree_size}.json").write_bytes(proof)
    with pytest.raises(verify_log.Problem, match="不一致"):
        verify_log.verify(journalist)


def test_a_forged_purge_checkpoint_is_caught(runner, log_with_heads, tmp_path):
    rows = db.session.execute(sa.select(AuditEvent.id, AuditEvent.hash)
                              .order_by(AuditEvent.id)).all()
    last_id, last_hash = rows[5]
    insider("INSERT INTO audit_checkpoints (created_at, last_purged_id, last_purged_hash, "
            "purged_count, purged_before, actor_name) VALUES (:now, :id, :hash, 6, :now, "
            "'system')", "DELETE FROM audit_events WHERE id <= :id",
            now=_now(), id=last_id, hash=last_hash)
    command, standalone = verdicts(runner, log_with_heads, tmp_path)
    assert "检查点是伪造的" in command and "检查点是伪造的" in standalone


def _now():
    from portal.timeutil import utcnow

    return utcnow().replace(tzinfo=None)


def test_the_content_hash_the_verifier_recomputes_is_the_portals(app):
    event = audit.record(SYSTEM, "test.event", None, after={"名称": "双塔镇", "n": 1})
    db.session.commit()
    row = db.session.execute(sa.select(AuditEvent.__table__).where(
        AuditEvent.__table__.c.id == event.id)).mappings().one()
    exported = json.loads(json.dumps({"hash": row["hash"], **canonical_fields(row)},
                                     ensure_ascii=False, default=str))
    assert verify_log.content_hash(exported) == row["hash"] == event.hash
    assert hashlib.sha256(b"\x00" + event.hash.encode()).digest() == merkle.leaf_hash(
        event.hash.encode())


def test_a_genuine_purge_passes_both(client, runner, tmp_path):
    """A purge after the retention period removes the events but not their leaves: the
    heads a citizen kept from before still verify, and the purge announces itself."""
    from datetime import timedelta

    import portal.audit.services as audit_services
    from portal import timeutil

    with timeutil.frozen(timeutil.utcnow() - timedelta(days=400)):
        for n in range(12):
            audit.record(SYSTEM, "test.event", None, after={"n": n})
            db.session.commit()
    heads.keygen(SYSTEM)
    heads.sign_head()
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "heads-before.json").write_bytes(client.get("/transparency/heads.json").data)
    for n in range(3):
        audit.record(SYSTEM, "test.event", None, after={"recent": n})
        db.session.commit()

    assert audit_services.purge(SYSTEM, 185) >= 12
    heads.sign_head()
    (kept / "heads-after.json").write_bytes(client.get("/transparency/heads.json").data)

    command, standalone = verdicts(runner, kept, tmp_path)
    assert command.startswith("通过") and "审计链完好" in command, command
    assert standalone.startswith("通过"), standalone
