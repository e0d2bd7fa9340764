#!/usr/bin/env python3
"""审计日志独立校验程序 — a verifier of the portal's audit log that trusts nothing the
portal says, for a county 纪委, a journalist or anyone who kept its signed tree heads.

It needs Python 3.10+ and the `cryptography` package (and `gmssl` for a log signed with
SM2); it imports nothing of the portal. Usage:

    python3 verify_log.py ARCHIVE_DIR

ARCHIVE_DIR holds what you saved, any of:
- heads*.json: downloads of https://<site>/transparency/heads.json, taken at different
  times (keep every one: together they are your record of what the log promised);
- leaves.json: {"leaf_hashes": [...]}, every leaf of the log now (from /transparency/leaves,
  page by page, or `flask --app portal transparency archive`);
- events.jsonl: the audit events themselves, one JSON object a line (only from the
  server's `flask --app portal transparency archive`, for inspectors with access);
- checkpoints.json: the purge checkpoints (from the same command).

It reports the first problem, naming the position, and exits 1; or exits 0 with a summary:
- a key not endorsed by the key before it, a head whose signature does not verify;
- a forked log: two heads of the same size with different roots;
- a head that is not consistent with an earlier one, or with the leaves: the log was
  rewritten; a head larger than the log: the tail was truncated;
- an event whose content does not match its hash, a broken chain, an event whose leaf is
  not where it should be, a leaf whose event is missing: altered or deleted events;
- a purge checkpoint that no purge event in the log announces: forged.

The rules (RFC 9162 §2.1): leaf hash = H(0x00 || leaf input), node hash = H(0x01 || left ||
right), H = SHA-256 (SM3 for SM2 logs); the leaf input of event n is its chained content
hash, the SHA-256 of its canonical JSON; a head's signature covers the text
"portal-tree-head/v1\\n{origin}\\n{tree_size}\\n{root_hash}\\n{timestamp_ms}\\n".
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
from pathlib import Path

EVENT_FIELDS = ("occurred_at", "actor_id", "actor_name", "action", "object_type", "object_id",
                "before", "after", "result", "message", "client_addr", "prev_hash")
GENESIS = "0" * 64


class Problem(Exception):
    """The first thing found wrong, with where."""


def leaf_hash(data: bytes, algorithm: str) -> bytes:
    return hashlib.new(algorithm, b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes, algorithm: str) -> bytes:
    return hashlib.new(algorithm, b"\x01" + left + right).digest()


def split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def tree_root(leaves, algorithm: str) -> bytes:
    if not leaves:
        return hashlib.new(algorithm, b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(tree_root(leaves[:k], algorithm), tree_root(leaves[k:], algorithm),
                     algorithm)


def prefix_roots(leaves, sizes, algorithm: str) -> dict:
    """The root of every prefix size asked for, in one pass over the leaves (a stack of
    complete subtrees, as appending builds the tree)."""
    wanted, found, stack = sorted(set(sizes)), {}, []
    position = 0
    for size in wanted:
        while position < size:
            node, height = leaves[position], 0
            while stack and stack[-1][1] == height:
                node = node_hash(stack.pop()[0], node, algorithm)
                height += 1
            stack.append((node, height))
            position += 1
        root = None
        for node, _height in reversed(stack):
            root = node if root is None else node_hash(node, root, algorithm)
        found[size] = root if root is not None else hashlib.new(algorithm, b"").digest()
    return found


def signature_valid(algorithm: str, public_hex: str, message: bytes, signature: str) -> bool:
    try:
        if algorithm == "ed25519":
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

            Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(
                bytes.fromhex(signature), message)
            return True
        from gmssl import sm2

        return bool(sm2.CryptSM2(public_key=public_hex, private_key="").verify_with_sm3(
            signature, message))
    except Exception:
        return False


def head_message(origin: str, head: dict) -> bytes:
    return (f"portal-tree-head/v1\n{origin}\n{head['tree_size']}\n{head['root_hash']}\n"
            f"{head['timestamp_ms']}\n").encode()


def load_heads(folder: Path) -> tuple[dict, list, list]:
    log, keys, heads = None, {}, []
    for path in sorted(folder.glob("heads*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        log = log or document["log"]
        for key in document["keys"]:
            keys[key["id"]] = key
        heads += [dict(head, source=path.name) for head in document["heads"]]
    if log is None:
        raise Problem("档案中没有 heads.json：至少需要一份树头下载。")
    return log, [keys[k] for k in sorted(keys)], heads


def check_keys(log: dict, keys: list) -> None:
    for previous, key in itertools.pairwise(keys):
        message = (f"portal-log-key/v1\n{log['origin']}\n{key['algorithm']}\n"
                   f"{key['public_key']}\n").encode()
        if key.get("endorsed_by") != previous["id"] or not signature_valid(
                previous["algorithm"], previous["public_key"], message, key["endorsement"]):
            raise Problem(f"密钥 #{key['id']} 没有经上一密钥 #{previous['id']} 签名背书。")


def check_heads(log: dict, keys: list, heads: list) -> None:
    by_id = {key["id"]: key for key in keys}
    for head in heads:
        key = by_id.get(head["key_id"])
        if key is None or not signature_valid(key["algorithm"], key["public_key"],
                                              head_message(log["origin"], head),
                                              head["signature"]):
            raise Problem(f"树头（大小 {head['tree_size']}，{head['timestamp']}，来自 "
                          f"{head['source']}）的签名无效。")
    roots: dict = {}
    for head in sorted(heads, key=lambda h: h["tree_size"]):
        earlier = roots.setdefault(head["tree_size"], head["root_hash"])
        if earlier != head["root_hash"]:
            raise Problem(f"日志分叉：大小为 {head['tree_size']} 的两个树头根哈希不同"
                          f"（{earlier[:16]}… 与 {head['root_hash'][:16]}…）。")


def check_leaves(log: dict, heads: list, leaves: list) -> None:
    algorithm = log["hash"]
    fitting = [h for h in heads if h["tree_size"] <= len(leaves)]
    roots = prefix_roots(leaves, [h["tree_size"] for h in fitting], algorithm)
    good = 0
    for head in sorted(fitting, key=lambda h: h["tree_size"]):
        if roots[head["tree_size"]].hex() != head["root_hash"]:
            raise Problem(f"日志被改写：前 {head['tree_size']} 个叶子的根哈希与 "
                          f"{head['timestamp']} 签名的树头不一致（改动位于第 {good} 至第 "
                          f"{head['tree_size'] - 1} 个叶子之间）。")
        good = head["tree_size"]
    too_big = [h for h in heads if h["tree_size"] > len(leaves)]
    if too_big:
        head = min(too_big, key=lambda h: h["tree_size"])
        raise Problem(f"日志尾部被截断（或有记录被删除）：已签名的树头有 {head['tree_size']} "
                      f"个叶子，现在只有 {len(leaves)} 个；前 {good} 个叶子与签名一致，"
                      f"此后的记录缺失或被改动。")


def verify_consistency(first, second, first_root, second_root, path, algorithm) -> bool:
    """RFC 9162 §2.1.4.2."""
    if first == second:
        return not path and first_root == second_root
    if not 0 < first < second or not path:
        return False
    path = list(path)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(node, fr, algorithm), node_hash(node, sr, algorithm)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, node, algorithm)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


def check_proofs(log: dict, heads: list, folder: Path) -> int:
    """Consistency proofs saved from /transparency/proof/consistency between heads."""
    roots = {head["tree_size"]: head["root_hash"] for head in heads}
    count = 0
    for path in sorted(folder.glob("consistency*.json")):
        proof = json.loads(path.read_text(encoding="utf-8"))
        first, second = proof["first"], proof["second"]
        first_root = roots.get(first, proof["first_root"])
        second_root = roots.get(second, proof["second_root"])
        if not verify_consistency(first, second, bytes.fromhex(first_root),
                                  bytes.fromhex(second_root),
                                  [bytes.fromhex(n) for n in proof["consistency_path"]],
                                  log["hash"]):
            raise Problem(f"大小 {second} 的树头与之前大小 {first} 的树头不一致（{path.name}）："
                          "日志在两次签名之间被改写。")
        count += 1
    return count


def content_hash(event: dict) -> str:
    fields = {name: event[name] for name in EVENT_FIELDS}
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def check_events(log: dict, leaves: list, events: list, checkpoints: list) -> None:
    algorithm = log["hash"]
    purged = _announced_purges(events, checkpoints)
    positions = {leaf: index for index, leaf in enumerate(leaves)}
    previous = None
    for event in events:
        if content_hash(event) != event["hash"]:
            raise Problem(f"事件 #{event['id']} 的内容与其哈希不符：记录被改动。")
        if previous is not None and event["prev_hash"] != previous["hash"]:
            raise Problem(f"事件 #{event['id']} 与前一条事件 #{previous['id']} 的链接断开："
                          "中间有记录被删除。")
        index = positions.get(leaf_hash(event["hash"].encode("ascii"), algorithm))
        if index is None:
            raise Problem(f"事件 #{event['id']} 不在日志的叶子中：记录被改动或伪造。")
        previous = event
    present = {leaf_hash(e["hash"].encode("ascii"), algorithm) for e in events}
    for index, leaf in enumerate(leaves):
        if leaf not in present and index >= purged:
            raise Problem(f"第 {index} 个叶子的事件不见了：记录被删除"
                          f"（经公告的清理只到第 {purged} 个叶子之前）。")


def _announced_purges(events: list, checkpoints: list) -> int:
    """Leaves before this position may lack their events: each purge is announced by an
    `audit.purge` event in the log itself; a checkpoint without one is forged."""
    announced = {e["after"]["through_id"]: e["after"]["purged"] for e in events
                 if e["action"] == "audit.purge" and isinstance(e.get("after"), dict)}
    total = 0
    for checkpoint in checkpoints:
        count = announced.get(checkpoint["last_purged_id"])
        if count is None:
            raise Problem(f"清理检查点 #{checkpoint['id']}（清理到事件 "
                          f"#{checkpoint['last_purged_id']}）在日志中没有对应的清理事件："
                          "检查点是伪造的。")
        total = max(total, checkpoint["leaves_before"])
    return total


def verify(folder: Path) -> str:
    log, keys, heads = load_heads(folder)
    check_keys(log, keys)
    check_heads(log, keys, heads)
    summary = f"{len(heads)} 个树头签名有效、互不矛盾"
    leaves_file = folder / "leaves.json"
    if not leaves_file.exists():
        proofs = check_proofs(log, heads, folder)
        return summary + (f"；{proofs} 个一致性证明有效" if proofs else "")
    if leaves_file.exists():
        leaves = [bytes.fromhex(h) for h in json.loads(leaves_file.read_text())["leaf_hashes"]]
        check_leaves(log, heads, leaves)
        summary += f"；{len(leaves)} 个叶子与全部树头一致"
        events_file = folder / "events.jsonl"
        if events_file.exists():
            events = [json.loads(line) for line in events_file.read_text(encoding="utf-8")
                      .splitlines() if line.strip()]
            checkpoints_file = folder / "checkpoints.json"
            checkpoints = (json.loads(checkpoints_file.read_text())
                           if checkpoints_file.exists() else [])
            check_events(log, leaves, events, checkpoints)
            summary += f"；{len(events)} 条事件内容、链接和位置完好"
    return summary


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        print("校验通过：" + verify(Path(argv[1])))
    except Problem as problem:
        print(f"校验不通过：{problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
