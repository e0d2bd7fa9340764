"""/open-data/ of a site too large to build its package in a request: the background
worker writes it to disk; until it is done, and after every change that takes back
public content until it is done again, no older package is offered, since it may hold a
withdrawn document (test_open_data_retraction: what only adds)."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.auth.models import Role
from portal.disclosures import services as disclosures
from portal.transfer import dataset, open_data


@pytest.fixture
def app_config(app_config) -> dict:
    return {**app_config, "OPEN_DATA_INLINE_RECORDS": 0}


def _import(runner, tmp_path, old_site, three_documents):
    table = tmp_path / "meta.csv"
    table.write_text(three_documents, encoding="utf-8")
    result = runner.invoke(args=["disclosures", "import", str(table), "--files", str(old_site)])
    assert result.exit_code == 0, result.output


def _worker_builds(app) -> None:
    """What `flask notify worker` does every minute."""
    assert open_data.refresh_in_background(app.app_context)


def _not_offered(client) -> None:
    page = client.get("/open-data/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "正在按最新的公开内容重新生成" in html and "disclosures.json" not in html
    download = client.get("/open-data/disclosures.json")
    assert download.status_code == 503 and download.headers["Retry-After"] == "60"
    assert download.headers["Cache-Control"] == "no-store"
    assert client.get("/open-data/nothing.json").status_code == 404


def _checked_out(client) -> dict[str, bytes]:
    files = {}
    for line in client.get("/open-data/SHA256SUMS").get_data(as_text=True).splitlines():
        digest, name = line.split("  ")
        files[name] = client.get(f"/open-data/{name}").data
        assert hashlib.sha256(files[name]).hexdigest() == digest, name
    return files


def test_the_worker_builds_it_and_a_change_withdraws_it_until_built_again(
        app, client, runner, tmp_path, old_site, three_documents, orgs, make_user):
    _import(runner, tmp_path, old_site, three_documents)
    _not_offered(client)

    _worker_builds(app)
    page = client.get("/open-data/").get_data(as_text=True)
    assert "disclosures.json" in page and "（3 条）" in page
    before = json.loads(_checked_out(client)["disclosures.json"])
    assert len(before) == 3

    reviewer = make_user("reviewer", (Role.REVIEWER, orgs["county"]))
    disclosures.withdraw(reviewer, before[0]["id"], "内容已过时")
    _not_offered(client)  # the package still holding it is never offered again

    _worker_builds(app)
    after = json.loads(_checked_out(client)["disclosures.json"])
    assert [d["id"] for d in after] == [d["id"] for d in before[1:]]
    folders = sorted(p.name for p in (tmp_path / "instance").rglob("v*") if p.is_dir())
    assert len([name for name in folders if name.startswith("v")]) <= 1  # the old one is gone


def test_a_build_that_fails_leaves_nothing_half_written(app, client, orgs, monkeypatch):
    real_write = dataset.write

    def failing(part, folder, on_files=None):
        if part.name == "replies":
            raise OSError("磁盘已满")
        return real_write(part, folder, on_files)

    monkeypatch.setattr(dataset, "write", failing)
    assert not open_data.refresh_in_background(app.app_context)
    _not_offered(client)
    monkeypatch.setattr(dataset, "write", real_write)
    _worker_builds(app)
    assert _checked_out(client)["catalogue.json"]


def test_the_command_builds_it_by_hand(client, runner, orgs):
    result = runner.invoke(args=["open-data"])
    assert result.exit_code == 0 and "开放数据包已就绪" in result.output, result.output
    assert "organizations.csv" in client.get("/open-data/").get_data(as_text=True)


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                               max_size=3),
    max_leaves=8)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=6), _VALUES, max_size=4), max_size=5))
def test_a_part_written_a_record_at_a_time_is_the_json_of_the_whole_list(tmp_path_factory,
                                                                        records):
    folder = tmp_path_factory.mktemp("part")
    part = dataset.Part("things", "事项", lambda: iter(dataset.Record(r) for r in records),
                        ("内容",), lambda data: [json.dumps(data, ensure_ascii=False)])
    written = dataset.write(part, folder)
    content = (folder / "things.json").read_bytes()
    assert content == dataset.json_bytes(records) and json.loads(content) == records
    assert written.count == len(records)
    assert written.sums["things.json"] == hashlib.sha256(content).hexdigest()
    rows = (folder / "things.csv").read_bytes()
    # One BOM, at the start: read back, the table is exactly its header and one row a record.
    assert rows.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(rows.decode("utf-8-sig"), newline="")))
    assert table == [["内容"], *([json.dumps(r, ensure_ascii=False)] for r in records)]
