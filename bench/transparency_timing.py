"""The audit log's Merkle tree at ten million events: append and proof times.

    .venv/bin/python -m bench.transparency_timing     # BENCH_LOG_SIZE, default 10000000

Builds once, and keeps in bench/.data, a SQLite database at the current schema whose tree
holds BENCH_LOG_SIZE leaves: the real tables, filled directly the way migration 0019
carries existing events over (leaves plus every complete subtree's hash). Beside it, a
tree of BENCH_LOG_SMALL leaves (default 1000). Then, in process, the same operations on
both, side by side:

  append       log.append and the commit, as audit.record does for every event
  inclusion    an inclusion proof for a random leaf against the whole tree (checked)
  consistency  a consistency proof from a random earlier size to the whole tree (checked)
  endpoint     GET /transparency/proof/inclusion through the Flask test client

Prints medians and 99th percentiles; `make bench` puts them in bench/RESULTS.md, and
`--update-results` puts this measurement alone into the existing RESULTS.md. Each
run appends its samples to the cached trees, so they grow by a few hundred leaves a run.
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import flask, portal_env, schema_revision  # noqa: E402
from bench.settings import DATA, log  # noqa: E402

RUNS = int(os.environ.get("BENCH_LOG_RUNS", "300"))
BATCH = 50_000


def event_hash(n: int) -> str:
    """A stand-in for the n-th event's chained content hash (64 hex digits)."""
    return hashlib.sha256(b"bench-event-%d" % n).hexdigest()


def built_tree(size: int) -> Path:
    """bench/.data/log-<size>-<revision>.db with `size` leaves, built once."""
    cached = DATA / f"log-{size}-{schema_revision()}.db"
    if cached.exists():
        log(f"log {size:,}: reusing {cached.name}")
        return cached
    DATA.mkdir(parents=True, exist_ok=True)
    building = cached.with_suffix(".building")
    building.unlink(missing_ok=True)
    started = time.monotonic()
    flask("db", "upgrade", db_path=building)
    conn = sqlite3.connect(building)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-2000000")
    frontier: dict[int, bytes] = {}
    leaves, nodes = [], []
    for index in range(size):
        text = event_hash(index)
        node = hashlib.sha256(b"\x00" + text.encode("ascii")).digest()
        leaves.append((index, text, node))
        level, position = 0, index
        while position & 1:
            node = hashlib.sha256(b"\x01" + frontier.pop(level) + node).digest()
            level, position = level + 1, position >> 1
            nodes.append((level, position, node))
        frontier[level] = node
        if len(leaves) >= BATCH:
            _flush(conn, leaves, nodes)
            if index % 1_000_000 < BATCH:
                log(f"log {size:,}: {index + 1:,} leaves")
    _flush(conn, leaves, nodes)
    conn.close()
    building.rename(cached)
    log(f"log {size:,}: built in {time.monotonic() - started:.0f} s")
    return cached


def _flush(conn, leaves: list, nodes: list) -> None:
    conn.executemany('INSERT INTO merkle_leaves ("index", event_hash, leaf_hash) '
                     "VALUES (?, ?, ?)", leaves)
    conn.executemany('INSERT INTO merkle_nodes (level, "index", hash) VALUES (?, ?, ?)', nodes)
    conn.commit()
    leaves.clear()
    nodes.clear()


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"median_ms": statistics.median(ordered),
            "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
            "runs": len(ordered)}


def measure(paths: dict[str, Path]) -> dict:
    """Times of the four operations on each tree, in milliseconds, the trees taking turns
    sample by sample so that a noisy moment hits both alike."""
    from portal import create_app
    from portal.extensions import db
    from portal.transparency import log as tree
    from portal.transparency import merkle

    apps = {}
    for name, path in paths.items():
        os.environ.update(portal_env(path))
        apps[name] = create_app()
    timings = {name: {"append": [], "inclusion": [], "consistency": [], "endpoint": []}
               for name in paths}
    rng = random.Random(2026)

    def one_round(name: str, n: int) -> None:
        times = timings[name]
        with apps[name].app_context():
            size = tree.size()
            started = time.perf_counter()
            tree.append(event_hash(size + 10**12), size)
            db.session.commit()
            times["append"].append((time.perf_counter() - started) * 1000)
            size += 1
            root = tree.root(size)
            index = rng.randrange(size)
            started = time.perf_counter()
            path = tree.inclusion_proof(index, size)
            times["inclusion"].append((time.perf_counter() - started) * 1000)
            leaf = tree.leaves(index, index + 1)[0].leaf_hash
            assert merkle.verify_inclusion(leaf, index, size, path, root), index
            first = rng.randrange(1, size)
            started = time.perf_counter()
            proof = tree.consistency_proof(first, size)
            times["consistency"].append((time.perf_counter() - started) * 1000)
            assert merkle.verify_consistency(first, size, tree.root(first), root, proof), first
            db.session.rollback()
            client = apps[name].test_client()
            started = time.perf_counter()
            response = client.get(f"/transparency/proof/inclusion?index={rng.randrange(size)}"
                                  f"&tree_size={size}")
            times["endpoint"].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.data

    for n in range(RUNS):
        for name in paths:
            one_round(name, n)
    result = {}
    for name, app in apps.items():
        with app.app_context():
            result[name] = {"tree_size": tree.size(), **{
                operation: _percentiles(values) for operation, values in timings[name].items()}}
            db.session.remove()
            db.engine.dispose()
    return result


def run() -> dict:
    """Both trees measured in one run, taking turns; the ratios are what the O(log n)
    claim is about, and the large tree's proofs are held to 10 ms."""
    sizes = {"small": int(os.environ.get("BENCH_LOG_SMALL", "1000")),
             "large": int(os.environ.get("BENCH_LOG_SIZE", "10000000"))}
    paths = {name: built_tree(size) for name, size in sizes.items()}
    log(f"log: measuring {RUNS} rounds of each operation on both trees")
    return measure(paths)


def describe(result: dict) -> str:
    lines = []
    for name in ("append", "inclusion", "consistency", "endpoint"):
        small, large = result["small"][name], result["large"][name]
        lines.append(f"{name:<12} {result['small']['tree_size']:>12,} leaves "
                     f"median {small['median_ms']:7.3f} ms   "
                     f"{result['large']['tree_size']:>12,} leaves median "
                     f"{large['median_ms']:7.3f} ms (p99 {large['p99_ms']:.3f})   "
                     f"ratio {large['median_ms'] / small['median_ms']:.2f}")
    return "\n".join(lines)


def update_results(result: dict, path: Path = ROOT / "bench" / "RESULTS.md") -> None:
    """Put the log's section into an existing RESULTS.md (replacing an earlier one), for a
    run of this measurement alone; `make bench` writes it with everything else."""
    from datetime import date

    from bench import report

    section = "\n".join(report._transparency_section(result)) + (
        f"本节由 `python -m bench.transparency_timing --update-results` 于 {date.today()} 单独测得"
        "（机器上同时有其他任务时 p99 偏高），其余各节为上次 `make bench` 的结果。\n")
    text = path.read_text(encoding="utf-8")
    start = text.find("## 透明日志")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + text[end + 1:]
    anchor = text.find("## 目标")
    anchor = anchor if anchor >= 0 else len(text)
    path.write_text(text[:anchor] + section + "\n" + text[anchor:], encoding="utf-8")


if __name__ == "__main__":
    measured = run()
    print(describe(measured))
    if "--update-results" in sys.argv:
        update_results(measured)
