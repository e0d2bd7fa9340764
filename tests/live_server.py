"""A real gunicorn serving the portal on a loopback port, for tests that need several
worker processes (cross-worker limits, concurrent submissions)."""

from __future__ import annotations

import html
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from portal import PROJECT_ROOT

STARTUP_SECONDS = 60
REQUEST_SECONDS = 30


@contextmanager
def live_server(database_url: str, tmp_path: Path, *, workers: int = 3, env: dict | None = None,
                instance: str | None = None):
    """gunicorn on the given database; yields (port, access log path). The access log
    holds the portal's JSON request lines (`access_lines`); the master's pid is written
    to `tmp_path / "gunicorn.pid"` (see `worker_pids`). `instance`: the instance folder,
    e.g. the test's app's, when the test changes public content itself and expects the
    site to show it at once (as a `flask` command started with the site's settings)."""
    port = free_port()
    access_log = tmp_path / "access.log"
    error_log = tmp_path / "error.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    environment.update({
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": "live-server-test-secret",
        "PORTAL_INSTANCE_PATH": instance or str(tmp_path / "instance"),
        **(env or {}),
    })
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
               "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--access-logfile", str(access_log),
               "--pid", str(tmp_path / "gunicorn.pid"), "wsgi:app"]
    with error_log.open("wb") as errors:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment,
                                   start_new_session=True, stdout=subprocess.DEVNULL,
                                   stderr=errors)
    try:
        wait_until_ready(process, port, error_log)
        wait_for_workers(tmp_path, workers)
        yield port, access_log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


def worker_pids(tmp_path: Path) -> list[int]:
    """The pids of the worker processes of the live server started with `tmp_path`."""
    master = (tmp_path / "gunicorn.pid").read_text().strip()
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if fields[1] == master:
            workers.append(int(stat.parent.name))
    return sorted(workers)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(process: subprocess.Popen, port: int, error_log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited: {error_log.read_text()[-2000:]}")
        try:
            if request(port, "GET", "/login")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail("gunicorn did not answer within the startup deadline")


def wait_for_workers(tmp_path: Path, count: int) -> None:
    """The first worker may answer while gunicorn is still forking the others."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while len(worker_pids(tmp_path)) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def request(port: int, method: str, path: str, body: str | None = None,
            headers: dict | None = None) -> tuple[int, http.client.HTTPResponse, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_SECONDS)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response, response.read().decode()
    finally:
        conn.close()


def form_session(port: int, path: str) -> tuple[str, str, str]:
    """GET a form as a browser would: (session cookie, CSRF token, page)."""
    _status, response, page = request(port, "GET", path)
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, f"{path} has no CSRF token"
    return cookie, html.unescape(token.group(1)), page


def post_concurrently(port: int, path: str, forms: list[str], cookie: str
                      ) -> list[tuple[int, str]]:
    """POST every form at once, each on its own connection; (status, body) per form."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    results: list[tuple[int, str]] = []
    barrier = threading.Barrier(len(forms))

    def post(form: str):
        barrier.wait(timeout=REQUEST_SECONDS)
        status, _response, body = request(port, "POST", path, form, headers)
        results.append((status, body))

    threads = [threading.Thread(target=post, args=(form,)) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=REQUEST_SECONDS * 2)
    assert len(results) == len(forms), "some requests got no answer"
    return results


def access_lines(access_log: Path) -> list[dict]:
    """The request lines written so far (a line still being written is left out)."""
    lines = []
    for line in access_log.read_text().splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


def pids_serving(access_log: Path, method_path: str, expected: int,
                 since: int = 0) -> set[int]:
    """Worker pids that served `expected` requests "<METHOD> <path>", once all are logged
    (a worker writes the line just after sending the response); with `since`, only those
    of the requests after the first `since` logged."""
    method, path = method_path.split(" ", 1)
    deadline = time.monotonic() + REQUEST_SECONDS
    while True:
        lines = [line for line in access_lines(access_log)
                 if line.get("method") == method and line.get("path") == path]
        if len(lines) >= expected or time.monotonic() > deadline:
            return {line["pid"] for line in lines[since:]}
        time.sleep(0.05)
