"""`make bench`: seed (or reuse) a county per size, serve it with gunicorn on loopback,
measure the pages with wrk, the framework and machine ceilings, inquiry submissions and
worker memory, and write bench/RESULTS.md.

Settings (environment):
  BENCH_SIZES        sizes to run, default "medium large"
  BENCH_DURATION     seconds per measurement, default 10 (plus BENCH_WARMUP, default 3)
  BENCH_CONNECTIONS  wrk connections, default 64
  BENCH_WORKERS      gunicorn workers, default 2 × cores + 1 (as `make run`)
  BENCH_SUBMITTERS   concurrent residents submitting inquiries, default 16
  BENCH_RESEED=1     seed again even when bench/.data holds a database for this revision
  BENCH_OUTPUT       where to write the report, default bench/RESULTS.md
  BENCH_LOG_SIZE     leaves of the large transparency-log tree, default 10000000 (built
                     once into bench/.data, ~20 min); 0 skips the log measurement
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import client, report  # noqa: E402

DATA = ROOT / "bench" / ".data"
LUA = ROOT / "bench" / "paths.lua"
PASSWORD = "Bench-Seed-2026!"
CORES = os.cpu_count() or 1
SETTINGS = dict(
    sizes=os.environ.get("BENCH_SIZES", "medium large").split(),
    duration=int(os.environ.get("BENCH_DURATION", "10")),
    warmup=int(os.environ.get("BENCH_WARMUP", "3")),
    connections=int(os.environ.get("BENCH_CONNECTIONS", "64")),
    workers=int(os.environ.get("BENCH_WORKERS", str(2 * CORES + 1))),
    submitters=int(os.environ.get("BENCH_SUBMITTERS", "16")),
    wrk_threads=max(1, min(CORES, 4)),
)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


SECRET_KEY = "bench-secret"


def schema_revision() -> str:
    """The head revision and a digest of every migration file: a cached database is reused
    only at the very same schema (a renumbered or edited migration makes a new one)."""
    import hashlib

    from alembic.script import ScriptDirectory

    digest = hashlib.sha256()
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    heads = "+".join(sorted(ScriptDirectory(str(ROOT / "migrations")).get_heads()))
    return f"{heads}-{digest.hexdigest()[:8]}"


def portal_env(db_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_DATABASE_URL=f"sqlite:///{db_path}", PORTAL_SECRET_KEY=SECRET_KEY,
               PORTAL_INSTANCE_PATH=str(DATA / "instance"), PORTAL_RATELIMIT_ENABLED="0")
    return env


def flask(*args: str, db_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], cwd=ROOT,
                   env=portal_env(db_path), check=True)


def bench_seed(*args: str, db_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "bench.seed", *args], cwd=ROOT,
                   env=portal_env(db_path), check=True)


def seeded_database(size: str) -> Path:
    """bench/.data/<size>-<revision>.db, seeded once; a failed seed leaves nothing behind."""
    cached = DATA / f"{size}-{schema_revision()}.db"
    if cached.exists() and os.environ.get("BENCH_RESEED") != "1":
        log(f"{size}: reusing {cached.name}")
        return cached
    DATA.mkdir(parents=True, exist_ok=True)
    building = cached.with_suffix(".building")
    for path in (building, *building.parent.glob(building.name + "-*")):
        path.unlink(missing_ok=True)
    log(f"{size}: migrating and seeding (this is done once per schema revision)")
    started = time.monotonic()
    flask("db", "upgrade", db_path=building)
    bench_seed("--size", size, "--password", PASSWORD, db_path=building)
    conn = sqlite3.connect(building)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()  # the last connection removes the -wal and -shm files
    building.replace(cached)
    log(f"{size}: seeded in {time.monotonic() - started:.0f} s")
    return cached


def working_copy(cached: Path) -> Path:
    """The benchmark writes (logins, submissions); it works on a copy of the cached seed."""
    work = DATA / "work.db"
    for path in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
        path.unlink(missing_ok=True)
    shutil.copyfile(cached, work)
    return work


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(port: int, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server on port {port} did not answer within {seconds} s")


@contextmanager
def serve(command: list[str], port: int, env: dict | None = None, log_name: str = "server",
          stop: signal.Signals = signal.SIGQUIT):
    """Start a server in its own process group; stop that group (and only it) afterwards,
    at once (gunicorn's SIGQUIT): requests still queued are dropped, not served."""
    with (DATA / f"{log_name}.log").open("ab") as errors:
        process = subprocess.Popen(command, cwd=ROOT, env=env or dict(os.environ),
                                   start_new_session=True, stdout=errors, stderr=errors)
    try:
        wait_ready(port, process)
        yield process
    finally:
        os.killpg(process.pid, stop)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def gunicorn(app: str, port: int) -> list[str]:
    # No control socket: several gunicorns on one machine would share its default path.
    return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
            str(SETTINGS["workers"]), "--timeout", "120", "--no-control-socket", app]


def wrk(port: int, paths: list[str], cookie: str = "", duration: int | None = None) -> dict:
    """One wrk run over `paths`; returns requests/s and latency percentiles in ms."""
    paths_file = DATA / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    seconds = duration or SETTINGS["duration"]
    command = ["wrk", f"-t{SETTINGS['wrk_threads']}", f"-c{SETTINGS['connections']}",
               f"-d{seconds}s", "--latency", "--timeout", "60s", "-s", str(LUA),
               f"http://127.0.0.1:{port}", "--", str(paths_file), cookie]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    latency = {k: v / 1000 for k, v in raw["latency_us"].items()}
    incomplete = raw["requests"] == 0
    if incomplete:  # nothing finished in time: the duration is a lower bound on latency
        latency = {k: seconds * 1000.0 for k in latency}
    errors = sum(raw["errors"].values())
    return dict(rps=raw["requests"] / (raw["duration_us"] / 1e6), requests=raw["requests"],
                non200=raw["non200"], errors=errors, incomplete=incomplete, **latency)


def measure(port: int, paths: list[str], cookie: str = "") -> dict:
    """Warm up, then measure. Each measurement has a server of its own (see `run_size`), so
    requests wrk leaves queued never slow down the next page."""
    if SETTINGS["warmup"]:
        wrk(port, paths, cookie, duration=SETTINGS["warmup"])
    return wrk(port, paths, cookie)


def worker_memory(master: int) -> list[int]:
    """VmHWM (peak resident set, kB) of each child of the gunicorn master."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines()
                          if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master) and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]))
    return sorted(peaks)


def targets_of(db: Path) -> dict:
    """URLs to spread requests over, read from the seeded database."""
    conn = sqlite3.connect(db)
    ids = [row[0] for row in conn.execute(
        "SELECT id FROM disclosures WHERE status = 'published' ORDER BY random() LIMIT 2000")]
    villages = [row[0] for row in conn.execute(
        "SELECT slug FROM organizations WHERE kind = 'village' ORDER BY id")]
    county = conn.execute("SELECT slug FROM organizations WHERE kind = 'county' "
                          "ORDER BY id LIMIT 1").fetchone()[0]
    town = conn.execute("SELECT slug FROM organizations WHERE kind = 'town' ORDER BY id "
                        "LIMIT 1").fetchone()[0]
    from portal.auth.models import TOTP_PURPOSE
    from portal.auth.sealing import unseal_with

    secret = unseal_with(conn.execute(
        "SELECT totp_secret FROM users WHERE username = 'inspector'").fetchone()[0],
        TOTP_PURPOSE, [SECRET_KEY])
    from urllib.parse import quote

    from bench.seed.text import SUBJECTS

    # A mix of what people type: topics found in many documents, place names found in a
    # few, and whole titles (every word must match).
    words = [*SUBJECTS[:20], *(name for name, in conn.execute(
        "SELECT name FROM organizations WHERE kind = 'village' ORDER BY random() LIMIT 20")),
        *(title for title, in conn.execute(
            "SELECT title FROM disclosures WHERE status = 'published' "
            "ORDER BY random() LIMIT 20"))]
    conn.close()
    categories = ("decision", "execution", "management", "service", "result")
    return dict(
        county=county, town=town, secret=secret, pages={
            "home": ["/"],
            "list": ["/disclosures/", *(f"/disclosures/?category={c}" for c in categories),
                     *(f"/disclosures/?page={n}" for n in range(2, 6))],
            "detail": [f"/disclosures/{i}" for i in ids],
            "search": [f"/search?q={quote(w)}" for w in words],
            "village": [f"/villages/{slug}/" for slug in villages],
            "dashboard": ["/inspect/"],
            "annual_report": [f"/inspect/annual-report/{date.today().year}?org={county}"],
        })


SIGNED_IN = ("dashboard", "annual_report")


def preflight(port: int, pages: dict, cookie: str) -> dict[str, float]:
    """Every URL kind answers 200 before it is measured (a redirect would measure nothing).
    Returns each one's time alone on the server, in ms: for pages too slow to finish under
    wrk's load, the one figure there is."""
    alone = {}
    for name, paths in pages.items():
        browser = client.Browser(port, timeout=900)
        if name in SIGNED_IN:
            browser.cookies.update(dict(part.split("=", 1) for part in cookie.split("; ")))
        started = time.monotonic()
        status, _headers, _text = browser.request("GET", paths[0])
        alone[name] = (time.monotonic() - started) * 1000
        if status != 200:
            raise RuntimeError(f"{name} {paths[0]} answered HTTP {status}")
        log(f"  {name}: {alone[name]:,.0f} ms alone (first request)")
    return alone


@contextmanager
def portal(db: Path, name: str):
    port = free_port()
    with serve(gunicorn("wsgi:app", port), port, portal_env(db), f"portal-{name}") as server:
        yield port, server


def run_size(size: str) -> dict:
    db = working_copy(seeded_database(size))
    targets = targets_of(db)
    result: dict = {"size": size, "pages": {}, "memory_kb": []}
    with portal(db, size) as (port, _server):
        cookie = client.login(port, "inspector", PASSWORD, targets["secret"]).cookie_header
        alone = preflight(port, targets["pages"], cookie)
        home = client.Browser(port).request("GET", "/")[2].encode("utf-8")
    for name, paths in targets["pages"].items():
        log(f"{size}: {name} ({len(paths)} URL{'s' if len(paths) > 1 else ''})")
        with portal(db, size) as (port, server):
            result["pages"][name] = measure(port, paths, cookie if name in SIGNED_IN else "")
            result["pages"][name]["alone_ms"] = alone[name]
            _note_memory(result, name, worker_memory(server.pid))
    with portal(db, size) as (port, server):
        result["submissions"] = submissions(port, db, targets["town"])
        _note_memory(result, "submissions", worker_memory(server.pid))
    result["ceilings"] = ceilings(home)
    return result


def _note_memory(result: dict, name: str, peaks: list[int]) -> None:
    """Keep each page's worst worker, and the workers of the worst run overall."""
    if name in result["pages"]:
        result["pages"][name]["memory_mb"] = max(peaks, default=0) / 1024
    if max(peaks, default=0) > max(result["memory_kb"], default=0):
        result["memory_kb"] = peaks


def submissions(port: int, db: Path, town: str) -> dict:
    title = f"压测提交 {time.strftime('%Y%m%d%H%M%S')}"
    log(f"submissions: {SETTINGS['submitters']} residents for {SETTINGS['duration']} s")
    outcome = client.submit_inquiries(port, f"town:{town}", title, SETTINGS["submitters"],
                                      SETTINGS["duration"])
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT count(*) FROM inquiries WHERE title = ?", (title,)
                            ).fetchone()[0]
    latencies = sorted(outcome.latencies) or [0.0]
    return dict(accepted=outcome.accepted, refused=outcome.refused, errors=outcome.errors,
                rows=rows, per_second=outcome.per_second, seconds=outcome.seconds,
                p50=latencies[len(latencies) // 2] * 1000,
                p99=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
                lost=outcome.accepted - rows, samples=outcome.samples)


def ceilings(home: bytes) -> dict:
    """The same gunicorn serving the home page's bytes from Flask, and nginx serving them
    as a file."""
    static = DATA / "static"
    static.mkdir(parents=True, exist_ok=True)
    (static / "index.html").write_bytes(home)
    port = free_port()
    env = dict(os.environ, BENCH_HOME_FILE=str(static / "index.html"))
    log("ceiling: minimal Flask app")
    with serve(gunicorn("bench.ceiling_app:app", port), port, env, "ceiling"):
        framework = measure(port, ["/"])
    port = free_port()
    conf = DATA / "nginx.conf"
    conf.write_text(report.nginx_conf(port, static, DATA, CORES), encoding="utf-8")
    log("ceiling: nginx static file")
    with serve(["nginx", "-c", str(conf), "-p", str(DATA)], port, log_name="nginx",
               stop=signal.SIGTERM):
        machine = measure(port, ["/"])
    return dict(framework=framework, nginx=machine)


def main() -> int:
    """Measure and report; with --render-only, report the last measurement again."""
    saved = DATA / "results.json"
    started = time.monotonic()
    if "--render-only" in sys.argv:
        run = json.loads(saved.read_text(encoding="utf-8"))
    else:
        subprocess.run(["bash", str(ROOT / "bench" / "install.sh")], check=True)
        run = dict(settings=SETTINGS, sizes=[])
        for size in SETTINGS["sizes"]:
            run["sizes"].append(run_size(size))
            saved.write_text(json.dumps(run, indent=1, ensure_ascii=False), encoding="utf-8")
        if os.environ.get("BENCH_LOG_SIZE", "10000000") != "0":
            from bench import transparency_timing

            run["transparency"] = transparency_timing.run()
            saved.write_text(json.dumps(run, indent=1, ensure_ascii=False), encoding="utf-8")
    results = run["sizes"]
    output = Path(os.environ.get("BENCH_OUTPUT", ROOT / "bench" / "RESULTS.md"))
    output.write_text(report.render(results, run["settings"], run.get("transparency")),
                      encoding="utf-8")
    log(f"done in {time.monotonic() - started:.0f} s; report in {output}")
    print(report.summary(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
