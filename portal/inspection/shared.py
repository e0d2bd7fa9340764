"""Rendered snapshots shared by the workers of one host, as files.

Each worker keeps its own snapshots in memory (`portal.inspection.snapshot`), so without
this every worker computed the same figures again: at a million work orders a cold
dashboard costs about a second of CPU, five workers computed it at once on two cores,
and the inspector waited for all of them. A snapshot whose value is text (the dashboard's
rendered fragments) is therefore also written under `<instance>/snapshots/<database>/`,
one file per key: a JSON line with the key, the version it was computed under, when it
was computed and until when it holds, then the text. It is written to a temporary name
and renamed, so a reader sees all of it or nothing; whether it may be served is decided
exactly as for a snapshot in memory (same version, `computed_at <= now < valid_until`).

`computing(key)` takes an exclusive lock on the key's lock file while one worker
computes, so the others wait for its result instead of computing the same thing
alongside it; the kernel releases the lock if that worker dies.

The folder is emptied when the application is created (a restored database may reach
a version number again with other content), and holds at most `MAX_FILES` keys.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from markupsafe import Markup

log = logging.getLogger(__name__)
MAX_FILES = 2_000


class SharedSnapshots:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: tuple, suffix: str = "") -> Path:
        name = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
        return self.root / (name + suffix)

    def get(self, key: tuple, version, now: datetime) -> tuple[str, datetime, datetime] | None:
        """(text, computed_at, valid_until) if the file holds `key` under `version` and
        may be served at `now`."""
        try:
            raw = self._path(key).read_bytes()
        except OSError:
            return None
        meta, _, body = raw.partition(b"\n")
        try:
            fields = json.loads(meta)
            computed_at = datetime.fromisoformat(fields["computed_at"])
            valid_until = datetime.fromisoformat(fields["valid_until"])
            text = body.decode()
        except (ValueError, KeyError, TypeError):
            return None
        if fields["key"] != repr(key) or fields["version"] != repr(version):
            return None  # another key with the same hash, or another version
        if not computed_at <= now < valid_until:
            return None
        if fields.get("markup"):  # it was Markup when it was stored
            text = Markup(text)  # nosec B704
        return text, computed_at, valid_until

    def put(self, key: tuple, version, computed_at: datetime, valid_until: datetime,
            value: str) -> None:
        target = self._path(key)
        meta = json.dumps({"key": repr(key), "version": repr(version),
                           "computed_at": computed_at.isoformat(),
                           "valid_until": valid_until.isoformat(),
                           "markup": isinstance(value, Markup)}, ensure_ascii=False)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if not target.exists() and _count(self.root) >= MAX_FILES:
                return
            handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
            with os.fdopen(handle, "wb") as file:
                file.write(meta.encode() + b"\n" + str(value).encode())
            os.replace(temporary, target)
        except OSError:
            log.debug("shared snapshot not written", exc_info=True)

    @contextmanager
    def computing(self, key: tuple) -> Iterator[None]:
        """Hold the key's lock while computing it (no lock if the folder is unusable)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = os.open(self._path(key, ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            yield
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)  # releases the lock

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _count(root: Path) -> int:
    try:
        return sum(1 for entry in os.scandir(root) if not entry.name.endswith(".lock"))
    except OSError:
        return MAX_FILES


def for_app(app) -> SharedSnapshots | None:
    """The application's shared snapshots: one folder per database under the instance
    folder, emptied now; None with PAGE_CACHE_SHARED = False (an instance folder on a
    network share, where file locks and renames cannot be relied on)."""
    if not app.config.get("PAGE_CACHE_SHARED", True):
        return None
    from portal.pagecache import instance_folder

    shared = SharedSnapshots(instance_folder(app, "snapshots"))
    shared.clear()
    return shared
