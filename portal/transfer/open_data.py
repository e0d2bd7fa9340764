"""The open-data package: the dataset of `portal.transfer.dataset` (JSON and CSV of every
public record, files linked by their public URLs), a manifest and SHA256SUMS, for anyone
to download at `/open-data/`.

Decisions:
- **On disk, written as it is read.** A package is a folder of the instance folder,
  `open-data/<database>/v<version>-<changed>/`, named by the public-content state it was
  built from (`portal.pagecache`). Its files are written a batch of records at a time and
  sent from disk, so no worker holds a package in memory, whatever the site's size. The
  folder is built under a temporary name and renamed into place when whole.
- **Never what was taken back.** A package built before a withdrawal, an edit or a
  deletion of anything public may still hold it, so it is offered no more. One built
  since the last such change (`retracted_version`, kept by `portal.pagecache.tags`)
  holds nothing that is not public now: it only lacks what was published after it, and
  is offered, saying so, until the package of the current content is built. The state is
  read before the records, so a change made while a package is built leaves it out of
  date, never served under the newer state.
- **Who builds it.** A site with at most OPEN_DATA_INLINE_RECORDS public records (a town's,
  the demo: about a second per 2,000) has it built by the first request that finds it out
  of date. A larger one is built by the background worker (`flask notify worker`: every
  minute, when out of date, one build at a time, at a lower CPU priority than the site) or
  by `flask open-data`; meanwhile the page says the files are being prepared and a
  download answers 503 with Retry-After, and neither is kept by any cache.
- **Links** start with SITE_URL (else the first trusted host, else http://localhost/, as in
  `flask export`), whichever request or process builds the package.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import logging
import os
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.pagecache import instance_folder, per_content_version
from portal.timeutil import to_local
from portal.transfer import dataset
from portal.transfer.export import FORMAT, MANIFEST, SUMS, file_digest, sums_text, write_whole

log = logging.getLogger(__name__)

FOLDER = "open-data"
RETRY_SECONDS = 60
MIMETYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}
TITLES = {MANIFEST: "清单", SUMS: "校验值"}
for _part in dataset.PARTS:
    TITLES[f"{_part.name}.json"] = TITLES[f"{_part.name}.csv"] = _part.title
    if _part.extra_csv is not None:
        TITLES[f"{_part.extra_csv[0]}.csv"] = f"{_part.title}（意见）"
NAMES = frozenset(TITLES)  # every file a package has


@dataclass(frozen=True)
class DataFile:
    name: str
    title: str
    path: Path
    size: int
    sha256: str

    @property
    def mimetype(self) -> str:
        return MIMETYPES.get(self.name.rpartition(".")[2], "text/plain; charset=utf-8")


@dataclass(frozen=True)
class Package:
    files: tuple[DataFile, ...]
    counts: dict[str, int]
    as_of: str
    current: bool = True  # False: built before the latest additions (see the module's doc)

    def get(self, name: str) -> DataFile | None:
        return next((f for f in self.files if f.name == name), None)


def current() -> Package | None:
    """The package of the current public content, built now on a small site; else the
    newest one built since public content was last taken back (`current` False), until
    the worker has built it. None when there is neither (or the content version cannot
    be read)."""
    state = _state()
    if state is None:
        return None
    package = _load(_folder(state))
    if package is not None:
        return package
    limit = int(current_app.config["OPEN_DATA_INLINE_RECORDS"])
    if limit > 0 and _records() <= limit:
        try:
            package = _build_locked(state, wait=True)
        except Exception:  # the page says the files are being prepared; the worker retries
            log.exception("open-data package not built")
    return package or _still_valid(state[0])


def _still_valid(version_now: int) -> Package | None:
    """The newest package built at or after the last retraction of public content (and
    not after the current version: such a folder comes from another database's history,
    which `flask restore` clears anyway)."""
    from portal.pagecache.models import SINGLETON_ID, ContentVersion

    retracted = db.session.scalar(sa.select(ContentVersion.retracted_version)
                                  .where(ContentVersion.id == SINGLETON_ID))
    if retracted is None:
        return None
    built = sorted(((version, folder) for folder in _root().glob("v*")
                    if (version := _version_of(folder)) is not None and version <= version_now),
                   reverse=True)
    for version, folder in built:
        if version < retracted:
            break
        package = _load(folder)
        if package is not None:
            return dataclasses.replace(package, current=False)
    return None


def _version_of(folder: Path) -> int | None:
    """The content version a package folder (`v<version>-<changed>`) was built from."""
    number = folder.name[1:].partition("-")[0]
    return int(number) if number.isdigit() else None


def refresh() -> Package | None:
    """Build the package of the current content unless it is there already; None when
    another process is building one (the worker's job, `flask open-data`)."""
    state = _state()
    if state is None:
        return None
    return _load(_folder(state)) or _build_locked(state, wait=False)


# -- where packages are ---------------------------------------------------------------

def _state() -> tuple[int, int] | None:
    return current_app.extensions["pagecache"][1].read()


def _root() -> Path:
    return instance_folder(current_app, FOLDER)


def _folder(state: tuple[int, int]) -> Path:
    return _root() / f"v{state[0]}-{state[1]}"


_loaded: dict[Path, Package] = {}  # this process's reading of the packages on disk


def _load(folder: Path) -> Package | None:
    """The package in `folder`, if it has been built (its SHA256SUMS is written last)."""
    package = _loaded.get(folder)
    if package is not None and folder.is_dir():
        return package
    try:
        sums = dict(reversed(line.split("  ", 1))
                    for line in (folder / SUMS).read_text("utf-8").splitlines())
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
        names = [entry["path"] for entry in manifest["files"]] + [MANIFEST, SUMS]
        files = tuple(DataFile(name, TITLES.get(name, name), folder / name,
                               (folder / name).stat().st_size,
                               sums.get(name) or file_digest(folder / name))
                      for name in names)
    except (OSError, ValueError, KeyError):
        return None
    package = Package(files, {name: part["count"] for name, part in manifest["parts"].items()},
                      manifest["as_of"])
    if len(_loaded) > 4:
        _loaded.clear()
    _loaded[folder] = package
    return package


def _records() -> int:
    """How many public records the package would hold (kept until the content changes)."""
    return per_content_version("open-data-records", _count_records)


def _count_records() -> int:
    statements = [dataset.record_statement(part) for part in dataset.PARTS]
    return sum(db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
               for stmt in statements if stmt is not None)


# -- building ---------------------------------------------------------------------------

_building = threading.Lock()  # one build per process; the lock file orders processes


def _build_locked(state: tuple[int, int], *, wait: bool) -> Package | None:
    root = _root()
    root.mkdir(parents=True, exist_ok=True)
    if not _building.acquire(blocking=wait):
        return None
    try:
        with (root / ".lock").open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                return None
            folder = _folder(state)
            if _load(folder) is None:  # not built by another process meanwhile
                _build(root, folder, state)
            return _load(folder)
    finally:
        _building.release()


def _build(root: Path, folder: Path, state: tuple[int, int]) -> None:
    for stale in root.glob(".building-*"):  # left by a build that was killed
        shutil.rmtree(stale, ignore_errors=True)
    building = root / f".building-{folder.name}"
    building.mkdir()
    try:
        with current_app.test_request_context("/", base_url=_base_url()):
            _write_package(building, state)
        os.rename(building, folder)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    for old in root.glob("v*"):  # a download under way keeps its open file
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
    log.info("open-data package %s built", folder.name)


def _base_url() -> str:
    from portal.warmup import site_base_url

    return current_app.config.get("SITE_URL") or site_base_url(current_app)


def _write_package(folder: Path, state: tuple[int, int]) -> None:
    as_of = to_local(datetime.fromtimestamp(state[1], UTC)).isoformat(timespec="seconds") \
        if state[1] else ""
    counts: dict[str, int] = {}
    sums: dict[str, str] = {}
    for part in dataset.PARTS:
        written = dataset.write(part, folder)
        counts[part.name] = written.count
        sums.update(written.sums)
        db.session.rollback()  # nothing is kept from one part to the next
    manifest = {"format": FORMAT, "site": {"name": current_app.config["SITE_NAME"]},
                "as_of": as_of,
                "parts": {p.name: {"title": p.title, "count": counts[p.name]}
                          for p in dataset.PARTS},
                "files": [{"path": name, "sha256": digest,
                           "size": (folder / name).stat().st_size}
                          for name, digest in sums.items()],
                "attachments": "记录中的附件以网址给出（url），并附 sha256 校验值。"}
    sums[MANIFEST] = write_whole(folder / MANIFEST, dataset.json_bytes(manifest))
    write_whole(folder / SUMS, sums_text(sums))


def refresh_in_background(context) -> bool:
    """The worker's job: `refresh` on a thread of its own at a lower CPU priority than the
    site (Linux sets it per thread), in `context()` (an application context)."""
    built: list[bool] = []

    def run() -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except OSError:
            log.debug("open-data build runs at normal priority", exc_info=True)
        try:
            with context():
                built.append(refresh() is not None)
        except Exception:
            log.exception("open-data package not built")

    thread = threading.Thread(target=run, name="open-data-build")
    thread.start()
    thread.join()
    return bool(built and built[0])
