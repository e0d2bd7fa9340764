"""Browser tests: the real portal under gunicorn, driven by Playwright in Debian's
Chromium (no browser download), with axe-core checking every page visited.

Run with `make test-e2e` (sets PORTAL_E2E=1); the ordinary suite skips this folder.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pyotp
import pytest

from portal import PROJECT_ROOT
from tests.live_server import live_server

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
ACCOUNT = re.compile(r"^\s+(\w+)\s+(\S+)\s+\S+$", re.M)
TOTP_SECRET = re.compile(r"(\w+) 的动态验证码密钥：([A-Z2-7]+)")
SERIOUS = {"serious", "critical"}
TOTP_SECRETS: dict[str, str] = {}


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """A migrated SQLite portal with the demo data, served by 2 gunicorn workers.
    Yields (base URL, {username: password})."""
    tmp = tmp_path_factory.mktemp("e2e")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update({"PORTAL_DATABASE_URL": f"sqlite:///{tmp / 'portal.db'}",
                "PORTAL_INSTANCE_PATH": str(tmp / "instance"),
                "PORTAL_SECRET_KEY": "e2e-secret",
                # The suite signs in a dozen times a minute from one address; the
                # production limit (10 a minute per address) would turn some into 429s.
                "PORTAL_RATELIMIT_LOGIN": "120 per minute"})
    flask = [sys.executable, "-m", "flask", "--app", "portal"]
    subprocess.run([*flask, "db", "upgrade"], cwd=PROJECT_ROOT, env=env, check=True,
                   capture_output=True)
    loaded = subprocess.run([*flask, "demo-load"], cwd=PROJECT_ROOT, env=env, check=True,
                            capture_output=True, text=True)
    accounts = dict(ACCOUNT.findall(loaded.stdout))
    TOTP_SECRETS.update(TOTP_SECRET.findall(loaded.stdout))
    server_env = {k: v for k, v in env.items() if k != "PORTAL_DATABASE_URL"}
    with live_server(env["PORTAL_DATABASE_URL"], tmp, workers=2,
                     env=server_env) as (port, _log):
        yield f"http://127.0.0.1:{port}", accounts


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def phone(browser, site):
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    opened = context.new_page()
    yield opened
    context.close()


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical WCAG 2.1 A/AA violation on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    problems = [f"{v['id']} ({v['impact']}): {v['help']} — "
                + "; ".join(n["target"][0] for n in v["nodes"][:3])
                for v in results.response["violations"] if v["impact"] in SERIOUS]
    assert not problems, f"{page.url}\n" + "\n".join(problems)


# The TOTP step each account last used: the portal takes a code once, so a second sign-in
# of the same account within one 30-second step waits for the next code, as a person would.
_USED_STEP: dict[str, int] = {}


def _fresh_code(username: str) -> str:
    totp = pyotp.TOTP(TOTP_SECRETS[username])
    while int(time.time()) // totp.interval <= _USED_STEP.get(username, -1):
        time.sleep(0.5)
    step = int(time.time()) // totp.interval
    _USED_STEP[username] = step
    return totp.at(step * totp.interval)


def login(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login")
    assert_accessible(page)
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/(staff/|login/verify)$"))
    if page.url.endswith("/login/verify"):  # admin and inspector: the TOTP step
        assert_accessible(page)
        page.fill("#code", _fresh_code(username))
        page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/staff/$"))
