"""The tree follows RFC 9162: the known answers of its reference test vectors, and for
random sizes every inclusion and consistency proof verifies — and fails when anything
in it changes."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.transparency import merkle

# RFC 6962 / 9162 reference leaves (the certificate-transparency test data): the roots of
# the first 1 … 8 leaves.
LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def leaf_hashes(count: int) -> list[bytes]:
    return [merkle.leaf_hash(data) for data in LEAVES[:count]]


def store(leaves: list[bytes], algorithm: str = "sha256"):
    """A `nodes` callable over every complete aligned subtree of `leaves`."""
    def nodes(level: int, index: int) -> bytes:
        width = 1 << level
        return merkle.tree_root(leaves[index * width:(index + 1) * width], algorithm)
    return nodes


def test_the_reference_roots():
    for count, expected in enumerate(ROOTS, start=1):
        leaves = leaf_hashes(count)
        assert merkle.tree_root(leaves).hex() == expected
        assert merkle.root(count, store(leaves)).hex() == expected
    assert merkle.tree_root([]).hex() == hashlib.sha256(b"").hexdigest()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 70), st.data())
def test_every_inclusion_proof_verifies_and_a_changed_one_does_not(size, data):
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    root = merkle.tree_root(leaves)
    index = data.draw(st.integers(0, size - 1))
    path = merkle.inclusion_proof(index, size, store(leaves))
    assert merkle.verify_inclusion(leaves[index], index, size, path, root)
    other = merkle.leaf_hash(b"forged")
    assert not merkle.verify_inclusion(other, index, size, path, root)
    if path:
        bad = list(path)
        bad[data.draw(st.integers(0, len(bad) - 1))] = other
        assert not merkle.verify_inclusion(leaves[index], index, size, bad, root)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 70), st.data())
def test_every_consistency_proof_verifies_and_a_rewritten_prefix_does_not(second, data):
    first = data.draw(st.integers(1, second))
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(second)]
    first_root, second_root = merkle.tree_root(leaves[:first]), merkle.tree_root(leaves)
    proof = merkle.consistency_proof(first, second, store(leaves))
    assert merkle.verify_consistency(first, second, first_root, second_root, proof)
    if first < second:
        rewritten = list(leaves)
        rewritten[data.draw(st.integers(0, first - 1))] = merkle.leaf_hash(b"rewritten")
        new_root = merkle.tree_root(rewritten)
        forged = merkle.consistency_proof(first, second, store(rewritten))
        assert not merkle.verify_consistency(first, second, first_root, new_root, forged)


def test_sm3_trees_work_the_same_way():
    leaves = [merkle.leaf_hash(bytes([i]), "sm3") for i in range(11)]
    root = merkle.tree_root(leaves, "sm3")
    path = merkle.inclusion_proof(7, 11, store(leaves, "sm3"), "sm3")
    assert merkle.verify_inclusion(leaves[7], 7, 11, path, root, "sm3")
    assert root != merkle.tree_root([merkle.leaf_hash(bytes([i])) for i in range(11)])
