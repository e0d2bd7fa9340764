"""Signing tree heads and the keys that sign them.

A tree head says "the log had n leaves and this root at this time", signed. The portal
signs one at least hourly and at each day's end (`flask transparency sign-head`, run by
the scheduler, and `sign_if_due`, run by the notification worker) and publishes every
head it ever signed at /transparency/; anyone who keeps
them can later prove the log was rewritten, truncated or forked. Heads are not themselves
audit events: signing one adds nothing to the tree, so a quiet log keeps its root.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import audit
from portal.audit.services import lock_chain
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.errors import Conflict
from portal.extensions import db
from portal.timeutil import utcnow
from portal.transparency import log, signing
from portal.transparency.models import LogKey, TreeHead


def current_key() -> LogKey | None:
    return db.session.scalar(select(LogKey).order_by(LogKey.id.desc()).limit(1))


def keygen(actor) -> LogKey:
    """Make the log's first signing key (the file 0600) and publish its public key.
    Requires `admin`. Raises Conflict when the log has a key (rotate it instead)."""
    require(actor, Role.ADMIN, None, action="transparency.keygen")
    if current_key() is not None:
        raise Conflict("审计日志已有签名密钥；如需更换请使用 rotate-key。")
    algorithm = check_algorithm(_algorithm())
    key = signing.new_key(algorithm)
    signing.save_key(key, signing.key_path())
    row = LogKey(algorithm=algorithm, public_key=key.public_hex())
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "transparency.keygen", row,
                 after={"algorithm": algorithm, "public_key": row.public_key})
    db.session.commit()
    return row


def rotate_key(actor) -> LogKey:
    """Replace the signing key: the new public key is published endorsed by the old
    (signed with it), the old file kept beside as `<name>.retired-<id>`. Requires
    `admin`."""
    require(actor, Role.ADMIN, None, action="transparency.rotate_key")
    old_row = _checked_key()
    path = signing.key_path()
    old = signing.load_key(path)
    new = signing.new_key(old_row.algorithm)
    public = new.public_hex()
    endorsement = old.sign(signing.key_message(signing.origin(), new.algorithm, public))
    path.rename(path.with_name(f"{path.name}.retired-{old_row.id}"))
    signing.save_key(new, path)
    row = LogKey(algorithm=new.algorithm, public_key=public, endorsed_by_id=old_row.id,
                 endorsement=endorsement)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "transparency.rotate_key", row,
                 after={"public_key": public, "endorsed_by": old_row.id})
    db.session.commit()
    return row


def _algorithm() -> str:
    from flask import current_app

    return current_app.config["TRANSPARENCY_ALGORITHM"]


def check_algorithm(algorithm: str) -> str:
    """`algorithm` if the log can be signed with it: the configured one, and the one whose
    hash the tree was built with. TRANSPARENCY_ALGORITHM is chosen once, before the first
    key; changing it later would make every published head unverifiable."""
    configured = _algorithm()
    if algorithm != configured:
        raise Conflict(f"签名密钥的算法是 {algorithm}，TRANSPARENCY_ALGORITHM 现为 {configured}："
                       f"算法一经选定不能更改，拒绝签名。请改回 {algorithm}。")
    if log.HASHES[algorithm] != log.hash_algorithm():
        raise Conflict(f"审计日志的默克尔树按 {log.hash_algorithm()} 建立，"
                       f"与 TRANSPARENCY_ALGORITHM={configured} 不符："
                       "算法一经选定不能更改，拒绝生成密钥或签名。")
    return algorithm


def _checked_key() -> LogKey:
    row = current_key()
    if row is None:
        raise Conflict("审计日志还没有签名密钥，请先运行 flask --app portal transparency keygen。")
    check_algorithm(row.algorithm)
    if signing.load_key().public_hex() != row.public_key:
        raise Conflict("签名密钥文件与已公布的公钥不符，拒绝签名。请检查 TRANSPARENCY_KEY_FILE。")
    return row


def sign_head() -> TreeHead:
    """Sign and publish the head of the log as it stands. Run by the scheduler and the
    command line (the server itself: no user). Raises Conflict without a usable key."""
    row = _checked_key()
    lock_chain()  # a consistent tree: no event is appended while the root is read
    size = log.size()
    root_hex = log.root(size).hex()
    now = utcnow()
    timestamp = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as published
    message = signing.head_message(signing.origin(), size, root_hex, signing.millis(timestamp))
    head = TreeHead(tree_size=size, root_hash=root_hex, timestamp=timestamp, key_id=row.id,
                    signature=signing.load_key().sign(message))
    db.session.add(head)
    db.session.commit()
    return head


def sign_if_due(now=None, *, every=timedelta(minutes=50)) -> TreeHead | None:
    """The worker's hourly head: signed unless there is no key yet, or the latest head is
    recent and the log has not grown since (so the worker and a systemd timer running
    side by side do not double the heads)."""
    if current_key() is None:
        return None
    now = now or utcnow()
    latest = latest_head()
    if latest is not None and latest.tree_size == log.size() \
            and now - latest.timestamp < every:
        return None
    return sign_head()


def latest_head() -> TreeHead | None:
    return db.session.scalar(select(TreeHead).order_by(TreeHead.id.desc()).limit(1))


def all_heads() -> list[TreeHead]:
    return list(db.session.scalars(select(TreeHead).order_by(TreeHead.id)))


def all_keys() -> list[LogKey]:
    return list(db.session.scalars(select(LogKey).order_by(LogKey.id)))


def head_covering(index: int) -> TreeHead | None:
    """The latest signed head whose tree includes leaf `index`."""
    return db.session.scalar(select(TreeHead).where(TreeHead.tree_size > index)
                             .order_by(TreeHead.id.desc()).limit(1))


def as_json(head: TreeHead) -> dict:
    return {"tree_size": head.tree_size, "root_hash": head.root_hash,
            "timestamp": head.timestamp.isoformat(timespec="milliseconds"),
            "timestamp_ms": signing.millis(head.timestamp), "key_id": head.key_id,
            "signature": head.signature}


def keys_json() -> list[dict]:
    """The published keys, each endorsed by the one before."""
    return [{"id": key.id, "algorithm": key.algorithm, "public_key": key.public_key,
             "created_at": key.created_at.isoformat(), "endorsed_by": key.endorsed_by_id,
             "endorsement": key.endorsement} for key in all_keys()]


def log_json() -> dict:
    """What a verifier needs to know of this log: its name, hash, signature, formats."""
    return {"origin": signing.origin(), "hash": log.hash_algorithm(),
            "signature": key.algorithm if (key := current_key()) else _algorithm(),
            "leaf_input": "审计事件的链式内容哈希（64 位十六进制，ASCII）",
            "signed_message": "portal-tree-head/v1\\n{origin}\\n{tree_size}\\n{root_hash}\\n"
                              "{timestamp_ms}\\n"}
