"""HTTP the way a browser does it, for the benchmark: the login form (with its CSRF token
and, when asked, a TOTP code) and inquiry submissions through the public form."""

from __future__ import annotations

import html
import http.client
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

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
    """One visitor: keeps cookies, follows nothing by itself."""

    def __init__(self, port: int, timeout: float = 60):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, form: dict | None = None
                ) -> tuple[int, dict[str, str], str]:
        headers = {"User-Agent": USER_AGENT}
        if self.cookies:
            headers["Cookie"] = self.cookie_header
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            # gunicorn's sync workers close every connection; reconnect once and retry.
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, dict(response.headers), text


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

    def resident() -> None:
        browser = Browser(port)
        while time.monotonic() < deadline:
            try:
                _status, _headers, page = browser.request("GET", "/inquiries/new")
                form = {
                    "csrf_token": hidden_value(page, "csrf_token"),
                    "submission_token": hidden_value(page, "submission_token"),
                    "type": "consult", "place": place, "title": title,
                    "body": "请问便民服务中心周末是否办理城乡居民医保缴费？",
                    "contact_name": "压测群众", "contact_phone": "13800000000", "website": ""}
                started = time.monotonic()
                status, _headers, reply = browser.request("POST", "/inquiries/new", form)
                elapsed = time.monotonic() - started
            except (OSError, http.client.HTTPException, LookupError) as error:
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

    started = time.monotonic()
    workers = [threading.Thread(target=resident) for _ in range(concurrency)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    result.seconds = time.monotonic() - started
    return result
