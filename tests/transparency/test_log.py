"""Every audit event is a leaf of the tree, in event order; heads are signed and
published; proofs for any leaf and any two heads verify with nothing but the published
data."""

from __future__ import annotations

import json
import stat

import pytest

from portal import audit
from portal.auth.system import SYSTEM
from portal.errors import Conflict
from portal.extensions import db
from portal.transparency import heads, log, merkle, signing
from portal.transparency.models import MerkleLeaf, MerkleNode
from tests.pagecache.querycount import counting_queries


def events(count: int) -> None:
    for n in range(count):
        audit.record(SYSTEM, "test.event", None, after={"n": n})
    db.session.commit()


def test_each_event_is_the_next_leaf(app):
    events(5)
    leaves = db.session.scalars(db.select(MerkleLeaf).order_by(MerkleLeaf.index)).all()
    stored = db.session.scalars(db.select(audit.services.AuditEvent.hash)
                                .order_by(audit.services.AuditEvent.id)).all()
    assert [leaf.event_hash for leaf in leaves] == stored
    assert [leaf.leaf_hash for leaf in leaves] == [
        merkle.leaf_hash(h.encode("ascii")) for h in stored]
    assert log.root(5) == merkle.tree_root([leaf.leaf_hash for leaf in leaves])


def test_recording_an_event_reads_the_chain_and_tree_in_few_statements(app):
    """Every event is recorded under the chain's lock, which serializes all writers: the
    16th leaf closes four subtrees, and its left siblings are read together, with the
    chain's head and the tree's size in one statement before them."""
    events(15)
    with counting_queries() as statements:
        audit.record(SYSTEM, "test.event", None, after={"n": 15})
        db.session.commit()
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")
             and "pg_advisory" not in s]
    assert len(reads) == 2, reads
    nodes = {(node.level, node.index): node.hash
             for node in db.session.scalars(db.select(MerkleNode))}
    leaves = [leaf.leaf_hash for leaf in
              db.session.scalars(db.select(MerkleLeaf).order_by(MerkleLeaf.index))]
    for level in range(1, 5):  # every subtree the 16 leaves complete, as stored
        width = 2 ** level
        for index in range(16 // width):
            assert nodes[(level, index)] == merkle.tree_root(
                leaves[index * width:(index + 1) * width])
    assert log.root(16) == merkle.tree_root(leaves)


def test_the_key_file_is_owner_only_and_never_overwritten(app, signing_key):
    path = signing.key_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with pytest.raises(Conflict, match="rotate-key"):
        heads.keygen(SYSTEM)


def test_a_signed_head_verifies_with_the_published_key(client, signing_key):
    events(7)
    head = heads.sign_head()
    published = client.get("/transparency/heads.json").get_json()
    [entry] = published["heads"]
    key = published["keys"][0]
    message = signing.head_message(published["log"]["origin"], entry["tree_size"],
                                   entry["root_hash"], entry["timestamp_ms"])
    assert entry["tree_size"] == head.tree_size >= 7
    assert signing.verify(key["algorithm"], key["public_key"], message, entry["signature"])
    assert not signing.verify(key["algorithm"], key["public_key"], message.replace(
        entry["root_hash"].encode(), b"0" * 64), entry["signature"])


def test_proofs_from_the_public_endpoints_verify(client, signing_key):
    events(3)
    first = heads.sign_head()
    events(9)
    second = heads.sign_head()
    proof = client.get(f"/transparency/proof/consistency?first={first.tree_size}"
                       f"&second={second.tree_size}").get_json()
    assert merkle.verify_consistency(
        first.tree_size, second.tree_size, bytes.fromhex(first.root_hash),
        bytes.fromhex(second.root_hash), [bytes.fromhex(n) for n in proof["consistency_path"]])
    for index in (0, 2, first.tree_size, second.tree_size - 1):
        answer = client.get(f"/transparency/proof/inclusion?index={index}"
                            f"&tree_size={second.tree_size}").get_json()
        assert merkle.verify_inclusion(
            bytes.fromhex(answer["leaf_hash"]), index, second.tree_size,
            [bytes.fromhex(n) for n in answer["audit_path"]], bytes.fromhex(second.root_hash))
    leaves = client.get(f"/transparency/leaves?start=0&end={second.tree_size}").get_json()
    assert merkle.tree_root([bytes.fromhex(h) for h in leaves["leaf_hashes"]]).hex() == \
        second.root_hash


def test_the_page_feed_and_bad_parameters(client, signing_key):
    events(2)
    heads.sign_head()
    page = client.get("/transparency/").get_data(as_text=True)
    assert "审计日志公开核验" in page and "verify_log.py" in page
    feed = client.get("/transparency/heads.atom")
    assert feed.status_code == 200 and b"<entry>" in feed.data
    assert client.get("/transparency/proof/inclusion?index=abc").status_code == 400
    assert client.get("/transparency/proof/inclusion?index=99999&tree_size=3").status_code == 400
    assert client.get("/transparency/proof/consistency?first=0").status_code == 400
    verifier = client.get("/transparency/verify_log.py")
    assert verifier.status_code == 200 and b"def verify(" in verifier.data
    json.loads(client.get("/transparency/cosignatures.json").data)


def test_rotation_publishes_the_new_key_endorsed_by_the_old(client, signing_key):
    new = heads.rotate_key(SYSTEM)
    keys = client.get("/transparency/heads.json").get_json()["keys"]
    old, current = keys
    message = signing.key_message("https://gk.minquan.example", current["algorithm"],
                                  current["public_key"])
    assert current["endorsed_by"] == old["id"] == signing_key.id and new.id == current["id"]
    assert signing.verify(old["algorithm"], old["public_key"], message, current["endorsement"])
    head = heads.sign_head()
    assert head.key_id == new.id


def test_sm2_with_sm3(app_config, tmp_path):
    from portal import create_app

    site = create_app({**app_config, "TRANSPARENCY_ALGORITHM": "sm2"})
    with site.app_context():
        heads.keygen(SYSTEM)
        events(4)
        head = heads.sign_head()
        leaves = [leaf.leaf_hash for leaf in log.leaves(0, head.tree_size)]
        assert head.root_hash == merkle.tree_root(leaves, "sm3").hex()
        key = heads.current_key()
        message = signing.head_message(signing.origin(), head.tree_size, head.root_hash,
                                       signing.millis(head.timestamp))
        assert key.algorithm == "sm2" and signing.verify("sm2", key.public_key, message,
                                                         head.signature)
        db.session.remove()


def test_a_residents_receipt_names_its_leaf_and_the_proof_verifies(client, signing_key, orgs):
    import re

    from tests.inquiries.test_public_pages import CODE, fields, form_page

    _, token = form_page(client)
    receipt = client.post("/inquiries/new", data=fields(token)).get_data(as_text=True)
    leaf = int(re.search(r"第 (\d+) 号记录", receipt).group(1))
    code = CODE.search(receipt).group(1)
    client.post("/inquiries/track", data={"code": code})
    assert client.get("/inquiries/track/proof.json").status_code == 404  # no head yet
    head = heads.sign_head()
    page = client.get("/inquiries/track/status").get_data(as_text=True)
    assert f"第 {leaf} 号记录" in page
    proof = client.get("/inquiries/track/proof.json").get_json()
    assert proof["leaf_index"] == leaf and proof["tree_size"] == head.tree_size
    assert merkle.verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]), leaf, head.tree_size,
        [bytes.fromhex(n) for n in proof["audit_path"]], bytes.fromhex(head.root_hash))
    assert merkle.leaf_hash(proof["event_hash"].encode()).hex() == proof["leaf_hash"]
    assert "13812345678" not in json.dumps(proof, ensure_ascii=False)


def test_the_algorithm_cannot_change_once_chosen(app, runner, signing_key):
    """A log begun with Ed25519/SHA-256 is never signed with SM2 or hashed with SM3: the
    heads already published would stop verifying."""
    audit.record(SYSTEM, "test.event", None, after={"n": 1})
    db.session.commit()
    app.config["TRANSPARENCY_ALGORITHM"] = "sm2"
    result = runner.invoke(args=["transparency", "sign-head"])
    assert result.exit_code != 0 and "算法一经选定不能更改" in result.output
    assert log.hash_algorithm() == "sha256"
    app.config["TRANSPARENCY_ALGORITHM"] = "ed25519"
    assert runner.invoke(args=["transparency", "sign-head"]).exit_code == 0


def test_a_tree_begun_in_sha256_refuses_an_sm2_key(app, runner):
    audit.record(SYSTEM, "test.event", None, after={"n": 1})
    db.session.commit()
    app.config["TRANSPARENCY_ALGORITHM"] = "sm2"
    result = runner.invoke(args=["transparency", "keygen"])
    assert result.exit_code != 0 and "按 sha256 建立" in result.output
