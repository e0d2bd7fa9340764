"""Huge bodies against a real gunicorn: every POST route refuses 20 MB within a second,
the site keeps serving meanwhile, and no worker is held or killed.

Bodies are pushed on raw sockets by a second thread while the first waits for the answer,
as a client that does not stop sending would; the time counted runs from connecting to
the status line.
"""

from __future__ import annotations

import contextlib
import html
import re
import socket
import statistics
import threading
import time
from urllib.parse import quote

import pytest
from flask import url_for
from werkzeug.routing import AnyConverter, IntegerConverter

from portal import bodylimit
from portal.auth.models import Role
from portal.extensions import db
from tests.attachments.conftest import docx_bytes
from tests.attachments.test_word_import import open_fields
from tests.live_server import live_server, request, worker_pids

MB = 1024 * 1024
BODY = 20 * MB
ANSWER_SECONDS = 1.0
FORM = "application/x-www-form-urlencoded"
CHUNKED_PATHS = ["/inquiries/new", "/login", "/open311/v2/requests.json",
                 "/staff/villages/1/edit"]


@pytest.fixture
def server(database_url, tmp_path, orgs, make_user):
    """(port, id of 双塔镇): gunicorn with two workers, an editor and a village clerk."""
    make_user("editor", (Role.EDITOR, orgs["town"]))
    make_user("clerk", (Role.VILLAGE_CLERK, orgs["village_a"]))
    make_user("handler", (Role.HANDLER, orgs["town"]))
    town = orgs["town"].id
    db.session.rollback()  # a transaction held here would lock the workers out of SQLite
    with live_server(database_url, tmp_path, workers=2,
                     env={"PORTAL_IMPORT_TIME_LIMIT_SECONDS": "1"}) as (port, _log):
        yield port, town


def push(port: int, path: str, size: int, *, chunked: bool = False, cookie: str = "",
         content_type: str = FORM) -> tuple[int | None, float, str]:
    """POST `size` bytes of body; (status, seconds to the status line, answer)."""
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
            f"Content-Type: {content_type}",
            "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"]
    if cookie:
        head.append(f"Cookie: {cookie}")
    start = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    stop = threading.Event()

    def send_body() -> None:
        piece = b"x" * (64 * 1024)
        frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
        sent = 0
        with contextlib.suppress(OSError):  # the server closed: it has answered
            while sent < size and not stop.is_set():
                sock.sendall(frame)
                sent += len(piece)

    sender = threading.Thread(target=send_body, daemon=True)
    sender.start()
    answer = b""
    elapsed = float("inf")
    try:
        with contextlib.suppress(OSError):
            while data := sock.recv(65536):
                if not answer:
                    elapsed = time.monotonic() - start
                answer += data
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        sender.join(10)
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return (int(match.group(1)) if match else None), elapsed, answer.decode("utf-8", "replace")


class HomePageWatch:
    """GET / over and over on its own connections while the bodies are pushed."""

    def __init__(self, port: int):
        self.port = port
        self.answers: list[tuple[int, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            start = time.monotonic()
            status = request(self.port, "GET", "/")[0]
            self.answers.append((status, time.monotonic() - start))
            time.sleep(0.01)

    def __enter__(self) -> HomePageWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(30)


def warm_up(port: int) -> None:
    """Every worker renders the home page once (a first render is slow) before timing."""
    answers: list[int] = []
    for _ in range(3):
        threads = [threading.Thread(target=lambda: answers.append(request(port, "GET", "/")[0]))
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert set(answers) == {200}


def _sample_values(rule) -> dict:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = 1
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    return values


def post_paths(app) -> dict[str, str]:
    """Every POST route, by endpoint, with sample values in its URL."""
    with app.test_request_context():
        return {rule.endpoint: url_for(rule.endpoint, **_sample_values(rule))
                for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def sign_in(port: int, username: str) -> str:
    """The session cookie of `username` after the real login form."""
    _status, response, page = request(port, "GET", "/login")
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = html.unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1))
    form = f"csrf_token={quote(token)}&username={username}&password={quote('Passw0rd!demo')}"
    status, response, _body = request(port, "POST", "/login", form,
                                      {"Content-Type": FORM, "Cookie": cookie})
    assert status == 302, f"{username} could not sign in"
    return response.getheader("Set-Cookie").split(";", 1)[0]


def test_huge_bodies_are_refused_fast_while_the_site_keeps_serving(server, app, tmp_path):
    port, _town = server
    warm_up(port)
    workers = worker_pids(tmp_path)
    uploads = bodylimit.upload_routes(app)
    paths = post_paths(app)
    slow, wrong = [], []
    timings: dict[str, list[float]] = {"declared": [], "chunked": [], "upload limit": []}

    def check(kind: str, what: str, status: int | None, seconds: float, expected: bool):
        timings[kind].append(seconds)
        if not expected:
            wrong.append(f"{what} → {status}")
        if seconds >= ANSWER_SECONDS:
            slow.append(f"{what}: {seconds:.2f} s")

    with HomePageWatch(port) as watch:
        for endpoint, path in sorted(paths.items()):
            status, seconds, answer = push(port, path, BODY)
            check("declared", f"{endpoint} {path}", status, seconds,
                  status == 413 and "256 KB" in answer)
        for path in CHUNKED_PATHS:
            status, seconds, _answer = push(port, path, BODY, chunked=True)
            check("chunked", f"chunked {path}", status, seconds, status == 413)
        staff = {"staff_disclosures": sign_in(port, "editor"),
                 "staff_villages": sign_in(port, "clerk"),
                 "staff_inquiries": sign_in(port, "handler")}
        for endpoint, allowance in uploads.items():
            limit = (allowance.files * app.config["ATTACHMENT_MAX_BYTES"]
                     + app.config["LONG_TEXT_FORM_MAX_BYTES" if allowance.long_text
                                  else "FORM_MAX_BYTES"])
            status, seconds, _answer = push(port, paths[endpoint], limit + 1,
                                            cookie=staff[endpoint.split(".")[0]],
                                            content_type="multipart/form-data; boundary=b")
            check("upload limit", f"signed in, {endpoint} with {limit + 1} bytes", status,
                  seconds, status == 413)

    timings["home page meanwhile"] = [seconds for _, seconds in watch.answers]
    for kind, seconds in timings.items():
        print(f"{kind}: {len(seconds)} requests, median {statistics.median(seconds):.3f} s, "
              f"slowest {max(seconds):.3f} s")
    assert not wrong, "\n".join(wrong)
    assert not slow, "\n".join(slow)
    assert len(paths) > 80 and len(uploads) == 6
    assert watch.answers and {status for status, _ in watch.answers} == {200}
    assert max(seconds for _, seconds in watch.answers) < ANSWER_SECONDS
    assert request(port, "GET", "/")[0] == 200
    assert worker_pids(tmp_path) == workers  # none was killed and replaced
    assert "WORKER TIMEOUT" not in (tmp_path / "error.log").read_text()


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> bytes:
    boundary = b"----portal-live-test"
    parts = [b"--" + boundary + b'\r\nContent-Disposition: form-data; name="'
             + name.encode() + b'"\r\n\r\n' + value.encode() + b"\r\n"
             for name, value in fields.items()]
    parts += [b"--" + boundary + b'\r\nContent-Disposition: form-data; name="'
              + name.encode() + b'"; filename="' + filename.encode()
              + b'"\r\nContent-Type: application/octet-stream\r\n\r\n' + content + b"\r\n"
              for name, (filename, content) in files.items()]
    return b"".join(parts) + b"--" + boundary + b"--\r\n"


def test_a_pathological_word_file_is_refused_within_the_budget(server):
    port, town = server
    cookie = sign_in(port, "editor")
    _status, response, page = request(port, "GET", "/staff/disclosures/new",
                                      headers={"Cookie": cookie})
    cookie = (response.getheader("Set-Cookie") or cookie).split(";", 1)[0]
    token = html.unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1))
    body = _multipart(
        {"csrf_token": token, "organization": str(town), "category": "result",
         "title": "村务公开实施办法", "body_html": "", "formed_on": "2026-11-20",
         "topic": "综合政务", "mode": "proactive", "validity": "valid"},
        {"word_file": ("实施办法.docx", docx_bytes(open_fields(20_000)))})
    start = time.monotonic()
    conn_headers = {"Content-Type": "multipart/form-data; boundary=----portal-live-test",
                    "Cookie": cookie}
    status, _response, answer = request(port, "POST", "/staff/disclosures/new", body,
                                        conn_headers)

    assert time.monotonic() - start < 3
    assert status == 400
    assert "该 Word 文件过于复杂，无法在 1 秒内完成转换" in answer
    assert request(port, "GET", "/")[0] == 200
