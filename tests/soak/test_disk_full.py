"""Scenario d: the upload folder's disk is full. The editor gets a clear Chinese error
(507); no partial file and no row are left; once there is room, uploads work again.

The full disk is real: a 256 KB tmpfs mounted as the upload folder (we run as root in
CI). Where mounting is not allowed, the file's writes go to /dev/full instead, which
fails with the same ENOSPC from the kernel."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.attachments.models import StoredFile
from portal.auth.models import Role
from portal.disclosures import services
from portal.disclosures.models import Category, Disclosure
from portal.extensions import db
from portal.timeutil import local_today
from tests.soak.traffic import report

DISK_BYTES = 256 * 1024
PDF_HEAD = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _mount_tmpfs(folder: Path) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs",
                             str(folder)], capture_output=True, timeout=30)
    return result.returncode == 0


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    folder = tmp_path / "uploads-disk"
    mounted = os.geteuid() == 0 and shutil.which("mount") and _mount_tmpfs(folder)
    if not mounted:
        from portal.attachments import storage

        def write_to_full_device(fd, _mode):
            os.close(fd)
            return open("/dev/full", "wb", buffering=0)

        monkeypatch.setattr(storage.os, "fdopen", write_to_full_device)
    yield folder, "tmpfs" if mounted else "/dev/full"
    if mounted:
        subprocess.run(["umount", str(folder)], check=True, timeout=30)


@pytest.fixture
def app_config(app_config, small_disk):
    return {**app_config, "UPLOAD_FOLDER": str(small_disk[0])}


def _files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def test_upload_to_a_full_disk_is_refused_cleanly(client, login, orgs, make_user,
                                                   small_disk):
    folder, how = small_disk
    editor = make_user("editor", (Role.EDITOR, orgs["town"]))
    draft = services.create_draft(editor, services.DisclosureInput(
        organization=orgs["town"], category=Category.RESULT, title="2026年度财政预算",
        body_html="<p>预算表见附件。</p>", formed_on=local_today()))
    login(editor)

    too_big = PDF_HEAD + b"0" * (DISK_BYTES * 2)
    refused = client.post(f"/staff/disclosures/{draft.id}/attachments",
                          data={"files": (io.BytesIO(too_big), "预算表.pdf")},
                          content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    left_behind = _files(folder)
    db.session.expire_all()
    rows = db.session.scalar(select(func.count()).select_from(StoredFile))
    attached = len(db.session.get(Disclosure, draft.id).attachments)

    small = PDF_HEAD + b"0" * 1024
    accepted = client.post(f"/staff/disclosures/{draft.id}/attachments",
                           data={"files": (io.BytesIO(small), "说明.pdf")},
                           content_type="multipart/form-data") if how == "tmpfs" else None
    report("d. upload to a full disk", disk=f"{how} ({DISK_BYTES // 1024} KB)",
           upload_bytes=len(too_big), status=refused.status_code,
           files_left=len(left_behind), rows_left=rows, attachments_left=attached,
           small_upload_afterwards=accepted.status_code if accepted else "n/a")

    assert refused.status_code == 507
    assert "存储空间不足" in page and "预算表.pdf" in page
    assert left_behind == [] and rows == 0 and attached == 0
    if accepted is not None:  # room again: the same folder takes a file that fits
        assert accepted.status_code == 302
        assert len(_files(folder)) == 1
