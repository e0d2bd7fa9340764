"""The audit log as an append-only Merkle tree (RFC 9162): appending a leaf for every audit
event, and reading roots and proofs.

Every audit event (`portal.audit.services.record`) becomes leaf number n, in the same
transaction and under the same lock that orders the hash chain, so leaf order is event
order. The leaf input is the event's chained content hash (64 hex characters): the chain
stays a view over the tree — each event names its predecessor's hash — and a verifier
recomputes the content hash from the event's fields, then the leaf. Appending stores the
leaf and each complete subtree it closes (at most log2 n nodes, one on average), so
roots and proofs read O(log n) stored hashes and nothing is recomputed from the leaves.

The hash is SHA-256, or SM3 where the deployment signs with SM2 (TRANSPARENCY_ALGORITHM;
fixed for the log's life: a log is never rehashed).
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select, text

from portal.extensions import db
from portal.transparency import merkle
from portal.transparency.models import MerkleLeaf, MerkleNode

HASHES = {"ed25519": "sha256", "sm2": "sm3"}


def hash_algorithm() -> str:
    """The tree's hash function. Fixed by the first leaf once there is one, whatever the
    configuration says later: a tree cannot change its hash half way (signing then
    refuses, see heads.check_algorithm)."""
    known = current_app.extensions.get("transparency_hash")
    if known:
        return known
    first = db.session.scalar(select(MerkleLeaf).where(MerkleLeaf.index == 0))
    if first is None:
        return HASHES[current_app.config["TRANSPARENCY_ALGORITHM"]]
    for name in HASHES.values():
        if merkle.leaf_hash(leaf_input(first.event_hash), name) == first.leaf_hash:
            current_app.extensions["transparency_hash"] = name
            return name
    return HASHES[current_app.config["TRANSPARENCY_ALGORITHM"]]  # verification will say why


def leaf_input(event_hash: str) -> bytes:
    return event_hash.encode("ascii")


def size() -> int:
    """How many leaves the tree has now (in this transaction)."""
    last = db.session.scalar(select(last_index()))
    return 0 if last is None else last + 1


def last_index():
    """The highest leaf index (NULL: an empty tree), to be read in one statement with
    the chain's head under the chain's lock."""
    return select(func.max(MerkleLeaf.index)).scalar_subquery()


def append(event_hash: str, index: int) -> int:
    """Add the leaf of an audit event at `index`, the tree's size the caller read under
    the chain's lock (`last_index`), and the subtrees it completes; returns the index.
    The caller holds the lock and commits. The left siblings are read in one statement:
    the writers queue on the lock, so every statement under it counts."""
    algorithm = hash_algorithm()
    closed = _closed_levels(index)
    siblings = _fetch({(level, (index >> level) - 1) for level in range(closed)})
    node = merkle.leaf_hash(leaf_input(event_hash), algorithm)
    db.session.add(MerkleLeaf(index=index, event_hash=event_hash, leaf_hash=node))
    for level in range(closed):  # a right child closes its parent
        left = siblings.get((level, (index >> level) - 1))
        if left is None:
            raise LookupError(f"no subtree hash at level {level}, index {(index >> level) - 1}")
        node = merkle.node_hash(left, node, algorithm)
        db.session.add(MerkleNode(level=level + 1, index=index >> (level + 1), hash=node))
    return index


def _closed_levels(index: int) -> int:
    """How many subtrees leaf `index` completes: its trailing one bits."""
    return (index ^ (index + 1)).bit_length() - 1


def _batched(compute):
    """`compute(nodes)` with every stored hash it needs read in two queries, not one
    query per node: a first pass with placeholders names the nodes (which ones depends
    only on positions, never on hashes), the second computes with the real ones."""
    wanted: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        wanted.add((level, index))
        return bytes(32)

    compute(record)
    found = _fetch(wanted)

    def stored(level: int, index: int) -> bytes:
        try:
            return found[(level, index)]
        except KeyError:
            raise LookupError(f"no subtree hash at level {level}, index {index}") from None

    return compute(stored)


def _fetch(wanted: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored hashes at `wanted` (level, index) positions, in one statement (leaves
    and nodes joined by UNION ALL). Plain SQL: an expression tree of ~50 OR terms costs
    the ORM milliseconds to build, the database microseconds to answer (each term one
    primary-key lookup)."""
    params: dict[str, int] = {}
    parts = []
    leaf_indexes = sorted(index for level, index in wanted if level == 0)
    if leaf_indexes:
        names = {f"i{n}": index for n, index in enumerate(leaf_indexes)}
        params.update(names)
        placeholders = ", ".join(f":{name}" for name in names)
        leaves = ('SELECT 0 AS level, "index", leaf_hash AS hash FROM merkle_leaves '
                  f'WHERE "index" IN ({placeholders})')  # nosec B608
        parts.append(leaves)
    terms = []
    for n, (level, index) in enumerate(sorted(pair for pair in wanted if pair[0] > 0)):
        params[f"l{n}"], params[f"j{n}"] = level, index
        terms.append(f'(level = :l{n} AND "index" = :j{n})')
    if terms:
        nodes = 'SELECT level, "index", hash FROM merkle_nodes WHERE ' + " OR ".join(terms)  # nosec B608
        parts.append(nodes)
    if not parts:
        return {}
    # Only generated :iN/:lN/:jN placeholder names are joined in; every value is bound.
    rows = db.session.execute(text(" UNION ALL ".join(parts)), params)
    return {(level, index): bytes(value) for level, index, value in rows}


def root(tree_size: int) -> bytes:
    algorithm = hash_algorithm()
    return _batched(lambda nodes: merkle.root(tree_size, nodes, algorithm))


def inclusion_proof(index: int, tree_size: int) -> list[bytes]:
    algorithm = hash_algorithm()
    return _batched(lambda nodes: merkle.inclusion_proof(index, tree_size, nodes, algorithm))


def consistency_proof(first: int, second: int) -> list[bytes]:
    algorithm = hash_algorithm()
    return _batched(lambda nodes: merkle.consistency_proof(first, second, nodes, algorithm))


def leaf_of(event_hash: str) -> MerkleLeaf | None:
    return db.session.scalar(select(MerkleLeaf).where(MerkleLeaf.event_hash == event_hash))


def leaves(start: int, end: int) -> list[MerkleLeaf]:
    return list(db.session.scalars(select(MerkleLeaf).where(
        MerkleLeaf.index >= start, MerkleLeaf.index < end).order_by(MerkleLeaf.index)))
