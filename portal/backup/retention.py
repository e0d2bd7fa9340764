"""Daily backups into a folder, older ones removed (`flask backup DIR --keep-days N`).

Archives the command names itself are `portal-YYYYMMDD-HHMMSS.tar.gz` (UTC); only files
of exactly that form are ever removed, by the time in their name (copying a file does
not make it younger), and never the archive just written.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

PATTERN = re.compile(r"portal-(\d{8}-\d{6})\.tar\.gz")
STAMP = "%Y%m%d-%H%M%S"


def archive_name(now: datetime) -> str:
    return f"portal-{now.astimezone(UTC).strftime(STAMP)}.tar.gz"


def taken_at(path: Path) -> datetime | None:
    match = PATTERN.fullmatch(path.name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def expired(folder: Path, keep_days: int, now: datetime, keep: Path) -> list[Path]:
    """The archives in `folder` taken more than `keep_days` days before `now`, oldest
    first; `keep` (the one just written) is never among them."""
    limit = now - timedelta(days=keep_days)
    found = [(moment, path) for path in folder.iterdir()
             if path.is_file() and path != keep
             and (moment := taken_at(path)) is not None and moment < limit]
    return [path for _moment, path in sorted(found)]
