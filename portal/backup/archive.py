"""The backup archive: one gzip-compressed tar file holding

    database.sqlite3 | database.pgdump   the database copy (SQLite file, pg_dump -Fc)
    uploads/ab/cd/<name>.<kind>          every stored upload
    manifest.json                        written last: sha256 and size of every member,
                                         engine, schema revision, audit chain head, time

Reading checks every member against the manifest before anything is restored, so a
truncated, altered or foreign file is refused with a clear message and nothing changes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

from portal.errors import DomainError

FORMAT = "portal-backup/1"
MANIFEST = "manifest.json"
UPLOADS = "uploads/"
CHUNK = 1024 * 1024


class BadArchive(DomainError):
    """The file is not an intact backup of this system."""

    status = 400


@dataclass
class Manifest:
    engine: str  # "sqlite" or "postgresql"
    database_member: str
    created_at: str
    schema_revision: str
    audit_head: str
    audit_events: int
    members: dict[str, dict] = field(default_factory=dict)  # name → {sha256, size}
    format: str = FORMAT
    # The audit log's signed tree head as of the copy (transparency.heads.as_json), so
    # whoever keeps backups also keeps heads to check the log against; None without a key.
    tree_head: dict | None = None

    @property
    def upload_members(self) -> list[str]:
        return sorted(name for name in self.members if name.startswith(UPLOADS))


class _Hashing(io.RawIOBase):
    """Reads through to `source`, hashing what passes."""

    def __init__(self, source: IO[bytes]):
        self.source, self.digest = source, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.source.read(len(buffer))
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


class ArchiveWriter:
    """Add members, then `close(manifest)`: the archive appears at `path` only when it
    is complete (written to a temporary file beside it, fsynced, renamed)."""

    def __init__(self, path: Path):
        self.path = path
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                        suffix=".partial")
        os.close(handle)
        self.temp = Path(temp)
        self.tar = tarfile.open(self.temp, "w:gz", compresslevel=6)  # noqa: SIM115 - closed in close()/abort()
        self.members: dict[str, dict] = {}

    def add_file(self, name: str, source: Path) -> None:
        info = self.tar.gettarinfo(str(source), arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        with source.open("rb") as handle:
            hashing = _Hashing(handle)
            self.tar.addfile(info, hashing)
        self.members[name] = {"sha256": hashing.digest.hexdigest(), "size": info.size}

    def close(self, manifest: Manifest) -> None:
        manifest.members = self.members
        data = json.dumps(asdict(manifest), ensure_ascii=False, indent=1).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        self.tar.addfile(info, io.BytesIO(data))
        self.tar.close()
        with self.temp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self.temp, self.path)

    def abort(self) -> None:
        self.tar.close()
        self.temp.unlink(missing_ok=True)


def _open(path: Path) -> tarfile.TarFile:
    if not path.is_file():
        raise BadArchive(f"找不到备份文件：{path}")
    try:
        return tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise BadArchive(f"无法读取备份文件 {path.name}：文件已损坏或不是本系统的备份。") from error


def _safe_member(info: tarfile.TarInfo) -> None:
    name = info.name
    if not info.isfile() or name.startswith("/") or ".." in Path(name).parts:
        raise BadArchive(f"备份文件含有不允许的条目“{name[:80]}”，已拒绝。")


def read_verified(path: Path, progress: Callable[[int, int], None] | None = None
                  ) -> Manifest:
    """Read the manifest and check every member's sha256 and size against it;
    `progress(members read, bytes read)` after each member.

    Raises BadArchive naming the first problem; nothing is extracted.
    """
    found: dict[str, dict] = {}
    manifest_data = None
    read = 0
    try:
        with _open(path) as tar:
            for info in tar:
                _safe_member(info)
                handle = tar.extractfile(info)
                if info.name == MANIFEST:
                    manifest_data = handle.read()
                    continue
                digest = hashlib.sha256()
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                found[info.name] = {"sha256": digest.hexdigest(), "size": info.size}
                read += info.size
                if progress is not None:
                    progress(len(found), read)
            # tarfile stops at a damaged header as if at the end; reading on to the end
            # of the gzip stream checks its CRC, so damage anywhere is noticed.
            while tar.fileobj.read(CHUNK):
                pass
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise BadArchive(f"备份文件 {path.name} 已损坏（读取中断：{error}）。") from error
    manifest = _parse_manifest(manifest_data, path)
    for name, expected in manifest.members.items():
        if name not in found:
            raise BadArchive(f"备份文件不完整：缺少“{name}”。")
        if found[name] != expected:
            raise BadArchive(f"备份文件已损坏：“{name}”的校验值与清单不符。")
    extra = set(found) - set(manifest.members)
    if extra:
        raise BadArchive(f"备份文件含有清单以外的条目“{sorted(extra)[0][:80]}”。")
    return manifest


def _parse_manifest(data: bytes | None, path: Path) -> Manifest:
    if data is None:
        raise BadArchive(f"{path.name} 不完整或已损坏：找不到备份清单（manifest.json），"
                         "或者它不是本系统的备份。")
    try:
        fields = json.loads(data)
        manifest = Manifest(**fields)
    except (ValueError, TypeError) as error:
        raise BadArchive("备份清单（manifest.json）无法解析，备份文件已损坏。") from error
    if manifest.format != FORMAT:
        raise BadArchive(f"不支持的备份格式“{manifest.format}”。")
    return manifest


def extract(path: Path, manifest: Manifest, targets: dict[str, Path],
            progress: Callable[[int, int], None] | None = None) -> None:
    """Write the named members to their targets in one pass over the archive, each
    through a temporary file beside its target (fsynced, checked against the manifest's
    sha256 again, then renamed). `progress(members written, bytes written)` after each."""
    done = written = 0
    try:
        with _open(path) as tar:
            for info in tar:
                if info.name in targets:
                    _write_checked(tar.extractfile(info), targets[info.name],
                                   manifest.members[info.name]["sha256"], info.name)
                    done, written = done + 1, written + info.size
                    if progress is not None:
                        progress(done, written)
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise BadArchive(f"备份文件 {path.name} 已损坏（读取中断：{error}）。") from error


def _write_checked(source: IO[bytes], target: Path, sha256: str, name: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".restore-",
                                         suffix=".part")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            digest = hashlib.sha256()
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise BadArchive(f"备份文件已损坏：“{name}”的校验值与清单不符。")
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
