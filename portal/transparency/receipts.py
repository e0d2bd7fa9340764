"""A resident's proof that their case is on the record: the receipt (受理回执) names the
leaf of the receipt event, and the tracking page offers its inclusion proof against the
latest signed head — checkable with the standalone verifier's functions, or by hand."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.transparency import heads, log, merkle

RECEIPT_ACTIONS = ("inquiry.submit", "inquiry.register")


def receipt_leaf(inquiry) -> int | None:
    """The leaf position of the event that recorded the inquiry's receipt."""
    event_hash = db.session.scalar(
        select(AuditEvent.hash).where(AuditEvent.object_type == "inquiries",
                                      AuditEvent.object_id == str(inquiry.id),
                                      AuditEvent.action.in_(RECEIPT_ACTIONS))
        .order_by(AuditEvent.id).limit(1))
    leaf = log.leaf_of(event_hash) if event_hash else None
    return leaf.index if leaf is not None else None


def proof(inquiry) -> dict | None:
    """The inclusion proof of the receipt event in the latest signed head that holds it,
    with that head; None before a head covers it (heads are signed at least hourly)."""
    index = receipt_leaf(inquiry)
    head = heads.head_covering(index) if index is not None else None
    if head is None:
        return None
    leaf = log.leaves(index, index + 1)[0]
    path = log.inclusion_proof(index, head.tree_size)
    if not merkle.verify_inclusion(leaf.leaf_hash, index, head.tree_size, path,
                                   bytes.fromhex(head.root_hash), log.hash_algorithm()):
        raise RuntimeError(f"the stored tree does not prove leaf {index}")  # never send it
    return {"受理编号": inquiry.number, "leaf_index": index, "event_hash": leaf.event_hash,
            "leaf_hash": leaf.leaf_hash.hex(), "tree_size": head.tree_size,
            "audit_path": [node.hex() for node in path], "head": heads.as_json(head),
            "log": heads.log_json(), "keys": heads.keys_json()}
