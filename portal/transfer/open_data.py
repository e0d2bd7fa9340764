"""The open-data package: the dataset of `portal.transfer.dataset` (JSON and CSV of every
public record, files linked by their public URLs), a manifest and SHA256SUMS, for anyone
to download at `/open-data/`.

Built on the first request after public content changes and kept until the next change
(`portal.pagecache.per_content_version`), so every worker serves the same bytes for the
same version: the manifest is dated by the last public change, not by the moment a worker
built it. The package is held in each worker's memory; a site whose public records run to
hundreds of megabytes publishes the bulk export (`flask export`) instead.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

from portal.pagecache import last_public_change, per_content_version
from portal.timeutil import to_local
from portal.transfer import dataset
from portal.transfer.export import FORMAT, MANIFEST, SUMS, sums_text

MIMETYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


@dataclass(frozen=True)
class DataFile:
    name: str
    title: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def mimetype(self) -> str:
        return MIMETYPES.get(self.name.rpartition(".")[2], "text/plain; charset=utf-8")


@dataclass(frozen=True)
class Package:
    files: tuple[DataFile, ...]
    counts: dict[str, int]
    as_of: str

    def get(self, name: str) -> DataFile | None:
        return next((f for f in self.files if f.name == name), None)


def current() -> Package:
    """The package for the current public content."""
    return per_content_version("open-data", build)


def build() -> Package:
    changed = last_public_change()
    as_of = to_local(datetime.fromtimestamp(changed, UTC)).isoformat(timespec="seconds") \
        if changed else ""
    files: list[DataFile] = []
    counts: dict[str, int] = {}
    for part in dataset.PARTS:
        output = dataset.render(part)
        counts[part.name] = output.count
        for name, content in output.files.items():
            title = part.title if name.startswith(part.name) else f"{part.title}（意见）"
            files.append(_file(name, title, content))
    manifest = {"format": FORMAT, "site": {"name": current_app.config["SITE_NAME"]},
                "as_of": as_of,
                "parts": {p.name: {"title": p.title, "count": counts[p.name]}
                          for p in dataset.PARTS},
                "files": [{"path": f.name, "sha256": f.sha256, "size": f.size} for f in files],
                "attachments": "记录中的附件以网址给出（url），并附 sha256 校验值。"}
    files.append(_file(MANIFEST, "清单", dataset.json_bytes(manifest)))
    files.append(_file(SUMS, "校验值", sums_text({f.name: f.sha256 for f in files})))
    return Package(tuple(files), counts, as_of)


def _file(name: str, title: str, content: bytes) -> DataFile:
    return DataFile(name, title, content, hashlib.sha256(content).hexdigest())
