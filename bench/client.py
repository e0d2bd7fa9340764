"""HTTP the way a browser does it, for the benchmark: the login form (with its CSRF token
and, when asked, a TOTP code) and inquiry submissions through the public form."""

from __future__ import annotations

import html
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

# What a resident's phone sends (the access log masks digits in it, at a cost), and a mark.
USER_AGENT = ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/120.0.0.0 Mobile Safari/537.36 portal-bench")
_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def hidden_value(page: str, name: str) -> str:
    """The value of the form field `name` in the page (CSRF token, submission token)."""
    for tag in _INPUT.findall(page):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get("name") == name:
            return html.unescape(attrs.get("value", ""))
    raise LookupError(f"no field {name!r} in the page")


class Browser:
    """One visitor: keeps cookies, follows nothing by itself.

    HTTP/1.1 over a plain socket, one connection per request (`Connection: close`, as
    gunicorn's sync workers answer anyway). The load generator shares the machine's cores
    with the portal it measures, so it is kept lean: `http.client` parsed each answer's
    headers with the email package, about a millisecond of CPU per submission (form and
    post) that the portal's workers did not get."""

    def __init__(self, port: int, timeout: float = 60):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, form: dict | str | None = None
                ) -> tuple[int, dict[str, str], str]:
        """Status, headers (the last of each name) and the body as text; `form` is sent
        urlencoded (a str: encoded already). Raises OSError (ConnectionError for an answer
        cut short or not HTTP)."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                 f"User-Agent: {USER_AGENT}", "Connection: close"]
        if self.cookies:
            lines.append(f"Cookie: {self.cookie_header}")
        body = b""
        if form is not None:
            body = (form if isinstance(form, str) else urllib.parse.urlencode(form)).encode()
            lines += ["Content-Type: application/x-www-form-urlencoded",
                      f"Content-Length: {len(body)}"]
        elif method in ("POST", "PUT"):
            lines.append("Content-Length: 0")
        with socket.create_connection(("127.0.0.1", self.port), self.timeout) as sock:
            sock.sendall("\r\n".join(lines).encode("utf-8") + b"\r\n\r\n" + body)
            chunks = []
            while data := sock.recv(262144):
                chunks.append(data)
        status, headers, payload = parse_response(b"".join(chunks))
        for name, value in headers:
            if name.lower() == "set-cookie":
                cookie, _, _attributes = value.partition(";")
                key, _, cookie_value = cookie.partition("=")
                self.cookies[key.strip()] = cookie_value.strip().strip('"')
        return status, dict(headers), payload.decode("utf-8", "replace")


def parse_response(raw: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """An HTTP/1.1 answer read to the end of its connection: the status, the headers in
    order, and the body (Content-Length or chunked). Raises ConnectionError when the
    answer is not HTTP or was cut short."""
    head, separator, payload = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    if not separator or not version.startswith("HTTP/") or not rest[:3].isdigit():
        raise ConnectionError(f"not an HTTP answer: {status_line[:80]!r}")
    headers = []
    for line in header_lines:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    fields = {name.lower(): value for name, value in headers}
    if "chunked" in fields.get("transfer-encoding", "").lower():
        payload = _unchunk(payload)
    elif "content-length" in fields:
        length = int(fields["content-length"])
        if len(payload) < length:
            raise ConnectionError(f"answer cut short: {len(payload)} of {length} bytes")
        payload = payload[:length]
    return int(rest[:3]), headers, payload


def _unchunk(data: bytes) -> bytes:
    out, position = [], 0
    while True:
        end = data.find(b"\r\n", position)
        if end < 0:
            raise ConnectionError("chunked answer cut short")
        size = int(data[position:end].split(b";", 1)[0], 16)
        if size == 0:
            return b"".join(out)
        start = end + 2
        if len(data) < start + size + 2:
            raise ConnectionError("chunked answer cut short")
        out.append(data[start:start + size])
        position = start + size + 2


def login(port: int, username: str, password: str, totp_secret: str | None) -> Browser:
    """Sign in through /login; answer /login/verify with a TOTP code when redirected there.
    Raises RuntimeError when the account does not end up signed in."""
    browser = Browser(port)
    _status, _headers, page = browser.request("GET", "/login")
    status, headers, page = browser.request("POST", "/login", {
        "username": username, "password": password,
        "csrf_token": hidden_value(page, "csrf_token")})
    location = headers.get("Location", "")
    if status in (302, 303) and "/login/verify" in location:
        if not totp_secret:
            raise RuntimeError(f"{username} is asked for a TOTP code but has no secret")
        import pyotp

        _status, _headers, page = browser.request("GET", urllib.parse.urlsplit(location).path)
        status, headers, page = browser.request("POST", "/login/verify", {
            "code": pyotp.TOTP(totp_secret).now(),
            "csrf_token": hidden_value(page, "csrf_token")})
    if status not in (302, 303):
        raise RuntimeError(f"login of {username} failed with HTTP {status}")
    return browser


@dataclass
class SubmitResult:
    accepted: int = 0
    refused: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0  # the load generator's own CPU (this process, every thread)

    @property
    def per_second(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


def submit_inquiries(port: int, place: str, title: str, concurrency: int,
                     duration: float) -> SubmitResult:
    """`concurrency` residents, each filling in /inquiries/new again and again for
    `duration` seconds: a fresh form each time (its CSRF and one-time submission token),
    the honeypot left empty. Accepted = the receipt page with a tracking code came back."""
    result, lock = SubmitResult(), threading.Lock()
    deadline = time.monotonic() + duration

    # What every resident types, encoded once: the load generator shares the cores.
    typed = urllib.parse.urlencode({
        "type": "consult", "place": place, "title": title,
        "body": "请问便民服务中心周末是否办理城乡居民医保缴费？",
        "contact_name": "压测群众", "contact_phone": "13800000000", "website": ""})

    def resident() -> None:
        browser = Browser(port)
        while time.monotonic() < deadline:
            try:
                _status, _headers, page = browser.request("GET", "/inquiries/new")
                form = typed + "&" + urllib.parse.urlencode({
                    "csrf_token": hidden_value(page, "csrf_token"),
                    "submission_token": hidden_value(page, "submission_token")})
                started = time.monotonic()
                status, _headers, reply = browser.request("POST", "/inquiries/new", form)
                elapsed = time.monotonic() - started
            except (OSError, ValueError, LookupError) as error:
                with lock:
                    result.errors += 1
                    if len(result.samples) < 5:
                        result.samples.append(repr(error))
                continue
            with lock:
                if status == 200 and "tracking-code" in reply:
                    result.accepted += 1
                    result.latencies.append(elapsed)
                else:
                    result.refused += 1
                    if len(result.samples) < 5:
                        result.samples.append(f"HTTP {status}")

    started, cpu_started = time.monotonic(), time.process_time()
    workers = [threading.Thread(target=resident) for _ in range(concurrency)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    result.seconds = time.monotonic() - started
    result.cpu_seconds = time.process_time() - cpu_started
    return result
