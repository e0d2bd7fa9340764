"""flask export: every public record as JSON and CSV with its files and a SHA256SUMS
manifest; --resume finishes an interrupted export without rewriting what was done."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest

from portal.transfer import export as export_module
from portal.villages import finance_export
from portal.villages.models import VillageNotice


def _sums_check(folder: Path) -> dict[str, str]:
    """What `sha256sum -c SHA256SUMS` checks, and that it lists every file."""
    listed = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, path = line.split("  ", 1)
        listed[path] = digest
        assert hashlib.sha256((folder / path).read_bytes()).hexdigest() == digest, path
    present = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert present - set(listed) == {"SHA256SUMS", ".export-progress.json"}
    return listed


def _csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def test_three_imported_documents_come_out_whole(app, runner, tmp_path, old_site,
                                                 three_documents, orgs):
    table = tmp_path / "meta.csv"
    table.write_text(three_documents, encoding="utf-8")
    assert runner.invoke(args=["disclosures", "import", str(table), "--files",
                               str(old_site)]).exit_code == 0
    out = tmp_path / "export"

    result = runner.invoke(args=["export", str(out)])

    assert result.exit_code == 0, result.output
    assert "政府信息公开 3" in result.output
    listed = _sums_check(out)
    assert {"manifest.json", "disclosures.json", "disclosures.csv", "organizations.csv",
            "replies.json", "catalogue.csv", "consultation-comments.csv"} <= set(listed)
    documents = json.loads((out / "disclosures.json").read_text("utf-8"))
    plan = next(d for d in documents if d["title"] == "双塔镇农村人居环境整治实施方案")
    assert plan["published_at"] == "2019-03-08T10:30:00+08:00"
    assert plan["index_number"] == f"{orgs['town'].credit_code}/2019-00012"
    for attachment in plan["attachments"]:
        copied = (out / attachment["path"]).read_bytes()
        assert copied == (old_site / attachment["name"]).read_bytes()
        assert hashlib.sha256(copied).hexdigest() == attachment["sha256"]
        assert attachment["url"].startswith("http://localhost/disclosures/")
    rows = _csv(out / "disclosures.csv")
    assert {row["索引号"] for row in rows} == {d["index_number"] for d in documents}
    assert next(r for r in rows if r["标题"] == plan["title"])["附件"] == "实施方案.pdf;预算表.pdf"
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["parts"]["disclosures"]["count"] == 3
    assert {f["path"] for f in manifest["files"]} == set(listed) - {"manifest.json"}
    assert (out / "organizations.csv").read_bytes() == runner.invoke(
        args=["org", "export"]).stdout_bytes  # the tree in the import layout


def test_every_kind_of_public_record_and_nothing_private(app, runner, tmp_path):
    assert runner.invoke(args=["demo-load"]).exit_code == 0
    out = tmp_path / "export"

    result = runner.invoke(args=["export", str(out)])

    assert result.exit_code == 0, result.output
    _sums_check(out)
    notices = json.loads((out / "village-notices.json").read_text("utf-8"))
    finance = next(n for n in notices if n["finance"] is not None)
    notice = app.extensions["sqlalchemy"].session.get(VillageNotice, finance["id"])
    regenerated = finance_export.statement_file(notice, "csv")[0]
    assert (out / finance["finance"]["paths"]["csv"]).read_bytes() == regenerated
    everything = "".join(p.read_text("utf-8", errors="ignore") for p in out.rglob("*.json"))
    everything += "".join(p.read_bytes().decode("utf-8-sig") for p in out.rglob("*.csv"))
    for private in ("13800000000", "11010519491231002X", "演示群众", "独居老人家中漏雨求助",
                    "人居环境整治实施方案（征求意见稿）》意见的公告"):  # contacts, drafts
        assert private not in everything
    replies = json.loads((out / "replies.json").read_text("utf-8"))
    assert [r["title"] for r in replies] == ["城乡居民医保缴费截止到什么时候？"]
    consultations = json.loads((out / "consultations.json").read_text("utf-8"))
    assert consultations and "comments" in consultations[0]
    assert json.loads((out / "catalogue.json").read_text("utf-8"))


def test_resume_finishes_without_rewriting_finished_parts(app, runner, tmp_path, old_site,
                                                          three_documents, monkeypatch):
    table = tmp_path / "meta.csv"
    table.write_text(three_documents, encoding="utf-8")
    runner.invoke(args=["disclosures", "import", str(table), "--files", str(old_site)])
    out = tmp_path / "export"
    real_write = export_module._write_part

    def interrupted(folder, part, result):
        if part.name == "replies":
            raise KeyboardInterrupt
        return real_write(folder, part, result)

    monkeypatch.setattr(export_module, "_write_part", interrupted)
    runner.invoke(args=["export", str(out)])
    assert not (out / "SHA256SUMS").exists()
    finished = {p: p.stat().st_mtime_ns for p in out.rglob("*")
                if p.is_file() and p.name != ".export-progress.json"}
    assert out / "disclosures.json" in finished
    monkeypatch.setattr(export_module, "_write_part", real_write)

    refused = runner.invoke(args=["export", str(out)])
    assert refused.exit_code == 1 and "不是空的" in refused.output
    result = runner.invoke(args=["export", str(out), "--resume"])

    assert result.exit_code == 0, result.output
    assert "已完成、未重写的部分：组织架构、政府信息公开、村务公开" in result.output
    assert all(path.stat().st_mtime_ns == when for path, when in finished.items())
    _sums_check(out)
    again = runner.invoke(args=["export", str(out), "--resume"])
    assert "已经完成" in again.output


def test_resume_needs_an_export_to_continue(app, runner, tmp_path):
    (tmp_path / "other").mkdir()
    result = runner.invoke(args=["export", str(tmp_path / "other"), "--resume"])
    assert result.exit_code == 1 and "没有未完成的导出" in result.output


@pytest.mark.parametrize("name", ["a/b.pdf", "C:\\x.pdf", "..", "通知：2019?.pdf"])
def test_file_names_are_safe_on_any_system(name):
    from portal.transfer.dataset import safe_name

    assert not set('/\\:?') & set(safe_name(name)) and safe_name(name) not in ("", "..")
