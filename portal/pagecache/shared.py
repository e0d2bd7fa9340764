"""The second level: finished pages as files, so one worker's render serves every worker
on the host instead of each rendering the page itself.

Files live under `<instance>/pagecache/<database>/<day>/<hash of the key>`: one folder per
local day, and the first worker to see a new day removes the old folders. A file holds
one JSON line (content type, ETag, headers, the tags of what the page shows with their
versions) and then the body; it is written to a temporary name and renamed, so a reader
sees all of it or nothing. Whether a file is still current is asked by the caller, as for
a page in memory (`portal.pagecache.wsgi.is_current`); a newer render replaces it. At
most `MAX_FILES` new files per folder and worker, so odd query strings cannot fill the
disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from portal.pagecache.store import Entry

log = logging.getLogger(__name__)
MAX_FILES = 20_000
_CHUNK = 1 << 16  # below malloc's mmap threshold; most pages fit in one read
_DECODE = json.JSONDecoder().raw_decode


def _read(path: str) -> bytes:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        chunk = os.read(descriptor, _CHUNK)
        if len(chunk) < _CHUNK:  # a regular file reads short only at its end
            return chunk
        chunks = [chunk]
        while chunk:
            chunk = os.read(descriptor, _CHUNK)
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


class SharedPages:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._prefix = f"{root}{os.sep}"
        self._day: str | None = None
        self._written = 0

    def _folder(self, day: str) -> Path:
        return self.root / day

    @staticmethod
    def _name(key: tuple) -> str:
        return hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()

    def get(self, key: tuple, day: str) -> Entry | None:
        # A plain string path and the os calls: on the fast path, pathlib's joins and a
        # buffered file object cost more than the read itself.
        try:
            raw = _read(f"{self._prefix}{day}/{self._name(key)}")
        except OSError:
            return None
        meta, _, body = raw.partition(b"\n")
        try:
            fields = _DECODE(meta.decode())[0]
            if fields["key"] != list(key):
                return None  # a hash collision, however unlikely, is a miss
            return Entry(body, fields["content_type"], fields["etag"],
                         tuple(map(tuple, fields["headers"])),
                         tuple((tag, int(version)) for tag, version in fields.get("tags", ())),
                         int(fields.get("checked", -1)))
        except (ValueError, KeyError, TypeError):
            return None  # cut short or from another layout: rendered again

    def put(self, key: tuple, day: str, entry: Entry) -> None:
        if self._day is not None and day < self._day:
            return  # rendered before midnight, stored after
        if day != self._day:
            self._new_day(day)
        if self._written >= MAX_FILES or entry.headers is None:
            return
        folder = self._folder(day)
        meta = json.dumps({"key": list(key), "content_type": entry.content_type,
                           "etag": entry.etag, "headers": entry.headers,
                           "tags": entry.tags, "checked": entry.checked},
                          ensure_ascii=False).encode()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(handle, "wb") as file:
                file.write(meta + b"\n" + entry.body)
            target = folder / self._name(key)
            fresh = not target.exists()
            os.replace(temporary, target)
            self._written += fresh
        except OSError:
            log.debug("shared page not written", exc_info=True)

    def _new_day(self, day: str) -> None:
        """Drop the folders of older days, and of the per-version layout before tags
        (another worker may do the same)."""
        self._day, self._written = day, 0
        try:
            folders = list(self.root.iterdir())
        except OSError:
            return
        for folder in folders:
            if not folder.is_dir():
                continue  # the lineage mark (portal.pagecache.lineage)
            if folder.name < day or not folder.name[:1].isdigit() or folder.name.count("-") != 2:
                shutil.rmtree(folder, ignore_errors=True)
