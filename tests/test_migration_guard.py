"""`flask db downgrade` refuses, without --yes, the steps that drop records, says what
it would drop and changes nothing; with --yes it downgrades and says what to run next."""

from __future__ import annotations

import inspect
import re

import pytest

from portal.extensions import db
from portal.schema import code_head, database_revision, downgrade_path, scripts

DROPS = re.compile(r"drop_table|drop_column|DROP TABLE|DELETE FROM")


def _revision() -> str | None:
    with db.engine.connect() as connection:
        return database_revision(connection)


def test_every_downgrade_that_drops_tables_or_columns_says_what_it_drops():
    for script in scripts().walk_revisions():
        source = inspect.getsource(script.module.downgrade)
        if DROPS.search(source):
            assert hasattr(script.module, "DOWNGRADE_DROPS"), (
                f"{script.revision}: downgrade drops tables or columns but declares no "
                "DOWNGRADE_DROPS (what records it destroys, or () for none)")


def test_the_audit_log_and_the_search_index_are_among_the_guarded():
    guarded = {script.revision: script.module.DOWNGRADE_DROPS
               for script in scripts().walk_revisions()
               if getattr(script.module, "DOWNGRADE_DROPS", ())}
    assert any("audit_events" in drop for drop in guarded["0001"])
    assert any("audit_checkpoints" in drop for drop in guarded["0008"])
    assert any("搜索索引" in drop for drop in guarded["0009"])


def test_a_downgrade_that_drops_records_is_refused_without_yes(app, runner):
    result = runner.invoke(args=["db", "downgrade", "0019"])
    assert result.exit_code != 0
    assert "降级到 0019 将删除以下数据" in result.output
    assert "通知发件箱" in result.output and "--yes" in result.output
    assert "没有做任何改动" in result.output
    assert _revision() == code_head()


def test_several_steps_name_each_loss(app, runner):
    result = runner.invoke(args=["db", "downgrade", "0008"])
    assert result.exit_code != 0
    for revision in ("0019", "0017", "0016", "0015", "0014", "0013", "0010", "0009"):
        assert f"  {revision}：" in result.output
    assert "  0011：" not in result.output  # a counter, not records
    assert "站内搜索索引" in result.output
    assert _revision() == code_head()


def test_with_yes_it_downgrades_and_says_what_to_run_next(app, runner):
    result = runner.invoke(args=["db", "downgrade", "0008", "--yes"])
    assert result.exit_code == 0, result.output
    assert _revision() == "0008"
    assert "flask --app portal search reindex" in result.output
    assert "备份恢复" in result.output


def test_an_unknown_revision_is_refused(app, runner):
    result = runner.invoke(args=["db", "downgrade", "9999"])
    assert result.exit_code != 0 and "找不到迁移版本“9999”" in result.output
    assert _revision() == code_head()


@pytest.mark.parametrize(("current", "target", "expected"), [
    ("0017", "-1", ["0017"]), ("0017", "0012", ["0017", "0016", "0015", "0014", "0013"]),
    ("0003", "base", ["0003", "0002", "0001"]), ("0013", "0013", [])])
def test_the_path_is_the_steps_between(current, target, expected):
    assert [script.revision for script in downgrade_path(current, target)] == expected
