"""A gunicorn worker that leaves (its `max_requests` reached, or gunicorn stopping) ends
without Python's teardown, which would copy the memory it shares with the master; its
last requests are still logged, its exit status is gunicorn's, and the master is left
alone."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from portal import gunicorn_conf
from tests.live_server import access_lines, live_server, pids_serving, request, worker_pids

# What a leaving worker may still dirty: its own last writes, not the shared heap (with
# Python's teardown it copied some 45 MB of pages it shared with the master).
GROWTH_KB = 15 * 1024


def _private_dirty_kb(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("Private_Dirty:"):
            return int(line.split()[1])
    return None


def _served(access_log: Path, path: str) -> list[dict]:
    return [line for line in access_lines(access_log) if line.get("path") == path]


def test_a_replaced_worker_leaves_without_copying_the_shared_heap(database_url, tmp_path):
    env = {"GUNICORN_CMD_ARGS": "--max-requests 25 --max-requests-jitter 0"}
    with live_server(database_url, tmp_path, workers=2, env=env) as (port, access_log):
        for _ in range(10):
            assert request(port, "GET", "/")[0] == 200
        # A worker that has served a request has its own signal handlers: one just
        # forked still has the master's, which would only queue the signal.
        served = pids_serving(access_log, "GET /", 10)
        leaving = min(pid for pid in worker_pids(tmp_path) if pid in served)
        before = _private_dirty_kb(leaving)
        assert before is not None
        os.kill(leaving, signal.SIGTERM)  # leaves as after max_requests: gracefully
        most, deadline = before, time.monotonic() + 30  # CI may be busy
        while time.monotonic() < deadline:
            now = _private_dirty_kb(leaving)
            if now is None:
                break
            most = max(most, now)
        assert _private_dirty_kb(leaving) is None, "the worker did not leave"
        assert most - before < GROWTH_KB
        for _ in range(60):  # more than each worker's max_requests: replaced in turn
            assert request(port, "GET", "/disclosures/")[0] == 200
        deadline = time.monotonic() + 10
        while len(_served(access_log, "/disclosures/")) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_served(access_log, "/disclosures/")) == 60  # each logged, the last too
        assert len(_served(access_log, "/")) == 10
    errors = (tmp_path / "error.log").read_text()
    assert "exited with code" not in errors and "Exception during worker exit" not in errors
    assert errors.count("Worker exiting") >= 3


def _exit_status_of(code) -> int:
    """The status a forked worker ends with when the hook runs during sys.exit(code)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            worker = SimpleNamespace(pid=os.getpid())
            try:
                sys.exit(code)
            finally:
                gunicorn_conf.worker_exit(SimpleNamespace(app=None), worker)
        finally:
            os._exit(99)  # the hook did not end the process
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@pytest.mark.parametrize(("code", "status"), [(0, 0), (None, 0), (3, 3), (-1, 255),
                                              ("message", 1)])
def test_the_worker_ends_with_the_status_gunicorn_gave(code, status, monkeypatch):
    monkeypatch.setattr(gunicorn_conf, "_portal_app", lambda server: None)
    assert _exit_status_of(code) == status


def test_in_the_master_the_hook_does_nothing(monkeypatch):
    """gunicorn calls it there for a worker already gone; the master must go on."""
    monkeypatch.setattr(gunicorn_conf, "_portal_app", lambda server: None)
    gone = SimpleNamespace(pid=os.getpid() + 1)
    try:
        raise SystemExit(0)
    except SystemExit:
        gunicorn_conf.worker_exit(SimpleNamespace(app=None), gone)
    try:
        raise OSError("no such process")
    except OSError:
        gunicorn_conf.worker_exit(SimpleNamespace(app=None), SimpleNamespace(pid=os.getpid()))
