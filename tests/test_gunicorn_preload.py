"""gunicorn loads the portal and jieba's dictionary once, in the master, and the workers
share those pages instead of each building its own copy; no database connection is
opened before the fork."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from tests.live_server import live_server, request, worker_pids

# The application's modules, templates and warmed caches are some 100 MB of Python objects
# built in the master's heap; a worker that loaded its own would share almost none of them.
SHARED_HEAP_KB = 40 * 1024


def _rollup(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return fields


def _open_files(pid: int) -> list[str]:
    targets = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            targets.append(os.readlink(fd))
        except OSError:
            continue
    return targets


def test_workers_share_the_dictionary_the_master_loaded(database_url, tmp_path):
    with live_server(database_url, tmp_path, workers=2) as (port, _log):
        for word in ("低保", "村务公开", "危房改造"):  # the workers cut words
            assert request(port, "GET", f"/search?q={quote(word)}")[0] == 200
        master = int((tmp_path / "gunicorn.pid").read_text())
        workers = worker_pids(tmp_path)
        assert len(workers) == 2
        for pid in workers:
            assert _rollup(pid)["Shared_Dirty"] > SHARED_HEAP_KB
        if database_url.startswith("sqlite"):
            database = database_url.split("///", 1)[1]
            assert not [f for f in _open_files(master) if f.startswith(database)]
