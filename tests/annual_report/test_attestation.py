"""The appendix of a frozen report: the 定稿 event's leaf in the transparency log and the
signed head that covers it, which the inclusion proof the page points to verifies."""

from datetime import date

import pytest

from portal.annual_report import freezing, services
from portal.auth.system import SYSTEM

URL = "/inspect/annual-report/2026"


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "TRANSPARENCY_KEY_FILE": str(tmp_path / "keys" / "log-key")}


def test_a_frozen_report_names_its_leaf_and_the_signed_head_covering_it(
        year_2026, staff, travel, client, login):
    from portal.transparency import heads, log, merkle

    heads.keygen(SYSTEM)
    travel.to(date(2027, 1, 18))
    freezing.finalize(staff["reviewer"], 2026)
    report = services.get_report(staff["inspector"], 2026)
    att = report.attestation
    head = heads.latest_head()
    assert att.tree_size == head.tree_size and att.root_hash == head.root_hash
    # the proof the page points to shows the 定稿 event is in the signed tree
    leaf = log.leaves(att.leaf_index, att.leaf_index + 1)[0]
    proof = log.inclusion_proof(att.leaf_index, att.tree_size)
    assert merkle.verify_inclusion(leaf.leaf_hash, att.leaf_index, att.tree_size, proof,
                                   bytes.fromhex(head.root_hash), log.hash_algorithm())
    login(staff["inspector"])
    page = client.get(URL).get_data(as_text=True)
    assert f"透明日志的第 {att.leaf_index} 号叶子" in page
    assert f"index={att.leaf_index}&amp;tree_size={att.tree_size}" in page
