"""The audit log as a Merkle tree: its leaves, the hashes of its complete subtrees, the
signed tree heads, the signing keys and the heads other servers countersigned. All
append-only: the database refuses updates and deletes (migration 0019)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class MerkleLeaf(db.Model):
    """Leaf `index` of the tree: the hash of one audit event (its chained content hash as
    leaf input). Kept when the event itself is purged, so every proof still works."""

    __tablename__ = "merkle_leaves"

    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_hash: Mapped[str] = mapped_column(String(64), unique=True)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class MerkleNode(db.Model):
    """The hash of the complete subtree of 2**level leaves starting at leaf
    index * 2**level, stored once its last leaf is appended (level ≥ 1)."""

    __tablename__ = "merkle_nodes"

    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogKey(db.Model):
    """A public key the log signs heads with. A new key is endorsed by the one before it
    (its public key signed with the old private key), so a reader who trusts the first
    key can follow every rotation."""

    __tablename__ = "log_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16))  # ed25519 / sm2
    public_key: Mapped[str] = mapped_column(Text)  # hex
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    endorsed_by_id: Mapped[int | None] = mapped_column(ForeignKey("log_keys.id"))
    endorsement: Mapped[str] = mapped_column(Text, default="")  # hex signature by the old key


class TreeHead(db.Model):
    """A signed tree head: size, root and time, signed by a log key."""

    __tablename__ = "tree_heads"

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int]
    root_hash: Mapped[str] = mapped_column(String(64))  # hex
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("log_keys.id"))
    signature: Mapped[str] = mapped_column(Text)  # hex


class Cosignature(db.Model):
    """A head of another server's log (a witness peer) this server checked and signed:
    consistent with every head of that log it signed before."""

    __tablename__ = "cosignatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(String(200))  # the peer's base URL
    tree_size: Mapped[int]
    root_hash: Mapped[str] = mapped_column(String(64))
    head_timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    peer_signature: Mapped[str] = mapped_column(Text)
    peer_algorithm: Mapped[str] = mapped_column(String(16))
    peer_key: Mapped[str] = mapped_column(Text)  # the peer's public key that signed the head
    key_id: Mapped[int] = mapped_column(ForeignKey("log_keys.id"))
    signature: Mapped[str] = mapped_column(Text)  # ours, over the same head
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
