"""docs/deploy/nginx.conf on Debian's nginx: it passes `nginx -t`, and a real nginx (on
loopback, without TLS) before a real gunicorn stores public pages and the API. With
PORTAL_PROXY_CACHE_SECONDS=0 it asks the app before each reuse (the app answers 304) and
shows a withdrawn document at once; with 1 (the default) it serves its copy for less than
a second, and a withdrawn document is gone through it within that second. As shipped
(PORTAL_PROXY_CACHE_GENERATIONS=1) it files pages under the content generation and asks
the app again only after a public change."""

from __future__ import annotations

import datetime
import http.client
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from portal import PROJECT_ROOT, bundled
from portal.disclosures import services
from portal.extensions import db
from tests.live_server import access_lines, free_port, live_server

SHIPPED = PROJECT_ROOT / "docs" / "deploy" / "nginx.conf"
HOST = "gk.example.gov.cn"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = pytest.mark.skipif(
    not os.access(NGINX, os.X_OK),
    reason="Debian's nginx is not installed (apt-get install nginx; .ci/run installs it)")


def _main_config(prefix: Path, site: str) -> str:
    """A whole nginx.conf around the site file, everything under `prefix`."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{site}
}}
"""


def _local_paths(site: str, prefix: Path) -> str:
    """The shipped file with its host paths moved under `prefix` (cache, log, static)."""
    return (site.replace("/var/cache/nginx/portal", str(prefix / "cache"))
            .replace("/var/log/nginx/portal.access.log", str(prefix / "access.log"))
            .replace("/srv/portal/venv/lib/python3.11/site-packages/portal/static/",
                     f"{bundled('static')}/"))


def _self_signed(prefix: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    cert_path, key_path = prefix / "cert.pem", prefix / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_the_shipped_configuration_passes_nginx_t(tmp_path):
    cert, key = _self_signed(tmp_path)
    site = (_local_paths(SHIPPED.read_text(), tmp_path)
            .replace("/etc/ssl/portal/fullchain.pem", str(cert))
            .replace("/etc/ssl/portal/privkey.pem", str(key)))
    conf = tmp_path / "nginx.conf"
    conf.write_text(_main_config(tmp_path, site))
    result = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def _loopback_site(prefix: Path, port: int, app_port: int) -> str:
    """The shipped site on 127.0.0.1:`port` without TLS (and without the redirect)."""
    site = _local_paths(SHIPPED.read_text(), prefix)
    site = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", site, flags=re.DOTALL)
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port};")
    site = re.sub(r"^\s*ssl_certificate.*\n", "", site, flags=re.MULTILINE)
    return site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")


@pytest.fixture
def nginx(request, app, database_url, tmp_path):
    """(nginx port, the app's access log): nginx with the shipped site before gunicorn,
    which runs with PORTAL_PROXY_CACHE_SECONDS = the fixture's parameter (default: the
    portal's default), or with the settings the parameter gives, when a dict."""
    (tmp_path / "app").mkdir()
    param = getattr(request, "param", None)
    env = param if isinstance(param, dict) else \
        {} if param is None else {"PORTAL_PROXY_CACHE_SECONDS": str(param)}
    with live_server(database_url, tmp_path / "app", workers=2, env=env,
                     instance=app.instance_path) as (app_port, access_log):
        prefix = tmp_path / "nginx"
        prefix.mkdir()
        port = free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(_main_config(prefix, _loopback_site(prefix, port, app_port)))
        subprocess.run([NGINX, "-c", str(conf), "-p", str(prefix)], check=True, timeout=30)
        try:
            _wait_for(port)
            yield port, access_log
        finally:
            pid = int((prefix / "nginx.pid").read_text())
            os.kill(pid, signal.SIGQUIT)


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            _get(port, "/healthz")
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("nginx did not start")


def _get(port: int, path: str, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": HOST, **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def _app_statuses(access_log: Path, path: str, count: int) -> list[int]:
    """The statuses the app gave `path`, once `count` requests for it are logged."""
    deadline = time.monotonic() + 10
    while True:
        found = [line["status"] for line in access_lines(access_log)
                 if line.get("path") == path]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@pytest.mark.parametrize("nginx", [0], indirect=True)
def test_public_pages_are_stored_revalidated_and_withdrawn_at_once(nginx, published, staff):
    port, access_log = nginx
    doc_id = published(title="第三批危房改造名单").id
    db.session.rollback()  # a test's transaction takes SQLite's write lock: end it
    paths = [f"/disclosures/{doc_id}", f"/api/v1/disclosures/{doc_id}", "/"]
    for path in paths:
        first = _get(port, path)
        assert first[0] == 200 and first[1]["X-Cache"] == "MISS", path
        for _ in range(2):
            again = _get(port, path)
            assert again[0] == 200 and again[1]["X-Cache"] in ("REVALIDATED", "HIT"), path
            assert again[2] == first[2]
        # nginx asked, the app answered "not modified" without sending the page again (the
        # workers write their log lines after answering, not always in request order)
        assert sorted(_app_statuses(access_log, path, 3)) == [200, 304, 304], path

    services.withdraw(staff["reviewer"], doc_id, "名单需复核")

    page = _get(port, paths[0])
    assert page[0] == 404
    assert _get(port, paths[1])[0] == 404
    home = _get(port, "/")
    assert home[0] == 200 and "第三批危房改造名单" not in home[2]
    listing = _get(port, "/api/v1/disclosures")
    assert str(doc_id) not in re.findall(r'"id":(\d+)', listing[2])


def _until(condition, seconds: float):
    """Ask `condition()` until it returns something true, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.02)
    return None


def _from_nginx(port: int, path: str):
    """The answer, if nginx gave it from its copy without asking the app."""
    answer = _get(port, path)
    return answer if answer[1]["X-Cache"] == "HIT" else None


# How late past the second a poll may notice: one poll, and a loaded machine's scheduling.
SLACK = 0.5


def test_the_one_second_microcache_serves_nginx_copies_and_drops_a_withdrawn_document(
        nginx, published, staff):
    port, _access_log = nginx
    title = "第四批危房改造名单"
    doc_id = published(title=title).id
    db.session.rollback()  # a test's transaction takes SQLite's write lock: end it
    paths = [f"/disclosures/{doc_id}", f"/api/v1/disclosures/{doc_id}", "/"]
    for path in paths:
        first = _get(port, path)
        assert first[0] == 200 and first[1]["X-Cache"] == "MISS", path
        # served from nginx's copy, without asking the app (a copy answered late in a
        # clock second is already stale: then the next one is kept)
        hit = _until(lambda path=path: _from_nginx(port, path), 3)
        assert hit is not None and hit[0] == 200 and hit[2] == first[2], path
        assert hit[1]["Cache-Control"] == "public, no-cache"  # browsers still ask each time
        # signed-in staff: always the app
        assert _get(port, path, headers={"Cookie": "session=anything"})[1]["X-Cache"] \
            == "BYPASS"

    # The document is in nginx's cache right now; withdraw it through the portal.
    assert _until(lambda: _from_nginx(port, paths[0]), 3)
    services.withdraw(staff["reviewer"], doc_id, "名单需复核")
    committed = time.monotonic()
    assert _get(port, paths[0], headers={"Cookie": "session=anything"})[0] == 404  # staff

    def withdrawn() -> bool:
        return [_get(port, path)[0] for path in paths[:2]] == [404, 404] \
            and title not in _get(port, "/")[2]

    assert _until(withdrawn, 1 + SLACK), "still shown through nginx a second after withdrawal"
    assert time.monotonic() - committed <= 1 + SLACK
    for _ in range(3):  # and stays gone
        assert withdrawn()


AS_SHIPPED = {"PORTAL_PROXY_CACHE_GENERATIONS": "1"}  # docs/deploy/portal.env


def _app_asked(access_log: Path, path: str) -> int:
    time.sleep(0.2)  # the workers log after answering
    return sum(line.get("path") == path for line in access_lines(access_log))


@pytest.mark.parametrize("nginx", [AS_SHIPPED], indirect=True)
def test_filed_under_the_generation_pages_stay_in_nginx_until_a_change(nginx, published,
                                                                       staff):
    port, access_log = nginx
    title = "第五批危房改造名单"
    doc_id = published(title=title).id
    db.session.rollback()  # a test's transaction takes SQLite's write lock: end it
    path = f"/disclosures/{doc_id}"
    first = _get(port, path)
    assert first[0] == 200 and first[1]["X-Cache"] == "MISS"
    assert "第五批" in _get(port, "/")[2]
    # nginx's generation answer (kept to the end of its second) may be from before the
    # publication; then the page was filed under it for that second only
    time.sleep(1.1)
    assert _get(port, path)[1]["X-Cache"] in ("MISS", "HIT")
    asked = _app_asked(access_log, path)
    time.sleep(1.5)  # past the second: the one-second microcache would ask the app again
    for _ in range(3):
        again = _get(port, path)
        assert again[1]["X-Cache"] == "HIT" and again[2] == first[2]
        assert again[1]["Cache-Control"] == "public, no-cache"  # browsers still ask each time
    assert _app_asked(access_log, path) == asked <= 2

    # Any public change moves the generation: nginx takes every page anew from the app.
    published(title="第六批危房改造名单")
    db.session.rollback()
    assert _until(lambda: _get(port, path)[1]["X-Cache"] == "MISS", 1 + SLACK), \
        "nginx kept the old generation past its second"
    assert "第六批" in _get(port, "/")[2]
    assert _until(lambda: _from_nginx(port, path), 3)
    assert _app_asked(access_log, path) == asked + 1

    services.withdraw(staff["reviewer"], doc_id, "名单需复核")
    committed = time.monotonic()

    def withdrawn() -> bool:
        return _get(port, path)[0] == 404 and title not in _get(port, "/")[2]

    assert _until(withdrawn, 1 + SLACK), "still shown through nginx a second after withdrawal"
    assert time.monotonic() - committed <= 1 + SLACK
    assert _get(port, "/_portal/generation")[0] == 404  # only nginx asks it


@pytest.mark.parametrize("nginx", [dict(AS_SHIPPED, PORTAL_PROXY_CACHE_SECONDS="0")],
                         indirect=True)
def test_asking_the_generation_every_time_shows_a_withdrawal_at_once(nginx, published,
                                                                     staff):
    port, access_log = nginx
    doc_id = published(title="第七批危房改造名单").id
    db.session.rollback()
    path = f"/disclosures/{doc_id}"
    assert _get(port, path)[1]["X-Cache"] == "MISS"
    for _ in range(3):  # the page from nginx's copy; only the generation from the app
        assert _get(port, path)[1]["X-Cache"] == "HIT"
    assert _app_asked(access_log, path) == 1
    assert _app_asked(access_log, "/_portal/generation") >= 4

    services.withdraw(staff["reviewer"], doc_id, "名单需复核")
    assert _get(port, path)[0] == 404
    assert "第七批" not in _get(port, "/")[2]


def test_forms_and_staff_are_never_stored(nginx):
    port, _access_log = nginx
    for _ in range(2):
        form = _get(port, "/inquiries/new")
        assert form[0] == 200 and form[1]["X-Cache"] == "MISS"
    staff = _get(port, "/", headers={"Cookie": "session=anything"})
    assert staff[1]["X-Cache"] == "BYPASS"


@pytest.mark.parametrize("nginx", [AS_SHIPPED], indirect=True)
def test_a_form_posted_through_nginx_reaches_the_app_with_its_body(nginx):
    """The generation is asked before every request, a post too; the post's body still
    goes to the app, not to that question."""
    port, access_log = nginx
    status, headers, form = _get(port, "/inquiries/new")
    assert status == 200
    fields = {name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', form).group(1)
              for name in ("csrf_token", "submission_token")}
    body = urlencode({**fields, "title": "路灯坏了", "phone": "123"})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/inquiries/new", body=body, headers={
            "Host": HOST, "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": headers["Set-Cookie"].split(";", 1)[0]})
        response = conn.getresponse()
        page = response.read().decode()
    finally:
        conn.close()
    assert response.status == 400
    assert 'value="路灯坏了"' in page  # the resident's input is kept in the form
    assert sorted(_app_statuses(access_log, "/inquiries/new", 2)) == [200, 400]


def test_static_files_are_served_by_nginx_and_kept_for_a_year(nginx):
    port, access_log = nginx
    stylesheet = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{12})"',
                           _get(port, "/disclosures/")[2]).group(1)
    status, headers, body = _get(port, stylesheet)
    assert status == 200 and body == (bundled("static") / "css" / "site.css").read_text()
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert _get(port, "/static/css/site.css")[1]["Cache-Control"] == "public, no-cache"
    assert not [line for line in access_lines(access_log)
                if line.get("path", "").startswith("/static/")]
