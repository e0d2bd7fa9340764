"""`flask backup` while the site serves, `flask restore` into a fresh place: everything
acknowledged before the backup comes back, intact, with its uploaded files; a damaged
archive is refused with a clear message and changes nothing."""

from __future__ import annotations

import io
import itertools
import os
import tarfile
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from portal import create_app
from portal.auth.models import Role
from portal.disclosures import services
from portal.disclosures.models import Category
from portal.extensions import db
from portal.inquiries.tracking import code_hash
from portal.timeutil import local_today
from tests.conftest import PG_ADMIN_URL, _base_config, _pg_admin_execute, _pg_url
from tests.live_server import live_server
from tests.sample_files import PDF as SAMPLE_PDF
from tests.soak.traffic import ACK, Resident

PDF = SAMPLE_PDF + b"%" + b"x" * 5000 + b"\n"
_fresh = itertools.count()


@pytest.fixture
def with_attachment(orgs, make_user):
    """A draft with one uploaded PDF, committed."""
    editor = make_user("editor", (Role.EDITOR, orgs["town"]))
    draft = services.create_draft(editor, services.DisclosureInput(
        organization=orgs["town"], category=Category.RESULT, title="2026年度预算公开",
        body_html="<p>见附件。</p>", formed_on=local_today()))
    services.add_attachments(editor, draft.id, [FileStorage(io.BytesIO(PDF), "预算.pdf")])
    stored = draft.attachments[0].file
    facts = {"storage_name": stored.storage_name, "sha256": stored.sha256}
    db.session.commit()
    return facts


@pytest.fixture
def fresh_target(tmp_path):
    """An app on an empty database and an empty upload folder, for restoring into."""
    folder = tmp_path / "restored"
    folder.mkdir()
    if PG_ADMIN_URL:
        name = f"portal_restore_{os.getpid()}_{next(_fresh)}"
        _pg_admin_execute(f"CREATE DATABASE {name}")
        url = _pg_url(name)
    else:
        url = f"sqlite:///{folder / 'portal.db'}"
    config = _base_config(folder, url)
    target = create_app(config)
    yield target
    with target.app_context():
        db.engine.dispose()
    if PG_ADMIN_URL:
        _pg_admin_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _cli(target, *args: str, **options):
    """Run a command against `target` (its own app context: the `app` fixture's is open)."""
    with target.app_context():
        return target.test_cli_runner().invoke(args=list(args), **options)


def _restored_hashes(target) -> set[str]:
    engine = sa.create_engine(target.config["SQLALCHEMY_DATABASE_URI"],
                              poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        hashes = set(conn.exec_driver_sql("SELECT tracking_hash FROM inquiries").scalars())
    engine.dispose()
    return hashes


def test_backup_while_serving_restores_everything_acknowledged_before_it(
        app, runner, database_url, tmp_path, with_attachment, fresh_target):
    archive = tmp_path / "site.tar.gz"
    receipts, stop = [], threading.Event()
    env = {"PORTAL_RATELIMIT_ENABLED": "0", "PORTAL_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"]}
    with live_server(database_url, tmp_path, workers=2, env=env) as (port, _log):
        resident = Resident(port, "王大爷")

        def keep_writing():
            while not stop.is_set():
                form = resident.fresh_form()
                outcome = resident.submit(form) if form else None
                if outcome is not None and outcome.kind == ACK:
                    receipts.append(outcome.code)

        writer = threading.Thread(target=keep_writing)
        writer.start()
        try:
            while len(receipts) < 5:
                time.sleep(0.05)
            before_backup = list(receipts)
            result = runner.invoke(args=["backup", str(archive)])
            during = len(receipts) - len(before_backup)
            time.sleep(0.3)
        finally:
            stop.set()
            writer.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert "备份完成" in result.output and "上传文件：1 个" in result.output
    assert during >= 0 and len(receipts) > len(before_backup)  # writes went on meanwhile

    restored = _cli(fresh_target, "restore", str(archive), "--yes")

    assert restored.exit_code == 0, restored.output
    integrity = "不适用（PostgreSQL）" if PG_ADMIN_URL else "ok"
    assert f"数据库完整性检查：{integrity}" in restored.output
    assert "审计链校验：完好" in restored.output and "恢复完成" in restored.output
    hashes = _restored_hashes(fresh_target)
    assert {code_hash(code) for code in before_backup} <= hashes
    name = with_attachment["storage_name"]
    copy = Path(fresh_target.config["UPLOAD_FOLDER"]) / name[:2] / name[2:4] / name
    assert copy.read_bytes() == PDF


@pytest.fixture
def archive(runner, tmp_path, with_attachment) -> Path:
    path = tmp_path / "site.tar.gz"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    db.session.commit()
    return path


def _rewrite(source: Path, target: Path, change) -> None:
    """Copy an archive member by member, passing each member's bytes through `change`."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for info in old:
            data = change(info.name, old.extractfile(info).read())
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))


def _flip_middle_byte(source: Path, target: Path) -> None:
    data = bytearray(source.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))


@pytest.mark.parametrize("damage,message", [
    (lambda a, t: _flip_middle_byte(a, t), "已损坏"),
    (lambda a, t: t.write_bytes(a.read_bytes()[: len(a.read_bytes()) // 2]), "已损坏"),
    (lambda a, t: _rewrite(a, t, lambda name, data: data + b"x"
                           if name.startswith("database") else data), "校验值与清单不符"),
    (lambda a, t: _rewrite(a, t, lambda name, data: b"{" if name == "manifest.json" else data),
     "清单"),
    (lambda a, t: t.write_text("这不是备份"), "不是本系统的备份"),
])
def test_damaged_archive_is_refused_and_nothing_is_restored(archive, tmp_path, fresh_target,
                                                            damage, message):
    damaged = tmp_path / "damaged.tar.gz"
    damage(archive, damaged)

    result = _cli(fresh_target, "restore", str(damaged), "--yes")

    assert result.exit_code != 0
    assert message in result.output
    assert "恢复完成" not in result.output
    with fresh_target.app_context():
        assert not sa.inspect(db.engine).get_table_names()
    assert not Path(fresh_target.config["UPLOAD_FOLDER"]).exists()


def test_restore_over_existing_data_needs_force(archive, runner):
    refused = runner.invoke(args=["restore", str(archive), "--yes"])
    assert refused.exit_code != 0 and "已有数据" in refused.output

    forced = runner.invoke(args=["restore", str(archive), "--yes", "--force"])
    assert forced.exit_code == 0, forced.output
    assert "审计链校验：完好" in forced.output


def test_restore_asks_before_overwriting(archive, fresh_target):
    answer_no = _cli(fresh_target, "restore", str(archive), input="n\n")
    assert answer_no.exit_code != 0
    assert "确定继续吗" in answer_no.output
    with fresh_target.app_context():
        assert not sa.inspect(db.engine).get_table_names()


@pytest.fixture
def signed_archive(app, runner, tmp_path, with_attachment) -> Path:
    from portal.auth.system import SYSTEM
    from portal.transparency import heads

    app.config["TRANSPARENCY_KEY_FILE"] = str(tmp_path / "keys" / "log-key")
    heads.keygen(SYSTEM)
    path = tmp_path / "signed.tar.gz"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0 and "签名树头" in result.output, result.output
    db.session.commit()
    return path


def _manifest(path: Path) -> dict:
    import json

    with tarfile.open(path, "r:gz") as archive:
        return json.loads(archive.extractfile("manifest.json").read())


def test_the_manifest_carries_a_signed_head_the_restored_log_matches(
        signed_archive, fresh_target, client):
    head = _manifest(signed_archive)["tree_head"]
    published = client.get("/transparency/heads.json").get_json()["heads"]
    assert head in published  # the same head anyone could have archived

    restored = _cli(fresh_target, "restore", str(signed_archive), "--yes")

    assert restored.exit_code == 0, restored.output
    assert f"与备份清单中的签名树头（{head['tree_size']} 个叶子）一致" in restored.output


def test_a_restored_log_that_does_not_match_the_manifests_head_fails(
        signed_archive, tmp_path, fresh_target):
    import json

    def other_root(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["tree_head"]["root_hash"] = "00" * 32
        return json.dumps(manifest).encode()

    altered = tmp_path / "altered.tar.gz"
    _rewrite(signed_archive, altered, other_root)

    restored = _cli(fresh_target, "restore", str(altered), "--yes")

    assert restored.exit_code != 0
    assert "与备份清单中的签名树头" in restored.output and "不符" in restored.output
    assert "恢复完成" not in restored.output


def test_pages_kept_from_before_a_restore_are_never_served_after_it(archive, app, runner):
    """The restored database numbers its versions again from the backup's, so a page kept
    as a file before the restore could otherwise pass as current; restoring drops them."""
    from portal.pagecache import instance_folder

    kept = instance_folder(app, "pagecache") / "2026-12-05" / "page"
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(b'{"key": []}\n<p>an old page</p>')
    result = runner.invoke(args=["restore", str(archive), "--yes", "--force"])
    assert result.exit_code == 0, result.output
    assert not kept.exists()
