"""The two ceilings a page's rate is compared with, and shares measured in turns with them.

The ceilings: the minimal Flask app serving the home page's bytes under the portal's
gunicorn settings (`bench/ceiling_app.py`), and nginx serving the same bytes as a file.

Shares in turns. The machine's speed drifts. On the two-core machine `make bench` runs
on, the framework ceiling measured for 5 s every 15 s ranged from 2,951 to 4,788
requests/s within three minutes. A ceiling measured once per segment, minutes before or
after a page, can move that page's share by a quarter either way. So every row a share
target is set for (the public pages, cached and with the page cache off, and the pages
behind nginx) is also measured in turns with its ceiling, both servers up and warm:

    ceiling, page, ceiling, page, ceiling, page, ceiling      (SLICE seconds each)

Each page slice is divided by the mean of the two ceiling slices either side of it; the
row's share is the median of those ROUNDS shares. The row's own measurement (requests/s
and latency, `run.measure`) is unchanged and comes first. Answers other than 200 in a
slice fail the run, as in any measurement (`run.wrk`).

Settings (environment): BENCH_SIDE_ROUNDS (default 3; 0 measures no turns, and shares
are then taken against the segment's one ceiling, as before) and BENCH_SIDE_SECONDS
(default 4).

`run` below is bench/run.py, passed in (as to bench/nginx_front.py) for its servers,
settings and failure list.
"""

from __future__ import annotations

import os
import signal
import statistics
from contextlib import contextmanager
from pathlib import Path

from bench.settings import CORES

ROUNDS = int(os.environ.get("BENCH_SIDE_ROUNDS", "3"))
SLICE = int(os.environ.get("BENCH_SIDE_SECONDS", "4"))
TURNS = "side_by_side"  # the key of a row's turns in the saved figures


def _static_home(run, home: bytes) -> Path:
    static = run.DATA / "static"
    static.mkdir(parents=True, exist_ok=True)
    (static / "index.html").write_bytes(home)
    return static


@contextmanager
def framework(run, home: bytes, db):
    """The minimal Flask app serving `home`, under the portal's own gunicorn settings
    (gunicorn.conf.py, which checks the portal's environment, hence its environment);
    yields its port."""
    static = _static_home(run, home)
    port = run.free_port()
    env = dict(run.portal_env(db), BENCH_HOME_FILE=str(static / "index.html"))
    run.log("ceiling: minimal Flask app")
    with run.serve(run.gunicorn("bench.ceiling_app:app", port), port, env, "ceiling"):
        yield port


def nginx_conf(port: int, root: Path, prefix: Path, workers: int) -> str:
    """nginx serving `root`/index.html at / and nothing else, without an access log."""
    return f"""worker_processes {workers};
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/nginx-body;
    proxy_temp_path {prefix}/nginx-proxy;
    fastcgi_temp_path {prefix}/nginx-fastcgi;
    uwsgi_temp_path {prefix}/nginx-uwsgi;
    scgi_temp_path {prefix}/nginx-scgi;
    types {{ text/html html; }}
    sendfile on;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location = / {{ try_files /index.html =404; }}
    }}
}}
"""


@contextmanager
def nginx_static(run, home: bytes):
    """nginx serving `home` as a static file; yields its port."""
    static = _static_home(run, home)
    port = run.free_port()
    conf = run.DATA / "nginx.conf"
    conf.write_text(nginx_conf(port, static, run.DATA, CORES), encoding="utf-8")
    run.log("ceiling: nginx static file")
    with run.serve(["nginx", "-c", str(conf), "-p", str(run.DATA)], port, log_name="nginx",
                   stop=signal.SIGTERM):
        yield port


def nginx_once(run, home: bytes) -> dict:
    with nginx_static(run, home) as port:
        return run.measure(port, ["/"], label="ceiling nginx")


def measure_once(run, home: bytes, db) -> dict:
    """Both ceilings, each measured once (at the end of a segment): the table's own rows,
    and the ceiling of any row not measured in turns."""
    with framework(run, home, db) as port:
        flask = run.measure(port, ["/"], label="ceiling flask")
    return dict(framework=flask, nginx=nginx_once(run, home))


def turns(run, port: int, paths: list[str], ceiling_port: int, cookie: str = "",
          label: str = "") -> dict:
    """One row measured in turns with the ceiling on `ceiling_port`; {} when
    BENCH_SIDE_ROUNDS is 0."""
    if ROUNDS <= 0:
        return {}

    def ceiling() -> float:
        return run.wrk(ceiling_port, ["/"], duration=SLICE, label=f"{label}（轮流：上限）")["rps"]

    ceilings, pages = [ceiling()], []
    for _ in range(ROUNDS):
        pages.append(run.wrk(port, paths, cookie, duration=SLICE, label=f"{label}（轮流）")["rps"])
        ceilings.append(ceiling())
    return {**shares_of(pages, ceilings), "seconds": SLICE}


def shares_of(pages: list[float], ceilings: list[float]) -> dict:
    """Page slice i between ceiling slices i and i + 1 (one more ceiling than pages)."""
    if len(ceilings) != len(pages) + 1 or not pages:
        raise ValueError("one ceiling slice before each page slice and one after the last")
    shares = [page / ((before + after) / 2) if before + after else 0.0
              for page, before, after in zip(pages, ceilings, ceilings[1:], strict=False)]
    return {"share": statistics.median(shares), "shares": shares, "pages": pages,
            "ceilings": ceilings}


def share(m: dict, ceiling: float) -> float:
    """A row's share of its ceiling: the median of its turns when it was measured in
    turns, else its requests/s over the segment's one ceiling (`ceiling`)."""
    measured = m.get(TURNS)
    if measured:
        return measured["share"]
    return m["rps"] / ceiling if ceiling else 0.0


def range_note(rows, ceiling_name: str) -> str:
    """The line under a table: how its shares were taken, and how far the ceiling moved
    while they were."""
    rows = list(rows)
    measured = [m[TURNS] for m in rows if m.get(TURNS)]
    if not measured:
        return f"- 占{ceiling_name}上限：按本段末尾测得的一次上限计（见表末）。"
    slices = [rps for found in measured for rps in found["ceilings"]]
    low, high = min(slices), max(slices)
    note = (f"- 占{ceiling_name}上限：有目标的行与上限轮流测量（上限、页面、上限……每段 "
            f"{measured[0].get('seconds', SLICE)} 秒，{len(measured[0]['shares'])} 轮），"
            "每段页面除以其前后两段上限的平均值，取中位数（`bench/ceilings.py`）；"
            f"其间上限在 {low:,.0f}–{high:,.0f} 次/秒之间变动"
            f"（最高比最低多 {high / low - 1 if low else 0:.0%}）。")
    if len(measured) < len(rows):
        note += "其余行按本段末尾测得的一次上限计（见表末）。"
    return note
