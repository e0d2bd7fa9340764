"""The bulk export of every public record: `flask --app portal export DIR [--resume]`.

Layout of DIR:

    manifest.json            what was exported, when, from which site; every file with
                             its size and SHA-256; counts per part
    SHA256SUMS               `sha256sum -c SHA256SUMS` checks every file listed
    <part>.json, <part>.csv  the records (see `portal.transfer.dataset`)
    files/<part>/<id>/…      attachments the public may download, and finance tables
                             regenerated from the masked rows (never the original upload)
    .export-progress.json    which parts are finished (for --resume)

Decisions:
- Every file is written to a temporary name in its folder and renamed into place, so a
  file in DIR is always whole. A part (its records, files and tables) is recorded as
  finished only after all of it is written.
- `--resume` continues an interrupted export: finished parts are not written again, and
  within the unfinished part a stored file already in place with the right SHA-256 is
  kept. Each part is a snapshot of the moment it was written; the manifest gives each
  part's time. Without `--resume` DIR must be empty (or not exist yet).
- The export is audited (`export.public_records`) when it completes.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from portal import audit
from portal.attachments.storage import stored_path
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.errors import Conflict
from portal.extensions import db
from portal.timeutil import local_now
from portal.transfer import dataset

PROGRESS = ".export-progress.json"
SUMS = "SHA256SUMS"
MANIFEST = "manifest.json"
FORMAT = "zhengwu-gongkai-export/1"


@dataclass
class ExportResult:
    folder: Path
    written: list[str] = field(default_factory=list)  # parts written by this run
    skipped: list[str] = field(default_factory=list)  # finished before (--resume)
    missing: list[str] = field(default_factory=list)  # stored files lost from the disk
    counts: dict[str, int] = field(default_factory=dict)
    already_complete: bool = False


def export_public_records(actor, folder: Path, *, resume: bool = False,
                          on_part: Callable[[str], None] | None = None) -> ExportResult:
    """Write every public record into `folder` (see the module docstring). Requires
    `admin` (the server's command line passes). Raises Conflict for a folder that is not
    empty without `resume`, or that holds no export to resume."""
    require(actor, Role.ADMIN, None, action="export.public_records")
    progress = _start(folder, resume)
    result = ExportResult(folder)
    if progress.get("complete"):
        result.already_complete = True
        return result
    for part in dataset.PARTS:
        done = progress["parts"].get(part.name)
        if done is not None:
            result.skipped.append(part.name)
            result.counts[part.name] = done["count"]
            continue
        if on_part is not None:
            on_part(part.name)
        progress["parts"][part.name] = _write_part(folder, part, result)
        result.counts[part.name] = progress["parts"][part.name]["count"]
        result.written.append(part.name)
        _save(folder, progress)
    _finish(folder, progress)
    audit.record(actor, "export.public_records", None, after={
        "folder": str(folder), "counts": result.counts, "resumed": bool(result.skipped),
        "missing_files": len(result.missing)})
    db.session.commit()
    return result


def _start(folder: Path, resume: bool) -> dict:
    state = folder / PROGRESS
    if resume:
        if not state.is_file():
            raise Conflict(f"{folder} 中没有未完成的导出可以继续（缺少 {PROGRESS}）。")
        return json.loads(state.read_text("utf-8"))
    if folder.exists() and any(folder.iterdir()):
        raise Conflict(f"目录 {folder} 不是空的：请换一个空目录，"
                       "或加 --resume 继续上次中断的导出。")
    folder.mkdir(parents=True, exist_ok=True)
    progress = {"format": FORMAT, "site": _site(), "started_at": _now(), "parts": {},
                "complete": False}
    _save(folder, progress)
    return progress


def _site() -> dict:
    return {"name": current_app.config["SITE_NAME"],
            "url": current_app.config.get("SITE_URL") or ""}


def _now() -> str:
    return local_now().isoformat(timespec="seconds")


def _write_part(folder: Path, part: dataset.Part, result: ExportResult) -> dict:
    sums: dict[str, str] = {}

    def write_files(items: list[dataset.FileItem]) -> None:
        for item in items:
            digest = _write_item(folder, item, result)
            if digest is not None:
                sums[item.path] = digest

    written = dataset.write(part, folder, write_files)
    return {"count": written.count, "written_at": _now(), "files": {**sums, **written.sums}}


def _write_item(folder: Path, item: dataset.FileItem, result: ExportResult) -> str | None:
    target = folder / item.path
    if item.generate is not None:
        return write_whole(target, item.generate())
    stored = item.stored
    if target.is_file() and file_digest(target) == stored.sha256:
        return stored.sha256
    source = stored_path(stored.storage_name)
    if not source.is_file():
        result.missing.append(f"{item.path}（{stored.display_name}）")
        return None
    return write_whole(target, source.read_bytes())


def file_digest(path: Path) -> str:
    """SHA-256 of a file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_whole(target: Path, content: bytes) -> str:
    """Write whole or not at all: a temporary file in the same folder, renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return hashlib.sha256(content).hexdigest()


def _save(folder: Path, progress: dict) -> None:
    write_whole(folder / PROGRESS, dataset.json_bytes(progress))


def _finish(folder: Path, progress: dict) -> None:
    sums = {path: digest for part in progress["parts"].values()
            for path, digest in part["files"].items()}
    manifest = {"format": FORMAT, "site": progress["site"], "started_at": progress["started_at"],
                "finished_at": _now(),
                "parts": {name: {"title": next(p.title for p in dataset.PARTS if p.name == name),
                                 "count": part["count"], "written_at": part["written_at"]}
                          for name, part in progress["parts"].items()},
                "files": [{"path": path, "sha256": digest,
                           "size": (folder / path).stat().st_size}
                          for path, digest in sorted(sums.items())]}
    sums[MANIFEST] = write_whole(folder / MANIFEST, dataset.json_bytes(manifest))
    write_whole(folder / SUMS, sums_text(sums))
    progress["complete"] = True
    _save(folder, progress)


def sums_text(sums: dict[str, str]) -> bytes:
    """The lines of a SHA256SUMS file, as `sha256sum` writes and checks them."""
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(sums.items())).encode()
