"""Clients for the soak tests: residents submitting inquiries and an editor saving
disclosure drafts against a live gunicorn, each outcome sorted into what a real client
could tell — acknowledged, refused as busy (503), or in doubt (the connection died
before an answer came)."""

from __future__ import annotations

import html
import http.client
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from tests.live_server import REQUEST_SECONDS, form_session

CODE = re.compile(r'class="tracking-code"[^>]*>([0-9A-Z-]{19})<')
NUMBER = re.compile(r"<dt>受理编号</dt><dd>([0-9-]+)</dd>")
TOKEN = re.compile(r'name="submission_token" type="hidden" value="([0-9a-f.]+)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ACK, BUSY, DOUBT = "acknowledged", "busy", "in doubt"


class UnexpectedAnswer(AssertionError):
    """A status no client should ever see under load: a 500, a 200 without a receipt."""


@dataclass
class Outcome:
    kind: str  # ACK, BUSY or DOUBT
    status: int | None = None
    code: str = ""
    number: str = ""
    duplicate: bool = False
    retry_after: str | None = None


def exchange(port: int, method: str, path: str, body: str | None = None,
             headers: dict | None = None) -> tuple[int, http.client.HTTPResponse, str] | None:
    """One request on its own connection; None when no answer came (reset, refused,
    time-out): the client cannot know whether the server did the work."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_SECONDS)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response, response.read().decode()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def _busy_or_fail(status: int, response, body: str, what: str) -> Outcome:
    if status == 503:
        if not response.getheader("Retry-After") or "系统繁忙" not in body:
            raise UnexpectedAnswer(f"{what}: 503 without Retry-After or Chinese page")
        return Outcome(BUSY, 503, retry_after=response.getheader("Retry-After"))
    raise UnexpectedAnswer(f"{what}: unexpected status {status}: {body[:300]}")


class Resident:
    """A browser on /inquiries/new: one session, a fresh form (one-time token) per
    inquiry; an unanswered form is sent again with the same token."""

    def __init__(self, port: int, name: str):
        self.port, self.name = port, name
        self.cookie, self.csrf, _page = form_session(port, "/inquiries/new")
        self.sent = 0
        self.busy_forms = 0  # form loads answered 503 (checked like a submission's)

    def fresh_form(self) -> dict | None:
        answer = exchange(self.port, "GET", "/inquiries/new", headers={"Cookie": self.cookie})
        if answer is None:
            return None
        if answer[0] != 200:
            _busy_or_fail(*answer, "inquiry form")
            self.busy_forms += 1
            return None
        token = TOKEN.search(answer[2])
        assert token, "the inquiry form carries no submission token"
        self.sent += 1
        return {"csrf_token": self.csrf, "submission_token": token.group(1), "type": "consult",
                "place": "town:shuangta", "title": f"{self.name}的第{self.sent}个问题",
                "body": "村口的路灯坏了，什么时候能修？", "contact_name": self.name,
                "contact_phone": "13812345678", "website": ""}

    def submit(self, form: dict) -> Outcome:
        answer = exchange(self.port, "POST", "/inquiries/new", urlencode(form),
                          {"Content-Type": "application/x-www-form-urlencoded",
                           "Cookie": self.cookie})
        if answer is None:
            return Outcome(DOUBT)
        status, response, body = answer
        if status == 200:
            code, number = CODE.search(body), NUMBER.search(body)
            if not (code and number):
                raise UnexpectedAnswer(f"200 without a receipt: {body[:300]}")
            return Outcome(ACK, 200, code.group(1), number.group(1),
                           duplicate="之前已经提交成功" in body)
        return _busy_or_fail(status, response, body, "inquiry submission")


class Editor:
    """A signed-in editor who keeps one draft and saves a new title again and again."""

    def __init__(self, port: int, username: str, organization_id: int,
                 password: str = "Passw0rd!demo"):
        self.port, self.organization_id = port, organization_id
        cookie, csrf, _page = form_session(port, "/login")
        status, response, _body = exchange(
            port, "POST", "/login",
            urlencode({"csrf_token": csrf, "username": username, "password": password}),
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
        assert status == 302, f"login failed with {status}"
        self.cookie = response.getheader("Set-Cookie", cookie).split(";", 1)[0]
        _status, response, page = exchange(port, "GET", "/staff/disclosures/new",
                                           headers={"Cookie": self.cookie})
        # login starts a fresh session, so the form's CSRF token arrives in a new cookie
        self.cookie = response.getheader("Set-Cookie", self.cookie).split(";", 1)[0]
        self.csrf = html.unescape(CSRF.search(page).group(1))
        self.draft_id: int | None = None

    def _fields(self, title: str) -> str:
        return urlencode({
            "csrf_token": self.csrf, "organization": self.organization_id,
            "category": "result", "title": title, "body_html": f"<p>{title}的正文。</p>",
            "formed_on": date.today().isoformat(), "topic": "综合政务", "mode": "proactive",
            "validity": "valid", "catalogue_entry": "0"})

    def create_draft(self, title: str) -> None:
        status, response, body = exchange(
            self.port, "POST", "/staff/disclosures/new", self._fields(title),
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie})
        assert status == 302, f"draft not created ({status}): {body[:300]}"
        self.draft_id = int(response.getheader("Location").rstrip("/").rsplit("/", 1)[1])

    def save(self, title: str) -> Outcome:
        answer = exchange(self.port, "POST", f"/staff/disclosures/{self.draft_id}/edit",
                          self._fields(title),
                          {"Content-Type": "application/x-www-form-urlencoded",
                           "Cookie": self.cookie})
        if answer is None:
            return Outcome(DOUBT)
        status, response, body = answer
        if status == 302:
            return Outcome(ACK, 302)
        return _busy_or_fail(status, response, body, "draft save")


@dataclass
class Ledger:
    """What the clients know, kept thread-safe: every form sent and how it ended."""

    acknowledged: dict[str, Outcome] = field(default_factory=dict)  # token → receipt
    in_doubt: dict[str, dict] = field(default_factory=dict)  # token → form
    busy: dict[str, dict] = field(default_factory=dict)  # token → form
    sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, form: dict, outcome: Outcome) -> None:
        token = form["submission_token"]
        with self.lock:
            self.sent += 1
            if outcome.kind == ACK:
                self.acknowledged[token] = outcome
                self.in_doubt.pop(token, None)
                self.busy.pop(token, None)
            elif outcome.kind == DOUBT:
                self.in_doubt[token] = form
            else:
                self.busy[token] = form


def report(title: str, **figures) -> None:
    """Print the figures of a scenario (visible with `pytest -s`)."""
    width = max(len(name) for name in figures)
    print(f"\n== {title}")
    for name, value in figures.items():
        print(f"   {name.ljust(width)}  {value}")


def run_threads(targets) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(target):
        try:
            target()
        except BaseException as error:  # reported by the test, not lost in a thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not any(thread.is_alive() for thread in threads), "clients hung"
    return errors


def resident_load(resident: Resident, ledger: Ledger, count: int, pause: float = 0.0):
    """A thread body: `count` inquiries, each on a fresh form (reloaded while the site
    is unavailable), every outcome noted in `ledger`."""

    def run():
        for _ in range(count):
            form = None
            for _attempt in range(40):
                form = resident.fresh_form()
                if form:
                    break
                time.sleep(0.25)
            assert form, "the inquiry form did not load"
            ledger.note(form, resident.submit(form))
            time.sleep(pause)
    return run
