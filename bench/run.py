"""`make bench`: seed (or reuse) a county per size, serve it with gunicorn on loopback,
measure the pages with wrk, the framework and machine ceilings, inquiry submissions and
worker memory, and write bench/RESULTS.md.

Settings (environment):
  BENCH_SIZES        sizes to run, default "medium large"
  BENCH_DURATION     seconds per measurement, default 10 (plus BENCH_WARMUP, default 3)
  BENCH_CONNECTIONS  wrk connections, default 64
  BENCH_WORKERS      gunicorn workers, default 2 × cores + 1 (as `make run`)
  BENCH_SUBMITTERS   concurrent residents submitting inquiries, default 16
  BENCH_SUBMISSION_TURNS  turns of BENCH_DURATION seconds the submissions are measured
                     in, default 3; the rate reported is the median turn's
  BENCH_RESEED=1     seed again even when bench/.data holds a database for this revision
  BENCH_OUTPUT       where to write the report, default bench/RESULTS.md
  BENCH_RESULTS_JSON the raw figures, under bench/.data, default results.json
                     (`bench/run.py --render-only FILE …` reports saved runs again, merged)
  BENCH_LOG_SIZE     leaves of the large transparency-log tree, default 10000000 (built
                     once into bench/.data, ~20 min); 0 skips the log measurement
  BENCH_SIDE_ROUNDS  rounds of each share measured in turns with its ceiling, default 3
  BENCH_SIDE_SECONDS seconds per turn, default 4 (bench/ceilings.py)
  BENCH_PORTS        loopback ports the servers may use, e.g. "5160-5199"; default any
                     free port
  BENCH_ONLY=nginx   (or `bench/run.py --only nginx`) measure only the portal behind the
                     documented nginx (bench/nginx_front.py) and nginx's static-file
                     ceiling, for each size and database
  BENCH_DATABASES    "sqlite postgresql" (default): each size is measured on both. For
                     PostgreSQL the bench starts a throw-away server of its own
                     (.ci/postgres.sh, Debian's packages; on a port from BENCH_PORTS when
                     set), seeds it, and stops and removes it afterwards

Every answer other than 200 (a redirect, a 404, a 500) and every socket error or timeout
is counted by status for each measurement, warm-up included; the run then fails (exit
status 1) after writing the report, which lists them.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import ceilings, client, nginx_front, report  # noqa: E402
from bench.databases import Postgres, portal_env, rows, seeded_database, working_copy  # noqa: E402
from bench.processes import MemorySampler, free_port, gunicorn, serve  # noqa: E402
from bench.settings import DATA, LUA, PASSWORD, SECRET_KEY, SETTINGS, log  # noqa: E402

# Every measurement that saw an answer other than 200 or a socket error: the run fails.
FAILURES: list[str] = []
SOCKET_ERRORS = ("connect", "read", "write", "timeout")


def wrk(port: int, paths: list[str], cookie: str = "", duration: int | None = None,
        label: str = "") -> dict:
    """One wrk run over `paths`; returns requests/s, latency percentiles in ms and every
    answer other than 200 by status."""
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
    # wrk's "status" error count is the non-2xx/3xx answers, already in `statuses`.
    errors = sum(raw["errors"][name] for name in SOCKET_ERRORS)
    statuses = {int(k): v for k, v in sorted(raw.get("statuses", {}).items())}
    if statuses or errors:
        FAILURES.append(f"{label or paths[0]}: " + "，".join(
            [f"HTTP {code} × {count}" for code, count in statuses.items()]
            + [f"{name} 错误 × {raw['errors'][name]}" for name in SOCKET_ERRORS
               if raw["errors"][name]]))
    return dict(rps=raw["requests"] / (raw["duration_us"] / 1e6), requests=raw["requests"],
                non200=raw["non200"], statuses=statuses, errors=errors,
                incomplete=incomplete, **latency)


def measure(port: int, paths: list[str], cookie: str = "", label: str = "",
            primed: bool = False) -> dict:
    """Warm up, then measure. Each measurement has a server of its own (see `run_size`), so
    requests wrk leaves queued never slow down the next page. Answers other than 200 in
    the warm-up count as failures too.

    `primed`: first request every path once, one after another, as a site that has been
    up has rendered its pages into the shared page cache (the mixed workload and the
    rows behind nginx start the same way). Without it, the warm-up's few seconds may not
    reach every path on a slow machine (60 search words, 2,000 documents), and first
    renders land in the measurement; how fast a page renders is the "缓存关闭" rows."""
    primed_count = None
    if primed:
        primed_count = nginx_front.prewarm(port, paths)
        if primed_count < len(paths):
            FAILURES.append(f"{label or paths[0]}（每个网址先各请求一次）："
                            f"{len(paths) - primed_count} 个网址没有答 200")
    if SETTINGS["warmup"]:
        warm = wrk(port, paths, cookie, duration=SETTINGS["warmup"], label=f"{label}（预热）")
    result = wrk(port, paths, cookie, label=label)
    if SETTINGS["warmup"]:
        result["warmup_statuses"] = warm["statuses"]
    if primed_count is not None:
        result["primed"] = primed_count
    return result


def targets_of(db: Path | str) -> dict:
    """URLs to spread requests over, read from the seeded database."""
    # At most half of the published documents: the mixed workload withdraws from the rest,
    # which no reader asks for (at the small size all 1,000 were readers).
    published = rows(db, "SELECT count(*) FROM disclosures WHERE status = 'published'")[0][0]
    ids = [row[0] for row in rows(
        db, "SELECT id FROM disclosures WHERE status = 'published' ORDER BY random() "
        "LIMIT :readers", readers=min(2000, max(1, published // 2)))]
    villages = [row[0] for row in rows(
        db, "SELECT slug FROM organizations WHERE kind = 'village' ORDER BY id")]
    county = rows(db, "SELECT slug FROM organizations WHERE kind = 'county' "
                  "ORDER BY id LIMIT 1")[0][0]
    town = rows(db, "SELECT slug FROM organizations WHERE kind = 'town' ORDER BY id "
                "LIMIT 1")[0][0]
    from portal.auth.models import TOTP_PURPOSE
    from portal.auth.sealing import unseal_with

    secret = unseal_with(rows(
        db, "SELECT totp_secret FROM users WHERE username = 'inspector'")[0][0],
        TOTP_PURPOSE, [SECRET_KEY])
    from urllib.parse import quote

    from bench.seed.text import SUBJECTS

    # A mix of what people type: topics found in many documents, place names found in a
    # few, and whole titles (every word must match).
    words = [*SUBJECTS[:20], *(name for name, in rows(
        db, "SELECT name FROM organizations WHERE kind = 'village' ORDER BY random() LIMIT 20")),
        *(title for title, in rows(
            db, "SELECT title FROM disclosures WHERE status = 'published' "
            "ORDER BY random() LIMIT 20"))]
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
def portal(db: Path | str, name: str, **settings: str):
    """The portal on `db` under gunicorn; `settings` are extra PORTAL_* variables
    (PAGE_CACHE_ENABLED="0" for the cold rows)."""
    port = free_port()
    env = portal_env(db)
    env.update({f"PORTAL_{key}": value for key, value in settings.items()})
    with serve(gunicorn("wsgi:app", port), port, env, f"portal-{name}") as server:
        yield port, server


# Pages measured a second time with the page cache off: every request renders. Search is
# reported beside its cached row; the ≥ 25% target (and its turns with the ceiling) is for
# the four others (report.THROUGHPUT_PAGES).
COLD_PAGES = ("home", "list", "detail", "village", "search")


def run_size(size: str, postgres: Postgres | None = None) -> dict:
    db = postgres.seeded(size) if postgres else working_copy(seeded_database(size))
    database = "postgresql" if postgres else "sqlite"
    size_label = size if database == "sqlite" else f"{size}-pg"
    targets = targets_of(db)
    result: dict = {"size": size, "database": database, "pages": {}, "cold": {},
                    "memory": {}, "measured": report.measured_now()}
    size = size_label  # in log lines and server names
    with portal(db, size) as (port, _server):
        cookie = client.login(port, "inspector", PASSWORD, targets["secret"]).cookie_header
        alone = preflight(port, targets["pages"], cookie)
        home = client.Browser(port).request("GET", "/")[2].encode("utf-8")
    this = sys.modules[__name__]
    with ceilings.framework(this, home, db) as ceiling_port:
        for name, paths in targets["pages"].items():
            log(f"{size}: {name} ({len(paths)} URL{'s' if len(paths) > 1 else ''})")
            with portal(db, size) as (port, server), MemorySampler(server.pid) as memory:
                signed_in = name in SIGNED_IN
                m = result["pages"][name] = measure(
                    port, paths, cookie if signed_in else "", label=f"{size} {name}",
                    primed=not signed_in)
                m["alone_ms"] = alone[name]
                if name in report.THROUGHPUT_PAGES:
                    m[ceilings.TURNS] = ceilings.turns(this, port, paths, ceiling_port,
                                                       label=f"{size} {name}")
            _note_memory(result, name, memory.figures())
        for name in COLD_PAGES:
            log(f"{size}: {name}, page cache off")
            with portal(db, size, PAGE_CACHE_ENABLED="0") as (port, server), \
                    MemorySampler(server.pid) as memory:
                label = f"{size} {name}（缓存关闭）"
                m = result["cold"][name] = measure(port, targets["pages"][name], label=label)
                if name in report.THROUGHPUT_PAGES:
                    m[ceilings.TURNS] = ceilings.turns(this, port, targets["pages"][name],
                                                       ceiling_port, label=label)
            m["memory"] = memory.figures()
    result["mixed"] = mixed(db, size, targets)
    with portal(db, size) as (port, server), MemorySampler(server.pid) as memory:
        result["submissions"] = submissions(port, db, targets["town"])
    result["submissions_memory"] = memory.figures()
    _note_memory(result, "submissions", result["submissions_memory"])
    result["ceilings"] = ceilings.measure_once(this, home, db)
    result["behind_nginx"] = behind_nginx(db, size, targets["pages"], home)
    return result


def run_nginx_only(size: str, postgres: Postgres | None = None) -> dict:
    """BENCH_ONLY=nginx: the portal behind nginx and nginx's static-file ceiling only."""
    db = postgres.seeded(size) if postgres else working_copy(seeded_database(size))
    database = "postgresql" if postgres else "sqlite"
    label = size if database == "sqlite" else f"{size}-pg"
    targets = targets_of(db)
    measured = report.measured_now()
    with portal(db, label) as (port, _server):
        home = client.Browser(port).request("GET", "/")[2].encode("utf-8")
    return {"size": size, "database": database, "only": "nginx", "measured": measured,
            "ceilings": {"nginx": ceilings.nginx_once(sys.modules[__name__], home)},
            "behind_nginx": behind_nginx(db, label, targets["pages"], home)}


# The mixed workload's reads: the public pages residents open most.
MIXED_PAGES = ("home", "list", "detail", "village")


def _cache_outcomes(log_file: Path) -> dict[str, int]:
    """Hits and misses of the page cache in a portal's access log lines."""
    counts = {"hit": 0, "miss": 0}
    for line in log_file.read_text(encoding="utf-8", errors="replace").splitlines():
        if '"cache": "' not in line:
            continue
        try:
            outcome = json.loads(line).get("cache")
        except ValueError:
            continue
        if outcome in counts:
            counts[outcome] += 1
    return counts


def mixed(db: Path | str, size: str, targets: dict) -> dict:
    """Reads from every connection while, once a second, a document is published, one
    withdrawn or a reply published (`bench.mixed_writer`): the page cache's hit rate,
    the read latency, and whether a withdrawn document was ever served afterwards."""
    paths = [path for name in MIXED_PAGES for path in targets["pages"][name]]
    readers = set(targets["pages"]["detail"])
    ids_file, result_file = DATA / "withdraw-ids.txt", DATA / "mixed-writer.json"
    # The newest 400 that no reader asks for (filtered before the 400 are counted).
    pool = [i for i, in rows(
        db, "SELECT id FROM disclosures WHERE status = 'published' ORDER BY id DESC")
        if f"/disclosures/{i}" not in readers][:400]
    ids_file.write_text("\n".join(map(str, pool)), encoding="utf-8")
    result_file.unlink(missing_ok=True)
    ready = Path(f"{result_file}.ready")
    ready.unlink(missing_ok=True)
    log_file = DATA / f"portal-mixed-{size}.log"
    log_file.unlink(missing_ok=True)
    log(f"{size}: mixed workload ({len(paths)} URLs; a change every second)")
    with portal(db, f"mixed-{size}") as (port, server), MemorySampler(server.pid) as memory:
        # A site that has been up: every read URL rendered once (into the shared page
        # cache), so the hit rate measures what the changes invalidate, not first renders.
        prewarmed = nginx_front.prewarm(port, paths)
        if SETTINGS["warmup"]:
            wrk(port, paths, duration=SETTINGS["warmup"], label=f"{size} mixed（预热）")
        os.truncate(log_file, 0)  # count the measured reads only
        writer = subprocess.Popen(
            [sys.executable, "-m", "bench.mixed_writer", str(SETTINGS["duration"]), str(port),
             str(ids_file), str(result_file)], cwd=ROOT, env=portal_env(db))
        deadline = time.monotonic() + 120
        while not ready.exists() and writer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        reads = wrk(port, paths, label=f"{size} mixed")
        writer.wait(timeout=120)
    outcomes = _cache_outcomes(log_file)
    writes = json.loads(result_file.read_text(encoding="utf-8")) if result_file.exists() \
        else {"done": {}, "failed": [f"writer exited with {writer.returncode}"],
              "served_after_withdrawal": 0, "checked_after_withdrawal": 0}
    if writes["failed"] or writes["served_after_withdrawal"]:
        FAILURES.append(f"{size} mixed 写入：" + "；".join(
            [*writes["failed"][:5], f"撤回后仍返回页面 {writes['served_after_withdrawal']} 次"]))
    total = outcomes["hit"] + outcomes["miss"]
    return dict(reads, hits=outcomes["hit"], misses=outcomes["miss"], prewarmed=prewarmed,
                hit_rate=outcomes["hit"] / total if total else 0.0, writes=writes,
                memory=memory.figures())


def _note_memory(result: dict, name: str, figures: dict) -> None:
    """Keep each page's figures, and those of the run whose worker peaked highest (Pss)."""
    if name in result["pages"]:
        result["pages"][name]["memory"] = figures
    worst = result.get("memory") or {}
    if max(figures["pss_kb"], default=0) > max(worst.get("pss_kb", []), default=0):
        result["memory"] = dict(figures, page=name)


def submissions(port: int, db: Path | str, town: str) -> dict:
    """Residents submitting through the form: warmed up like every page (BENCH_WARMUP
    seconds, their own title, not counted but checked for loss too), then measured in
    BENCH_SUBMISSION_TURNS turns, each with its own title and counted in the database.
    The rate is the median turn's (every turn is reported): this machine's speed drifts by
    a fifth within minutes, and one turn made the verdict a draw. Loss is over all."""
    stamp = time.strftime('%Y%m%d%H%M%S')
    warm_title = f"压测预热 {stamp}"
    turns = SETTINGS["submission_turns"]
    log(f"submissions: {SETTINGS['submitters']} residents for {SETTINGS['warmup']} + "
        f"{turns} × {SETTINGS['duration']} s")
    warm = client.submit_inquiries(port, f"town:{town}", warm_title, SETTINGS["submitters"],
                                   SETTINGS["warmup"])
    warm_found = rows(db, "SELECT count(*) FROM inquiries WHERE title = :title",
                      title=warm_title)[0][0]
    if warm.accepted != warm_found or warm.refused or warm.errors:
        FAILURES.append(f"submissions warm-up: {warm.accepted} accepted, {warm_found} stored, "
                        f"{warm.refused} refused, {warm.errors} errors {warm.samples}")
    outcomes, found = [], 0
    for turn in range(1, turns + 1):
        title = f"压测提交 {stamp} #{turn}"
        outcomes.append(client.submit_inquiries(port, f"town:{town}", title,
                                                SETTINGS["submitters"], SETTINGS["duration"]))
        found += rows(db, "SELECT count(*) FROM inquiries WHERE title = :title",
                      title=title)[0][0]
    accepted = sum(outcome.accepted for outcome in outcomes)
    latencies = sorted(x for outcome in outcomes for x in outcome.latencies) or [0.0]
    return dict(accepted=accepted, refused=sum(outcome.refused for outcome in outcomes),
                errors=sum(outcome.errors for outcome in outcomes), rows=found,
                per_second=statistics.median(outcome.per_second for outcome in outcomes),
                turns=[outcome.per_second for outcome in outcomes],
                seconds=sum(outcome.seconds for outcome in outcomes),
                p50=latencies[len(latencies) // 2] * 1000,
                p99=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
                lost=accepted - found,
                samples=[sample for outcome in outcomes for sample in outcome.samples][:5],
                client_cpu_ms=sum(outcome.cpu_seconds for outcome in outcomes) * 1000
                / max(1, accepted))


def behind_nginx(db: Path | str, size: str, pages: dict, home: bytes) -> dict:
    """The pages behind the documented nginx, each also in turns with nginx serving the
    static file (bench/ceilings.py)."""
    this = sys.modules[__name__]
    with ceilings.nginx_static(this, home) as static_port:
        return nginx_front.measure_all(this, db, size, pages, static_port)


def main() -> int:
    """Measure and report; with --render-only [FILE …], report the last measurement (or
    the saved measurements named, merged) again."""
    saved = DATA / os.environ.get("BENCH_RESULTS_JSON", "results.json")
    started = time.monotonic()
    if "--render-only" in sys.argv:
        named = sys.argv[sys.argv.index("--render-only") + 1:] or [str(saved)]
        runs = [json.loads(Path(name).read_text(encoding="utf-8")) for name in named]
        run = dict(runs[0], sizes=[size for r in runs for size in r["sizes"]],
                   failures=[line for r in runs for line in r.get("failures", [])])
    else:
        subprocess.run(["bash", str(ROOT / "bench" / "install.sh")], check=True)
        only = (sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv
                else os.environ.get("BENCH_ONLY", ""))
        if only not in ("", "nginx"):
            raise SystemExit(f"--only {only}: only 'nginx' can be measured alone")
        measure_size = run_nginx_only if only else run_size
        run = dict(settings=SETTINGS, sizes=[])
        for database in SETTINGS["databases"]:
            postgres = Postgres() if database == "postgresql" else None
            try:
                for size in SETTINGS["sizes"]:
                    run["sizes"].append(measure_size(size, postgres))
                    saved.write_text(json.dumps(run, indent=1, ensure_ascii=False),
                                     encoding="utf-8")
            finally:
                if postgres is not None:
                    postgres.stop()
        if os.environ.get("BENCH_LOG_SIZE", "10000000") != "0" and not only:
            from bench import transparency_timing

            run["transparency"] = transparency_timing.run()
            saved.write_text(json.dumps(run, indent=1, ensure_ascii=False), encoding="utf-8")
        run["failures"] = FAILURES
        saved.write_text(json.dumps(run, indent=1, ensure_ascii=False), encoding="utf-8")
    results, failures = run["sizes"], run.get("failures", [])
    output = Path(os.environ.get("BENCH_OUTPUT", ROOT / "bench" / "RESULTS.md"))
    output.write_text(report.render(results, run["settings"], run.get("transparency"),
                                    failures), encoding="utf-8")
    log(f"done in {time.monotonic() - started:.0f} s; report in {output}")
    print(report.summary(results))
    if failures:
        print("FAILED: answers other than 200 or socket errors:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
