"""The appendix of a frozen report: where its 定稿 stands in the transparency log.

定稿 writes an audit event carrying the SHA-256 of the frozen figures; that event is a leaf
of the public Merkle log, and a tree head is signed right after it (`sign_after_freeze`).
The appendix names the leaf and the signed head that covers it, so an inspector or the
public can fetch an inclusion proof (/transparency/proof/inclusion) and check, with the
log's public key alone, that the figures filed are the figures frozen that day.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.errors import Conflict
from portal.extensions import db
from portal.transparency import heads
from portal.transparency.models import MerkleLeaf

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attestation:
    event_id: int
    leaf_index: int | None  # None: not yet a leaf (the log not set up)
    tree_size: int | None  # the signed head covering the leaf, if one is signed yet
    root_hash: str | None
    signed_at: datetime | None


def sign_after_freeze() -> None:
    """Sign a head covering the 定稿 just committed, when the log has a key. A failure to
    sign leaves the 定稿 standing (the hourly signing covers it) and is logged."""
    if heads.current_key() is None:
        return
    try:
        heads.sign_head()
    except Conflict as error:
        db.session.rollback()
        logger.warning("定稿后签发树头失败：%s", error)


def of_report(record) -> Attestation | None:
    """The latest 定稿 event of `record` (an AnnualReport) and where it is in the log."""
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "annual_report.finalize",
                                 AuditEvent.object_type == record.__tablename__,
                                 AuditEvent.object_id == str(record.id))
        .order_by(AuditEvent.id.desc()).limit(1))
    if event is None:
        return None
    index = db.session.scalar(select(MerkleLeaf.index)
                              .where(MerkleLeaf.event_hash == event.hash))
    head = heads.head_covering(index) if index is not None else None
    return Attestation(event_id=event.id, leaf_index=index,
                       tree_size=head.tree_size if head else None,
                       root_hash=head.root_hash if head else None,
                       signed_at=head.timestamp if head else None)
