"""`make run` loads this on an empty database."""

import re

import pytest
from sqlalchemy import select

from portal.audit.services import verify_chain
from portal.auth.models import User
from portal.disclosures.models import Category, Disclosure, Status
from portal.extensions import db

ACCOUNT_LINE = re.compile(r"^\s+(\w+)\s+(\S+)\s+\S+$", re.M)


@pytest.fixture
def app_config(app_config, tmp_path):
    """Each test's own transparency key file: the demo makes one when there is none."""
    return {**app_config, "TRANSPARENCY_KEY_FILE": str(tmp_path / "keys" / "log-key")}


def _load(runner) -> dict[str, str]:
    result = runner.invoke(args=["demo-load", "--if-empty"])
    assert result.exit_code == 0, result.output
    return dict(ACCOUNT_LINE.findall(result.output))


def test_demo_load_builds_the_town_and_prints_working_passwords(runner, client):
    accounts = _load(runner)
    assert set(accounts) == {"admin", "editor", "reviewer", "clerk", "handler", "inspector",
                             "supervisor", "zongzhi", "grid"}
    response = client.post("/login", data={"username": "editor",
                                           "password": accounts["editor"]})
    assert response.status_code == 302


def test_seed_report_is_published_as_result_disclosure(runner, client):
    _load(runner)
    report = db.session.scalar(select(Disclosure).where(
        Disclosure.title == "民权县双塔镇人民政府关于2022年度法治政府建设情况的报告"))
    assert report.category is Category.RESULT and report.status is Status.PUBLISHED
    assert report.index_number.endswith("/2023-00001")
    page = client.get(f"/disclosures/{report.id}").get_data(as_text=True)
    assert "2022年我镇共化解矛盾纠纷98件" in page
    assert "民权县双塔镇人民政府" in page
    assert "2023-02-24 10:00" in page


def test_demo_goes_through_review_and_leaves_a_valid_audit_chain(runner):
    _load(runner)
    verdict = verify_chain()
    assert verdict.ok and verdict.count > 20
    pending = db.session.scalars(select(Disclosure).where(
        Disclosure.status == Status.SUBMITTED)).all()
    assert len(pending) == 1


def test_passwords_are_random_not_fixed(runner, app):
    first = _load(runner)
    hashes = {u.username: u.password_hash for u in db.session.scalars(select(User))}
    assert all(len(p) >= 12 for p in first.values())
    assert len(set(first.values())) == len(first)
    assert all(p not in h for p, h in zip(first.values(), hashes.values(), strict=False))


def test_second_load_leaves_existing_data_alone(runner):
    _load(runner)
    count = db.session.scalar(select(db.func.count()).select_from(Disclosure))
    result = runner.invoke(args=["demo-load", "--if-empty"])
    assert result.exit_code == 0 and "跳过" in result.output
    result = runner.invoke(args=["demo-load"])
    assert result.exit_code != 0
    assert db.session.scalar(select(db.func.count()).select_from(Disclosure)) == count


def test_demo_village_board_has_a_finance_table_and_a_relief_list(runner, client):
    _load(runner)
    board = client.get("/villages/shuangta-cun/").get_data(as_text=True)
    assert "双塔村2026年10月财务公开" in board and "公示中" in board
    schedule_missing = client.get("/villages/wangtang/").get_data(as_text=True)
    assert "暂无公开事项" in schedule_missing


def test_demo_home_lists_the_open_consultation(runner, client):
    _load(runner)
    home = client.get("/").get_data(as_text=True)
    assert "双塔镇农村人居环境整治实施方案（征求意见稿）" in home
    assert "落实2023年政务公开工作计划" in client.get("/execution/").get_data(as_text=True)


def test_the_demo_log_is_signed_so_the_transparency_page_shows_a_head(runner, client):
    _load(runner)
    document = client.get("/transparency/heads.json").get_json()
    assert len(document["heads"]) == 1 and len(document["keys"]) == 1
    head = document["heads"][0]
    assert head["tree_size"] > 20
    page = client.get("/transparency/").get_data(as_text=True)
    assert "尚未签名树头" not in page and head["root_hash"] in page


def test_demo_enforcement_registers_are_public_and_masked(runner, client):
    _load(runner)

    prior = client.get("/enforcement/").get_data(as_text=True)
    after = client.get("/enforcement/decisions").get_data(as_text=True)

    assert "刘建华" in prior and "41142100226" in prior and "乡村建设规划许可" in prior
    assert "王某" in after and "王建国" not in after
    assert "双塔综执罚〔2026〕3号" not in after  # revoked
    assert "双塔综执罚〔2026〕4号" not in after  # awaiting the reviewer
    from portal.enforcement.models import EnforcementDecision

    late = db.session.scalar(select(EnforcementDecision).where(
        EnforcementDecision.document_number == "双塔综执罚〔2026〕2号"))
    assert late.is_late


def test_demo_dispute_ledger_reproduces_the_reports_98_resolved_in_2022(runner, client):
    """“2022年我镇共化解矛盾纠纷98件”: the public figures read it from the ledger."""
    accounts = _load(runner)

    html = client.get("/disputes/?year=2022").get_data(as_text=True)

    assert "化解 <strong>98</strong> 件" in html and "当事人甲" not in html
    client.post("/login", data={"username": "grid", "password": accounts["grid"]})
    ledger = client.get("/staff/disputes/").get_data(as_text=True)
    assert ledger.count(">漏报<") == 2
