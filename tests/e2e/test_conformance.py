"""Checkers nobody here wrote, over a crawl of the site: the Nu HTML checker (vnu.jar from
the npm registry, run by Debian's Java) and pa11y (WCAG 2 AA, HTML_CodeSniffer) in Debian's
Chromium. Every public page type, and the staff pages each role reaches from its home,
must pass both with zero errors (each role's pages are its own: the buttons differ).

The crawl starts from the home page and the sitemap (every public page type), follows the
links a person is shown (GET only), keeps at most two pages of each
kind (a path with its numbers and slugs generalised), and leaves out downloads, feeds and
links that change a setting. Redocly's lint checks the OpenAPI document the site serves.
`make test-e2e` installs the tools from package-lock.json.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from portal import PROJECT_ROOT
from tests.e2e.conftest import CHROMIUM, login

VNU = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PA11Y_CI = PROJECT_ROOT / "node_modules" / ".bin" / "pa11y-ci"
REDOCLY = PROJECT_ROOT / "node_modules" / ".bin" / "redocly"
HREF = re.compile(r'<a\s[^>]*href="([^"#]*)[^"]*"', re.I)
SKIP = re.compile(r"(\.(atom|xml|csv|xlsx|json|py|pdf|docx|txt|ico|png|svg)$)|/attachments/|"
                  r"/files/|/poster$|/elderly-mode|/logout|/export|/download|/open-data/.+|"
                  r"/transparency/(leaves|proof)|/notifications/stop/|/static/")
PER_KIND = 2
STAFF_ROLES = ("editor", "reviewer", "handler", "clerk", "supervisor", "admin", "inspector")


def kind_of(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"/\d+", "/N", parts.path)
    path = re.sub(r"/villages/[^/]+", "/villages/S", path)
    path = re.sub(r"/(organizations|guide)/[^/]+", r"/\1/S", path)
    keys = ",".join(sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair}))
    return f"{path}?{keys}"


def crawl(fetch, base: str, start: str, limit: int, seen_kinds: Counter,
          seeds: tuple[str, ...] = (), per_kind: int = PER_KIND) -> dict[str, str]:
    """{url: html} for up to `limit` pages reachable from `start` (then `seeds`) on
    `base`."""
    found: dict[str, str] = {}
    queue, queued = [urljoin(base, start), *seeds], set()
    while queue and len(found) < limit:
        url = queue.pop(0)
        if url in queued:
            continue
        queued.add(url)
        kind = kind_of(url)
        if seen_kinds[kind] >= per_kind:
            continue
        status, content_type, body = fetch(url)
        if status != 200 or not content_type.startswith("text/html"):
            continue
        seen_kinds[kind] += 1
        found[url] = body
        for href in HREF.findall(body):
            target = urljoin(url, href.replace("&amp;", "&"))
            if target.startswith(base) and not SKIP.search(urlsplit(target).path):
                queue.append(target)
    return found


@pytest.fixture(scope="module")
def crawled(browser, site):
    """(public pages, {role: (pages, cookie header)}), each pages {url: html}."""
    if not VNU.exists() or not PA11Y_CI.exists():
        pytest.fail("vnu.jar or pa11y-ci missing: run `npm ci` (make test-e2e does)")
    base, accounts = site
    kinds: Counter = Counter()
    context = browser.new_context(locale="zh-CN")

    def fetch(url):
        response = context.request.get(url, max_redirects=0)
        return response.status, response.headers.get("content-type", ""), response.text()

    sitemap = fetch(base + "/sitemap.xml")[2]
    seeds = tuple(re.findall(r"<loc>([^<]+)</loc>", sitemap))  # every public page type
    public = crawl(fetch, base, "/", 120, kinds, seeds)
    context.close()
    staff = {}
    for role in STAFF_ROLES:
        username = next((name for name in accounts if name.startswith(role)), None)
        if username is None:
            continue
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        login(page, base, username, accounts[username])

        def fetch(url, context=context):
            response = context.request.get(url, max_redirects=0)
            return response.status, response.headers.get("content-type", ""), response.text()

        pages = crawl(fetch, base, "/staff/", 15, Counter(), per_kind=1)
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
        staff[role] = (pages, cookie)
        context.close()
    return public, staff


def test_the_crawl_reaches_every_kind_of_page(crawled):
    public, staff = crawled
    paths = {urlsplit(url).path for url in public}
    for expected in ("/", "/disclosures/", "/villages/", "/consultations/", "/execution/",
                     "/catalogue/", "/inquiries/new", "/inquiries/replies", "/transparency/",
                     "/feeds/", "/open-data/"):
        assert expected in paths, expected
    assert any(re.fullmatch(r"/disclosures/\d+", p) for p in paths)
    assert any(re.fullmatch(r"/villages/[^/]+/notices/\d+", p) for p in paths)
    assert set(staff) == set(STAFF_ROLES)
    assert all(len(pages) >= 2 for pages, _ in staff.values()), {
        role: list(pages) for role, (pages, _) in staff.items()}


def test_the_nu_html_checker_finds_no_error(crawled, tmp_path):
    public, staff = crawled
    pages = dict(public)
    for role_pages, _cookie in staff.values():
        pages.update(role_pages)
    names = {}
    for number, (url, html) in enumerate(pages.items()):
        path = tmp_path / f"page{number}.html"
        path.write_text(html, encoding="utf-8")
        names[path.name] = url
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", "--exit-zero-always",
         str(tmp_path)], capture_output=True, text=True, timeout=600, check=True)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    problems = [f"{names.get(m.get('url', '').rsplit('/', 1)[-1])}:{m.get('lastLine')}: "
                f"{m['message']}"
                for m in messages if m.get("type") == "error"]
    assert not problems, f"{len(problems)} errors in {len(pages)} pages:\n" + "\n".join(
        problems[:60])


def test_pa11y_finds_no_wcag2aa_error(crawled, tmp_path):
    public, staff = crawled
    urls = list(public)
    for pages, cookie in staff.values():
        urls += [{"url": url, "headers": {"Cookie": cookie}} for url in pages]
    config = {"defaults": {
        "standard": "WCAG2AA", "timeout": 60000, "concurrency": 1,
        "chromeLaunchConfig": {"executablePath": CHROMIUM,
                               "args": ["--no-sandbox", "--disable-gpu",
                                        "--disable-dev-shm-usage"]}},
        "urls": urls}
    path = tmp_path / "pa11y.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    result = subprocess.run([str(PA11Y_CI), "--config", str(path), "--json"],
                            capture_output=True, text=True, timeout=1800,
                            cwd=PROJECT_ROOT, env={"PATH": "/usr/bin:/bin",
                                                   "HOME": str(tmp_path)})
    report = json.loads(result.stdout)
    problems = [f"{url}: {issue.get('code')}: {issue.get('message')} — {issue.get('selector')}"
                for url, issues in report["results"].items() for issue in issues
                if isinstance(issue, dict) and issue.get("type", "error") == "error"]
    failed_to_load = [f"{url}: {issue}" for url, issues in report["results"].items()
                      for issue in issues if not isinstance(issue, dict)]
    assert report["total"] == len(urls)
    assert not failed_to_load and not problems, "\n".join((failed_to_load + problems)[:60])


def test_redocly_finds_nothing_in_the_openapi_document(site, tmp_path):
    """Redocly's recommended rules, errors and warnings alike, over the document the
    running site serves (with the address a county would publish)."""
    import urllib.request

    base, _accounts = site
    with urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=30) as answer:
        document = json.loads(answer.read())
    document["servers"] = [{"url": "https://gk.minquan.gov.cn/api/v1"}]
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = subprocess.run([str(REDOCLY), "lint", "--format", "json", str(path)],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                 "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE":
                                 "true"})
    report = json.loads(result.stdout[result.stdout.index("{"):])
    found = [f"{p.get('ruleId')}: {p.get('message')}" for p in report.get("problems", [])]
    assert not found, "\n".join(found)
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}


def test_the_tools_are_those_the_lock_file_names():
    lock = json.loads(Path(PROJECT_ROOT / "package-lock.json").read_text(encoding="utf-8"))
    wanted = json.loads(Path(PROJECT_ROOT / "package.json").read_text(encoding="utf-8"))
    for name, version in wanted["devDependencies"].items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
