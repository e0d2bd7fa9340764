"""Cold and warm timings of the inspector's dashboard, in process, on a seeded database.

    PORTAL_DATABASE_URL=sqlite:////abs/path/medium.db .venv/bin/python -m bench.dashboard_timing

    .venv/bin/python -m bench.dashboard_timing --http PORT   # a running gunicorn

Prints, for the county inspector and the current year: the figures computed afresh
(`cold`, the snapshot store emptied first: read from the totals and the counts per
deadline kept on write; `cold, live`: the same with overdue and due soon judged from every
clocked work order, as before those counts were kept), the
figures served from the snapshot (`warm`), the full recomputation from the work orders the
totals are checked against (`reference`), and the other parts of the page.

    .venv/bin/python -m bench.dashboard_timing --compare SMALL.db LARGE.db

times the same in alternation on two seeded databases (10 thousand and 1 million work
orders), so both sizes share the machine's load, and prints medians, p99 and the ratio
large ÷ small.
"""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager

from sqlalchemy import select

from portal import create_app
from portal.auth.models import User
from portal.extensions import db
from portal.inquiries.models import Inquiry
from portal.inspection import aggregates, dashboard, open_counts, supervision
from portal.timeutil import local_today, utcnow, year_bounds
from portal.villages.schedule import lapses_for


def timed(function, runs: int) -> list[float]:
    results = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        results.append((time.perf_counter() - started) * 1000)
        db.session.rollback()  # a request's transaction ends with it
    return results


def describe(name: str, millis: list[float]) -> None:
    print(f"{name:<22} median {statistics.median(millis):8.1f} ms   "
          f"min {min(millis):8.1f} ms   max {max(millis):8.1f} ms   ({len(millis)} runs)")


def main() -> None:
    app = create_app({"RATELIMIT_ENABLED": False})
    store = app.extensions["dashboard_snapshots"]
    with app.app_context():
        inspector = db.session.scalar(select(User).where(User.username == "inspector"))
        paths, year = dashboard.scope_paths(inspector), local_today().year
        board = dashboard.timeliness(paths, year)
        print(f"{year}: {board.total.total} work orders under {paths}")

        def cold():
            store.clear()
            dashboard.timeliness(paths, year)

        describe("figures cold", timed(cold, 5))
        describe("figures warm", timed(lambda: dashboard.timeliness(paths, year), 50))
        describe("  kept totals", timed(lambda: dashboard.compute(paths, year, utcnow()), 5))
        describe("  reference: lean rows", timed(
            lambda: dashboard.reference(paths, year, utcnow()), 3))
        describe("late disclosures", timed(lambda: dashboard.late_disclosures(paths, year), 3))
        describe("village lapses", timed(
            lambda: lapses_for(dashboard.villages_for(paths)), 3))
        describe("supervision notices", timed(
            lambda: supervision.notices_in(paths, year), 3))


def p99(millis: list[float]) -> float:
    ordered = sorted(millis)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def one_round(app, paths: list[str], year: int, name: str, cases: dict,
              with_reference: bool) -> None:
    store = app.extensions["dashboard_snapshots"]

    def cold():
        store.clear()
        dashboard.timeliness(paths, year)

    cases["cold"].setdefault(name, []).extend(timed(cold, 1))
    with live_clock_counts():
        cases["cold, live"].setdefault(name, []).extend(timed(cold, 1))
    now = utcnow()
    cases["counts kept"].setdefault(name, []).extend(
        timed(lambda: dashboard.kept_clock_counts(paths, year, now), 3))
    cases["counts live"].setdefault(name, []).extend(
        timed(lambda: dashboard.live_clock_counts(paths, year, now), 1))
    cases["warm"].setdefault(name, []).extend(
        timed(lambda: dashboard.timeliness(paths, year), 5))
    if with_reference:
        cases["reference"].setdefault(name, []).extend(
            timed(lambda: dashboard.reference(paths, year, utcnow()), 1))


@contextmanager
def live_clock_counts():
    """The dashboard as it was before the counts per deadline were kept: overdue and due
    soon judged from every clocked work order of the year (`aggregates.clock_counts`)."""
    kept = open_counts.clock_counts

    def live(scope, year, now):
        start, end = year_bounds(year)
        return aggregates.clock_counts([scope(Inquiry.organization_id),
                                        Inquiry.received_at >= start,
                                        Inquiry.received_at < end], now)

    open_counts.clock_counts = live
    try:
        yield
    finally:
        open_counts.clock_counts = kept


def compare(small: str, large: str, rounds: int = 15) -> None:
    """Cold figures (kept totals), warm figures and the reference, alternating between
    the two databases round by round."""
    apps = {}
    for name, path in (("small", small), ("large", large)):
        apps[name] = create_app({"RATELIMIT_ENABLED": False,
                                 "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    cases = {"cold": {}, "cold, live": {}, "counts kept": {}, "counts live": {}, "warm": {},
             "reference": {}}
    scopes = {}
    for name, app in apps.items():
        with app.app_context():
            inspector = db.session.scalar(select(User).where(User.username == "inspector"))
            scopes[name] = dashboard.scope_paths(inspector), local_today().year
            dashboard.timeliness(*scopes[name])  # imports, first connection
            db.session.rollback()
    for round_number in range(rounds):
        for name, app in apps.items():
            with app.app_context():
                one_round(app, *scopes[name], name, cases, round_number % 3 == 0)
    print(f"{'':<12} {'small p50':>10} {'p99':>8} {'large p50':>10} {'p99':>8} "
          f"{'p50 ratio':>10}")
    for case, sizes in cases.items():
        s, big = sizes["small"], sizes["large"]
        print(f"{case:<12} {statistics.median(s):10.1f} {p99(s):8.1f} "
              f"{statistics.median(big):10.1f} {p99(big):8.1f} "
              f"{statistics.median(big) / statistics.median(s):9.2f}×")


def over_http(port: int, runs: int = 20) -> None:
    """GET /inspect/ through a running server, signed in as the county inspector; each
    worker's first answer is cold, later ones are served from its snapshot."""
    import os
    import sqlite3

    from bench.client import login

    database = os.environ["PORTAL_DATABASE_URL"].removeprefix("sqlite:///")
    conn = sqlite3.connect(database)
    from portal.auth.models import TOTP_PURPOSE
    from portal.auth.sealing import unseal_with

    secret = unseal_with(conn.execute(
        "SELECT totp_secret FROM users WHERE username = 'inspector'").fetchone()[0],
        TOTP_PURPOSE, [os.environ["PORTAL_SECRET_KEY"]])
    conn.close()
    browser = login(port, "inspector", os.environ.get("BENCH_PASSWORD", "Bench-Pass-2026"),
                    secret)
    millis = []
    for _ in range(runs):
        started = time.perf_counter()
        status, _headers, _page = browser.request("GET", "/inspect/")
        millis.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
    print("  ".join(f"{value:.0f}" for value in millis), "ms")
    describe("page, all requests", millis)
    describe("page, after first 4", millis[4:])


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--http":
        over_http(int(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "--compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        main()
