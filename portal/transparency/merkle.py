"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1, pure functions.

- A leaf's hash is H(0x00 || leaf input); an inner node's H(0x01 || left || right); the
  hash of an empty tree is H("").
- The tree over n leaves splits at k, the largest power of two smaller than n: the left
  subtree holds leaves [0, k), the right [k, n).
- An inclusion proof (audit path) for leaf m in a tree of size n, and a consistency proof
  between sizes m ≤ n, are lists of node hashes, computed as in RFC 9162 §2.1.3 and
  §2.1.4 and checked by the algorithms of §2.1.3.2 and §2.1.4.2.

`H` is SHA-256 by default; a deployment that must use 国密 (GB/T 39786-2021) uses SM3. The
functions take the hash by name so the same code serves both, and a standalone verifier
(tools/verify_log.py) repeats them without importing the portal.

Subtree hashes come from a `nodes(level, index)` callable: the hash of the complete
subtree of 2**level leaves starting at leaf index * 2**level (the portal stores each one
once, when its last leaf is appended).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
Nodes = Callable[[int, int], bytes]


def leaf_hash(data: bytes, algorithm: str = "sha256") -> bytes:
    return hashlib.new(algorithm, LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes, algorithm: str = "sha256") -> bytes:
    return hashlib.new(algorithm, NODE_PREFIX + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_hash(start: int, end: int, nodes: Nodes, algorithm: str = "sha256") -> bytes:
    """MTH of leaves [start, end), where `start` is aligned as the recursion leaves it (a
    multiple of the largest power of two not above end - start): complete aligned
    subtrees are read from `nodes`, the rest folded from them."""
    size = end - start
    if size == 0:
        return hashlib.new(algorithm, b"").digest()
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return nodes(level, start >> level)
    k = split(size)
    return node_hash(subtree_hash(start, start + k, nodes, algorithm),
                     subtree_hash(start + k, end, nodes, algorithm), algorithm)


def root(size: int, nodes: Nodes, algorithm: str = "sha256") -> bytes:
    return subtree_hash(0, size, nodes, algorithm)


def inclusion_proof(index: int, size: int, nodes: Nodes,
                    algorithm: str = "sha256") -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1, leaf-side first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            path.append(subtree_hash(start + k, end, nodes, algorithm))
            end = start + k
        else:
            path.append(subtree_hash(start, start + k, nodes, algorithm))
            start = start + k
    return list(reversed(path))


def consistency_proof(first: int, second: int, nodes: Nodes,
                      algorithm: str = "sha256") -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1 for 0 < m ≤ n."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    return _subproof(first, 0, second, True, nodes, algorithm)


def _subproof(m: int, start: int, end: int, whole: bool, nodes: Nodes,
              algorithm: str) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if whole else [subtree_hash(start, end, nodes, algorithm)]
    k = split(n)
    if m <= k:
        return [*_subproof(m, start, start + k, whole, nodes, algorithm),
                subtree_hash(start + k, end, nodes, algorithm)]
    return [*_subproof(m - k, start + k, end, False, nodes, algorithm),
            subtree_hash(start, start + k, nodes, algorithm)]


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes],
                     expected_root: bytes, algorithm: str = "sha256") -> bool:
    """RFC 9162 §2.1.3.2: whether `path` proves `leaf` (a leaf hash) at `index`."""
    if not 0 <= index < size:
        return False
    fn, sn, node = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node, algorithm)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            node = node_hash(node, sibling, algorithm)
        fn >>= 1
        sn >>= 1
    return sn == 0 and node == expected_root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes], algorithm: str = "sha256") -> bool:
    """RFC 9162 §2.1.4.2: whether `proof` shows the tree of size `first` with
    `first_root` is a prefix of the tree of size `second` with `second_root`."""
    if first == second:
        return not proof and first_root == second_root
    if not 0 < first < second or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root is itself on the path
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr, algorithm)
            sr = node_hash(node, sr, algorithm)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, node, algorithm)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def tree_root(leaves: Sequence[bytes], algorithm: str = "sha256") -> bytes:
    """MTH over leaf hashes held in memory (for tests and small archives)."""
    if not leaves:
        return hashlib.new(algorithm, b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(tree_root(leaves[:k], algorithm), tree_root(leaves[k:], algorithm),
                     algorithm)
