"""The portal behind the documented nginx (docs/deploy/nginx.conf, on loopback without
TLS), set as docs/deploy/portal.env sets it (PORTAL_PROXY_CACHE_GENERATIONS=1: nginx files
pages under the content generation): home, list and detail in both modes of
PORTAL_PROXY_CACHE_SECONDS (0: nginx asks the app the generation for every request; 1:
nginx keeps the generation for under a second),
each as a share of nginx serving a static file in the same run; and how long a document
withdrawn through the portal's own service is still served through nginx.

`measure_all` runs inside bench/run.py (which passes itself, so the same settings and
failure list are used). The withdrawal runs in a child process of its own:

    python -m bench.nginx_front withdraw DOC_ID

prints "ready" once the portal is loaded, withdraws DOC_ID when a line arrives on its
standard input, and prints the wall-clock time (epoch seconds) just after the commit.
"""

from __future__ import annotations

import http.client
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench import ceilings
from bench.settings import CORES

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "docs" / "deploy" / "nginx.conf"
MODES = (0, 1)  # PORTAL_PROXY_CACHE_SECONDS
AS_SHIPPED = {"PROXY_CACHE_GENERATIONS": "1"}  # docs/deploy/portal.env
PAGES = ("home", "list", "detail")
POLL_MS = 20  # how often the withdrawal probe asks nginx
LIMIT_MS = 1000  # a withdrawn document gone through nginx within a second (+ one poll)


def site(port: int, app_port: int, prefix: Path) -> str:
    """The shipped site on 127.0.0.1:`port` without TLS or the redirect, its cache and log
    under `prefix`, before the portal on `app_port`."""
    text = SHIPPED.read_text(encoding="utf-8")
    text = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", text, flags=re.DOTALL)
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port};")
    text = re.sub(r"^\s*ssl_certificate.*\n", "", text, flags=re.MULTILINE)
    text = text.replace("/var/cache/nginx/portal", str(prefix / "nginx-portal-cache"))
    text = text.replace("/var/log/nginx/portal.access.log", str(prefix / "nginx-portal.log"))
    text = text.replace("/srv/portal/venv/lib/python3.11/site-packages/portal/static/",
                        f"{ROOT / 'portal' / 'static'}/")
    return text.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")


def main_conf(site_text: str, prefix: Path, workers: int) -> str:
    return f"""worker_processes {workers};
daemon off;
pid {prefix}/nginx-portal.pid;
error_log {prefix}/nginx-portal-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {prefix}/nginx-body;
    proxy_temp_path {prefix}/nginx-proxy;
    fastcgi_temp_path {prefix}/nginx-fastcgi;
    uwsgi_temp_path {prefix}/nginx-uwsgi;
    scgi_temp_path {prefix}/nginx-scgi;
    sendfile on;
{site_text}
}}
"""


def _front(run, app_port: int):
    """nginx with the shipped site before the portal on `app_port`, an empty cache and
    log; a context manager yielding nginx's port."""
    prefix = run.DATA
    shutil.rmtree(prefix / "nginx-portal-cache", ignore_errors=True)
    (prefix / "nginx-portal.log").unlink(missing_ok=True)
    port = run.free_port()
    conf = prefix / "nginx-portal.conf"
    conf.write_text(main_conf(site(port, app_port, prefix), prefix, CORES),
                    encoding="utf-8")
    return port, run.serve(["nginx", "-c", str(conf), "-p", str(prefix)], port,
                           log_name="nginx-portal", stop=signal.SIGTERM)


def _get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"User-Agent": "portal-bench-probe"})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("X-Cache", "")
    finally:
        connection.close()


def withdrawal_probe(run, db, port: int, doc_id: int, label: str) -> dict:
    """Withdraw `doc_id` through the portal's service while nginx holds its page; poll
    nginx every POLL_MS until it answers 404. The time is from the commit to the start of
    the first poll answered 404 (the 404s are expected, not failures)."""
    path = f"/disclosures/{doc_id}"
    writer = subprocess.Popen([sys.executable, "-m", "bench.nginx_front", "withdraw",
                               str(doc_id)], cwd=ROOT, env=run.portal_env(db), text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        if writer.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{label}: the withdrawal process did not start")
        # nginx must hold the page first: served from its copy under the generation (as
        # shipped, in both modes; the generation itself is asked each time with 0)
        held, deadline = "", time.monotonic() + 3
        while held != "HIT" and time.monotonic() < deadline:
            status, held = _get(port, path)
            if status != 200:
                raise RuntimeError(f"{label}: {path} answered {status} before withdrawal")
        writer.stdin.write("go\n")
        writer.stdin.flush()
        committed = float(writer.stdout.readline())
        polls, seen_after = 0, []
        while True:
            started = time.time()
            status, cache = _get(port, path)
            polls += 1
            if status == 404:
                break
            seen_after.append(cache)
            if started - committed > 10:
                break
            time.sleep(max(0.0, POLL_MS / 1000 - (time.time() - started)))
        writer.wait(timeout=60)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    gone_ms = max(0.0, (started - committed) * 1000)
    if status != 404 or gone_ms > LIMIT_MS + POLL_MS:
        run.FAILURES.append(f"{label}：撤回提交后经 nginx 仍返回该文 {gone_ms:,.0f} ms"
                            f"（上限 {LIMIT_MS + POLL_MS} ms）")
    return dict(doc_id=doc_id, held=held, gone_ms=gone_ms, polls=polls,
                served_after=len(seen_after), limit_ms=LIMIT_MS + POLL_MS)


def prewarm(port: int, paths: list[str]) -> int:
    """Request every path once, straight at the portal: each is rendered and written to
    the instance folder's shared page cache, which the portals started next read. What is
    measured behind nginx is then nginx and the app's cached pages, not first renders
    (the "缓存关闭" rows measure rendering). Returns how many answered 200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    done = 0
    try:
        for path in paths:
            connection.request("GET", path, headers={"User-Agent": "portal-bench-warm"})
            response = connection.getresponse()
            response.read()
            done += response.status == 200
    finally:
        connection.close()
    return done


def _probe_ids(run, db, readers: set[str], count: int) -> list[int]:
    """Published documents, those no measured URL reads first (the probes run after the
    measurements; a later run of the same size starts from a fresh working copy)."""
    ids = [i for i, in run.rows(db, "SELECT id FROM disclosures WHERE status = 'published' "
                                "ORDER BY id LIMIT 3000")]
    return sorted(ids, key=lambda i: f"/disclosures/{i}" in readers)[:count]


def measure_all(run, db, size: str, pages: dict[str, list[str]], static_port: int) -> dict:
    """Each page in each mode with a new gunicorn and nginx (the app's figures stay
    comparable with the rows measured straight at gunicorn), then in turns with nginx
    serving the static file on `static_port` (bench/ceilings.py); then one withdrawal
    per mode."""
    result: dict = {"modes": {}}
    run.log(f"{size}: rendering each measured page once (the app's shared page cache)")
    with run.portal(db, f"{size}-nginx-warm") as (app_port, _server):
        result["prewarmed"] = prewarm(app_port, [p for name in PAGES for p in pages[name]])
    for seconds in MODES:
        mode = result["modes"].setdefault(str(seconds), {"pages": {}})
        for name in PAGES:
            run.log(f"{size}: {name} behind nginx, PROXY_CACHE_SECONDS={seconds}")
            with run.portal(db, f"{size}-nginx{seconds}", PROXY_CACHE_SECONDS=str(seconds),
                            **AS_SHIPPED) as (app_port, _server):
                port, front = _front(run, app_port)
                with front:
                    label = f"{size} {name}（nginx 之后，{seconds} 秒）"
                    m = mode["pages"][name] = run.measure(port, pages[name], label=label)
                    m["cache"] = cache_outcomes(run.DATA / "nginx-portal.log")
                    m[ceilings.TURNS] = ceilings.turns(run, port, pages[name], static_port,
                                                       label=label)
    ids = _probe_ids(run, db, set(pages["detail"]), len(MODES))
    for seconds, doc_id in zip(MODES, ids, strict=True):
        run.log(f"{size}: withdrawal through nginx, PROXY_CACHE_SECONDS={seconds}")
        with run.portal(db, f"{size}-nginx{seconds}", PROXY_CACHE_SECONDS=str(seconds),
                        **AS_SHIPPED) as (app_port, _server):
            port, front = _front(run, app_port)
            with front:
                result["modes"][str(seconds)]["withdrawal"] = withdrawal_probe(
                    run, db, port, doc_id, f"{size} 撤回（nginx 之后，{seconds} 秒）")
    return result


def cache_outcomes(log_file: Path) -> dict[str, int]:
    """nginx's cache statuses ($upstream_cache_status) in its JSON access log."""
    counts: dict[str, int] = {}
    if not log_file.exists():
        return counts
    with log_file.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            found = re.search(r'"cache":"([A-Z]*)"', line)
            if found:
                counts[found.group(1) or "-"] = counts.get(found.group(1) or "-", 0) + 1
    return counts


def _withdraw(doc_id: int) -> int:
    from sqlalchemy import select

    from portal import create_app
    from portal.auth.models import User
    from portal.disclosures import services
    from portal.extensions import db

    app = create_app()
    with app.app_context():
        reviewer = db.session.scalar(select(User).where(User.username == "reviewer"))
        print("ready", flush=True)
        sys.stdin.readline()
        services.withdraw(reviewer, doc_id, "压测撤回（nginx 之后）")
        print(repr(time.time()), flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["withdraw"]:
        sys.exit(_withdraw(int(sys.argv[2])))
    sys.exit("usage: python -m bench.nginx_front withdraw DOC_ID")
