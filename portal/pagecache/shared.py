"""The second level: finished pages as files, so one worker's render serves every worker
on the host instead of each rendering the page itself.

Files live under `<instance>/pagecache/<database>/<version>-<day>/<hash of the key>`:
one folder per content version and local day, so a page of an older version is never
even looked up, and the first worker to see a new version removes the old folders. A
file holds one JSON line (content type, ETag, headers) and then the body; it is written
to a temporary name and renamed, so a reader sees all of it or nothing. At most
`MAX_FILES` per folder and worker, so odd query strings cannot fill the disk.
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


class SharedPages:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._tag: tuple[int, str] | None = None
        self._written = 0

    def _folder(self, tag: tuple[int, str]) -> Path:
        return self.root / f"{tag[0]}-{tag[1]}"

    @staticmethod
    def _name(key: tuple) -> str:
        return hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()

    def get(self, key: tuple, tag: tuple[int, str]) -> Entry | None:
        try:
            raw = (self._folder(tag) / self._name(key)).read_bytes()
        except OSError:
            return None
        meta, _, body = raw.partition(b"\n")
        try:
            fields = json.loads(meta)
        except ValueError:
            return None
        if fields.get("key") != list(key):
            return None  # a hash collision, however unlikely, is a miss
        return Entry(body, fields["content_type"], fields["etag"],
                     tuple(tuple(pair) for pair in fields["headers"]))

    def put(self, key: tuple, tag: tuple[int, str], entry: Entry) -> None:
        if self._tag is not None and tag < self._tag:
            return  # rendered under an older version than this worker has seen
        if tag != self._tag:
            self._new_tag(tag)
        if self._written >= MAX_FILES or entry.headers is None:
            return
        folder = self._folder(tag)
        meta = json.dumps({"key": list(key), "content_type": entry.content_type,
                           "etag": entry.etag, "headers": entry.headers},
                          ensure_ascii=False).encode()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(handle, "wb") as file:
                file.write(meta + b"\n" + entry.body)
            os.replace(temporary, folder / self._name(key))
            self._written += 1
        except OSError:
            log.debug("shared page not written", exc_info=True)

    def _new_tag(self, tag: tuple[int, str]) -> None:
        """Drop the folders of older versions and days (another worker may do the same)."""
        self._tag, self._written = tag, 0
        try:
            folders = list(self.root.iterdir())
        except OSError:
            return
        for folder in folders:
            version, _, day = folder.name.partition("-")
            if version.isdigit() and (int(version), day) < tag:
                shutil.rmtree(folder, ignore_errors=True)
