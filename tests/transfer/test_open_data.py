"""/open-data/: the same dataset, linked from every page's footer, for anyone."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re

from portal.auth.models import Role
from portal.disclosures import services as disclosures


def _import(runner, tmp_path, old_site, three_documents):
    table = tmp_path / "meta.csv"
    table.write_text(three_documents, encoding="utf-8")
    result = runner.invoke(args=["disclosures", "import", str(table), "--files", str(old_site)])
    assert result.exit_code == 0, result.output


def test_the_dataset_is_public_and_checks_out(client, runner, tmp_path, old_site,
                                              three_documents):
    _import(runner, tmp_path, old_site, three_documents)

    page = client.get("/open-data/")

    assert page.status_code == 200 and page.headers["Cache-Control"] == "public, no-cache"
    html = page.get_data(as_text=True)
    assert "disclosures.json" in html and "SHA256SUMS" in html and "（3 条）" in html
    sums = client.get("/open-data/SHA256SUMS").get_data(as_text=True).splitlines()
    assert len(sums) >= 13
    for line in sums:
        digest, name = line.split("  ")
        content = client.get(f"/open-data/{name}").data
        assert hashlib.sha256(content).hexdigest() == digest, name
    documents = client.get("/open-data/disclosures.json").get_json()
    assert len(documents) == 3 and all(a["url"].startswith("http://localhost/disclosures/")
                                       for d in documents for a in d["attachments"])
    manifest = client.get("/open-data/manifest.json").get_json()
    assert manifest["parts"]["disclosures"]["count"] == 3
    rows = list(csv.DictReader(io.StringIO(
        client.get("/open-data/disclosures.csv").data.decode("utf-8-sig"))))
    assert len(rows) == 3 and rows[0]["发布机构"]


def test_it_is_listed_in_the_footer_and_revalidated(client, orgs):
    assert 'href="/open-data/"' in client.get("/").get_data(as_text=True)
    first = client.get("/open-data/catalogue.json")
    assert first.headers["ETag"]

    again = client.get("/open-data/catalogue.json",
                       headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304
    assert client.get("/open-data/nothing.json").status_code == 404


def test_it_follows_the_public_content(client, runner, tmp_path, old_site, three_documents,
                                       orgs, make_user):
    _import(runner, tmp_path, old_site, three_documents)
    before = client.get("/open-data/disclosures.json").get_json()
    reviewer = make_user("reviewer", (Role.REVIEWER, orgs["county"]))

    disclosures.withdraw(reviewer, before[0]["id"], "内容已过时")

    after = client.get("/open-data/disclosures.json").get_json()
    assert [d["id"] for d in after] == [d["id"] for d in before[1:]]
    manifest = json.loads(client.get("/open-data/manifest.json").data)
    assert manifest["parts"]["disclosures"]["count"] == 2


def test_file_sizes_are_written_for_chinese_readers(client):
    page = client.get("/open-data/").get_data(as_text=True)
    assert "Bytes" not in page and "kB" not in page
    assert re.search(r"\d+(\.\d)? (KB|MB|字节)</td>", page)


def test_a_failed_build_says_the_files_are_being_prepared(client, orgs, monkeypatch):
    from portal.transfer import dataset

    real_write = dataset.write

    def failing(part, folder, on_files=None):
        raise OSError("磁盘已满")

    monkeypatch.setattr(dataset, "write", failing)
    page = client.get("/open-data/")
    assert page.status_code == 200 and "正在按最新的公开内容重新生成" in page.get_data(as_text=True)
    assert client.get("/open-data/catalogue.json").status_code == 503

    monkeypatch.setattr(dataset, "write", real_write)  # the next visit builds it
    assert client.get("/open-data/catalogue.json").status_code == 200
