"""Backup and restore of the whole site: the database and the uploaded files.

Only the server's command line calls these (shell access already means full control,
so the actor is SYSTEM); both are recorded in the audit log.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from portal import audit
from portal.audit.services import verify_chain
from portal.auth.system import SYSTEM
from portal.backup.archive import UPLOADS, ArchiveWriter, Manifest, extract, read_verified
from portal.backup.engines import for_app
from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.timeutil import utcnow


def _upload_files(folder: Path) -> list[Path]:
    """Stored uploads; dot files are half-written temporaries (see attachments.storage)."""
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.rglob("*")
                  if path.is_file() and not path.name.startswith("."))


Progress = Callable[[str, int, int, int], None]


def _silent(_stage: str, _done: int, _total: int, _bytes: int) -> None:
    return None


def create_backup(path: Path, progress: Progress = _silent) -> Manifest:
    """Write one archive with a consistent copy of the database, then every uploaded file.

    Works while the site serves. The database is copied first: a file its rows name was
    written before the row was committed, so it is on disk when the folder is copied.
    `progress(stage, done, total, bytes)` is told of each step ("database", "uploads").
    Raises ValidationError for an unusable path, ToolFailed when pg_dump fails.
    """
    path = path.resolve()
    if path.is_dir() or not path.parent.is_dir():
        raise ValidationError(f"备份文件路径无效：{path}（须为已存在目录中的文件名）。")
    audit.record(SYSTEM, "system.backup", message=str(path))
    db.session.commit()
    tree_head = _signed_head()
    database = for_app()
    writer = ArchiveWriter(path)
    try:
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as work:
            copy = Path(work) / database.member
            facts = database.dump(copy)
            writer.add_file(database.member, copy)
            progress("database", 1, 1, copy.stat().st_size)
        folder = Path(current_app.config["UPLOAD_FOLDER"])
        files = _upload_files(folder)
        written = 0
        for done, file in enumerate(files, start=1):
            writer.add_file(UPLOADS + file.relative_to(folder).as_posix(), file)
            written += writer.members[UPLOADS + file.relative_to(folder).as_posix()]["size"]
            progress("uploads", done, len(files), written)
        manifest = Manifest(engine=database.engine, database_member=database.member,
                            created_at=utcnow().isoformat(),
                            schema_revision=facts.schema_revision,
                            audit_head=facts.audit_head, audit_events=facts.audit_events,
                            tree_head=tree_head)
        writer.close(manifest)
    except BaseException:
        writer.abort()
        raise
    return manifest


def _signed_head() -> dict | None:
    """A head signed now, covering the backup event, when the log has a key."""
    from portal.transparency import heads

    key = heads.current_key()
    db.session.rollback()  # no transaction left open while the database is copied
    return heads.as_json(heads.sign_head()) if key is not None else None


@dataclass
class RestoreReport:
    manifest: Manifest
    integrity: str = ""
    audit_ok: bool = False
    audit_message: str = ""
    missing_files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.integrity in ("ok", "不适用（PostgreSQL）") and self.audit_ok


def check_archive(path: Path, progress: Progress = _silent) -> Manifest:
    """The verified manifest of an archive, refusing one for another engine.

    Raises BadArchive (corrupt, incomplete or foreign file) or Conflict."""
    manifest = read_verified(path, lambda done, read: progress("verify", done, 0, read))
    database = for_app()
    if manifest.engine != database.engine:
        raise Conflict(f"备份来自 {manifest.engine} 数据库，当前配置的是 {database.engine}，"
                       "不能直接恢复。")
    return manifest


def restore_backup(path: Path, *, force: bool = False,
                   progress: Progress = _silent) -> RestoreReport:
    """Restore the database and the uploaded files from a verified archive, then check
    the result: SQLite integrity and the audit chain, which must end at the head the
    backup recorded. The site must be stopped while this runs.

    Refuses a target database that already holds data unless `force`. Raises BadArchive,
    Conflict or ToolFailed; nothing is changed when the archive does not verify.
    """
    manifest = check_archive(path)
    database = for_app()
    if not force and not database.is_empty():
        raise Conflict("目标数据库中已有数据。确认要用备份覆盖时，请加 --force。")
    db.session.remove()
    database.restore(path, manifest)
    _forget_derived_files()
    progress("database", 1, 1, manifest.members[manifest.database_member]["size"])
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    extract(path, manifest, {name: folder / name.removeprefix(UPLOADS)
                             for name in manifest.upload_members},
            lambda done, written: progress("uploads", done, len(manifest.upload_members),
                                           written))
    return _check_restored(manifest, database)


def _forget_derived_files() -> None:
    """Pages and inspectors' snapshots kept as files for this database were made from
    what it held before: the restored one starts its version numbers again from the
    backup's, so a kept page could pass as current and show a document withdrawn since.
    They are removed; the site renders them afresh."""
    import shutil

    from portal.pagecache import DERIVED_FOLDERS, instance_folder

    for name in DERIVED_FOLDERS:
        shutil.rmtree(instance_folder(current_app, name), ignore_errors=True)
    signal = current_app.extensions.get("pagecache_signal")
    if signal is not None:  # any process still running reads the restored version at once
        signal.touch()


def _check_tree_head(manifest: Manifest, report: RestoreReport) -> None:
    """The restored tree must have, at the size the backup's head names, that root."""
    from portal.transparency import log

    head = manifest.tree_head
    if not head:
        return
    size = int(head["tree_size"])
    if log.size() < size or log.root(size).hex() != head["root_hash"]:
        report.audit_ok = False
        report.audit_message += (f"；恢复后的默克尔树与备份清单中的签名树头（{size} 个叶子，"
                                 f"根 {head['root_hash'][:16]}…）不符")
    else:
        report.audit_message += f"；与备份清单中的签名树头（{size} 个叶子）一致"


def _check_restored(manifest: Manifest, database) -> RestoreReport:
    from sqlalchemy import select

    from portal.attachments.models import StoredFile
    from portal.attachments.storage import stored_path

    report = RestoreReport(manifest, integrity=database.integrity())
    verdict = verify_chain(expect_head=manifest.audit_head)
    report.audit_ok = verdict.ok and verdict.head == manifest.audit_head
    if verdict.ok and verdict.head != manifest.audit_head:
        report.audit_message = f"链头 {verdict.head} 与备份记录的 {manifest.audit_head} 不一致"
    elif verdict.ok:
        report.audit_message = f"共 {verdict.count} 条记录，链头 {verdict.head}"
    else:
        where = f"#{verdict.first_bad_id}" if verdict.first_bad_id else "链尾"
        report.audit_message = f"{where}：{verdict.reason}"
    _check_tree_head(manifest, report)
    report.missing_files = [
        name for name in db.session.scalars(select(StoredFile.storage_name))
        if not stored_path(name).is_file()]
    db.session.rollback()
    if report.ok:
        audit.record(SYSTEM, "system.restore", message=f"{manifest.created_at}")
        db.session.commit()
    return report
