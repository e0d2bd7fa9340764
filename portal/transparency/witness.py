"""Witnessing: another server (the county's, a neighbouring county's) keeps this log
honest by countersigning its heads, and this server does the same for it.

`witness(peer)` fetches the peer's latest signed head, checks the signature with the
peer's key (the key first seen, or one it endorsed since), checks with a consistency proof
from the peer that the new head extends the last head witnessed here, and only then signs
the head with this log's key. A peer whose log shrank or forked is refused, and the refusal
is audited. Countersignatures are published at /transparency/cosignatures.json, so anyone
can see that two independent servers saw the same log.
"""

from __future__ import annotations

import itertools
import json
import urllib.request
from datetime import datetime

from sqlalchemy import select

from portal import audit
from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.transparency import heads, merkle, signing
from portal.transparency.models import Cosignature

TIMEOUT_SECONDS = 20


def _fetch(url: str) -> dict:
    if not url.startswith(("http://", "https://")):
        raise ValidationError("见证对象应为 http:// 或 https:// 开头的网址。")
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # nosec B310
        return json.loads(response.read().decode("utf-8"))


def witness(peer: str) -> Cosignature:
    """Countersign `peer`'s latest head after checking it. Raises Conflict (audited) when
    the peer's log does not extend what was witnessed before."""
    peer = peer.rstrip("/")
    document = _fetch(f"{peer}/transparency/heads.json")
    origin = document["log"]["origin"]
    if not document["heads"]:
        raise Conflict(f"{peer} 还没有签名的树头。")
    head = document["heads"][-1]
    last = db.session.scalar(select(Cosignature).where(Cosignature.origin == peer)
                             .order_by(Cosignature.id.desc()).limit(1))
    key = _key_for(peer, origin, document["keys"], last)
    message = signing.head_message(origin, head["tree_size"], head["root_hash"],
                                   head["timestamp_ms"])
    if not signing.verify(key["algorithm"], key["public_key"], message, head["signature"]):
        raise _refused(peer, "树头签名无效")
    if last is not None:
        _check_extends(peer, document["log"]["hash"], last, head)
    mine = heads._checked_key()
    cosignature = Cosignature(
        origin=peer, tree_size=head["tree_size"], root_hash=head["root_hash"],
        head_timestamp=datetime.fromisoformat(head["timestamp"]),
        peer_signature=head["signature"], peer_algorithm=key["algorithm"],
        peer_key=key["public_key"], key_id=mine.id,
        signature=signing.load_key().sign(message))
    db.session.add(cosignature)
    db.session.commit()
    return cosignature


def _key_for(peer: str, origin: str, keys: list[dict], last: Cosignature | None) -> dict:
    if not keys:
        raise _refused(peer, "没有公布签名公钥")
    trusted = last.peer_key if last is not None else keys[0]["public_key"]
    for previous, key in itertools.pairwise(keys):
        endorsed = signing.verify(previous["algorithm"], previous["public_key"],
                                  signing.key_message(origin, key["algorithm"],
                                                      key["public_key"]), key["endorsement"])
        if previous["public_key"] == trusted and endorsed:
            trusted = key["public_key"]
    if keys[-1]["public_key"] != trusted:
        raise _refused(peer, "现用的签名公钥没有经此前见证过的公钥背书")
    return keys[-1]


def _check_extends(peer: str, algorithm: str, last: Cosignature, head: dict) -> None:
    if head["tree_size"] < last.tree_size:
        raise _refused(peer, f"日志由 {last.tree_size} 个叶子变为 {head['tree_size']} 个："
                             "尾部被截断")
    if head["tree_size"] == last.tree_size:
        if head["root_hash"] != last.root_hash:
            raise _refused(peer, f"大小 {last.tree_size} 的树头根哈希与此前见证的不同：日志分叉")
        return
    proof = _fetch(f"{peer}/transparency/proof/consistency?first={last.tree_size}"
                   f"&second={head['tree_size']}")
    if not merkle.verify_consistency(
            last.tree_size, head["tree_size"], bytes.fromhex(last.root_hash),
            bytes.fromhex(head["root_hash"]),
            [bytes.fromhex(node) for node in proof["consistency_path"]], algorithm):
        raise _refused(peer, f"新树头（大小 {head['tree_size']}）与此前见证的树头"
                             f"（大小 {last.tree_size}）不一致：日志被改写")


def _refused(peer: str, reason: str) -> Conflict:
    error = Conflict(f"拒绝副署 {peer} 的树头：{reason}。")
    db.session.rollback()
    audit.record(None, "transparency.witness_refused", None,
                 after={"peer": peer, "reason": reason})
    db.session.commit()
    return error


def published() -> list[dict]:
    """What this server countersigned, for /transparency/cosignatures.json."""
    rows = db.session.scalars(select(Cosignature).order_by(Cosignature.id))
    return [{"origin": row.origin, "tree_size": row.tree_size, "root_hash": row.root_hash,
             "head_timestamp": row.head_timestamp.isoformat(timespec="milliseconds"),
             "peer_signature": row.peer_signature, "peer_key": row.peer_key,
             "key_id": row.key_id, "signature": row.signature,
             "signed_at": row.signed_at.isoformat(timespec="seconds")} for row in rows]
