"""An archive of the log for the standalone verifier (verify_log.py): the heads and keys as
published, every leaf hash, consistency proofs between successive heads and — for
inspectors with access to the server — the events themselves and the purge checkpoints.

`flask --app portal audit verify` writes one to a temporary folder and runs the same
verifier over it, after recomputing the hash chain, so the command and the standalone
program judge the same record by the same rules.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from sqlalchemy import select

from portal.audit.models import AuditCheckpoint, AuditEvent, canonical_fields
from portal.extensions import db
from portal.transparency import heads, log
from portal.transparency.models import MerkleLeaf

BATCH = 5000


def write(folder: Path, *, events: bool) -> dict:
    """Write the archive; returns counts. `events` adds the events and checkpoints."""
    folder.mkdir(parents=True, exist_ok=True)
    signed = heads.all_heads()
    document = {"log": heads.log_json(), "keys": heads.keys_json(),
                "heads": [heads.as_json(head) for head in signed]}
    (folder / "heads.json").write_text(json.dumps(document, ensure_ascii=False, indent=1),
                                       encoding="utf-8")
    leaves = [row.hex() for row in db.session.scalars(
        select(MerkleLeaf.leaf_hash).order_by(MerkleLeaf.index))]
    (folder / "leaves.json").write_text(json.dumps({"leaf_hashes": leaves}), encoding="utf-8")
    size = len(leaves)  # heads larger than the log (a truncated tail) get no proof
    proofs = _consistency_proofs(folder, sorted({h.tree_size for h in signed
                                                 if h.tree_size <= size}))
    counts = {"heads": len(signed), "leaves": len(leaves), "proofs": proofs}
    if events:
        counts["events"] = _events(folder / "events.jsonl")
        _checkpoints(folder / "checkpoints.json")
    return counts


def _consistency_proofs(folder: Path, sizes: list[int]) -> int:
    count = 0
    for first, second in itertools.pairwise(sizes):
        if first == 0:
            continue
        proof = {"first": first, "second": second,
                 "first_root": log.root(first).hex(), "second_root": log.root(second).hex(),
                 "consistency_path": [n.hex() for n in log.consistency_proof(first, second)]}
        (folder / f"consistency-{first}-{second}.json").write_text(json.dumps(proof))
        count += 1
    return count


def _events(path: Path) -> int:
    table, last_id, count = AuditEvent.__table__, 0, 0
    with path.open("w", encoding="utf-8") as out:
        while True:
            rows = db.session.execute(select(table).where(table.c.id > last_id)
                                      .order_by(table.c.id).limit(BATCH)).mappings().all()
            if not rows:
                return count
            for row in rows:
                record = {"id": row["id"], "hash": row["hash"], **canonical_fields(row)}
                out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
                last_id, count = row["id"], count + 1


def _checkpoints(path: Path) -> None:
    rows = []
    for checkpoint in db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        leaf = log.leaf_of(checkpoint.last_purged_hash)
        rows.append({"id": checkpoint.id, "last_purged_id": checkpoint.last_purged_id,
                     "last_purged_hash": checkpoint.last_purged_hash,
                     "leaves_before": leaf.index + 1 if leaf is not None else 0})
    path.write_text(json.dumps(rows), encoding="utf-8")
