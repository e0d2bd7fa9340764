"""Cold and warm timings of the inspector's dashboard, in process, on a seeded database.

    PORTAL_DATABASE_URL=sqlite:////abs/path/medium.db .venv/bin/python -m bench.dashboard_timing

    .venv/bin/python -m bench.dashboard_timing --http PORT   # a running gunicorn

Prints, for the county inspector and the current year: the figures computed afresh
(`cold`, the snapshot store emptied first), the figures served from the snapshot
(`warm`), and the whole page as the test client renders it both ways.
"""

from __future__ import annotations

import statistics
import time

from sqlalchemy import select

from portal import create_app
from portal.auth.models import User
from portal.extensions import db
from portal.inspection import dashboard, supervision
from portal.timeutil import local_today, utcnow
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
        describe("  fresh: lean rows+tally", timed(
            lambda: dashboard.compute(paths, year, utcnow()), 3))
        describe("late disclosures", timed(lambda: dashboard.late_disclosures(paths, year), 3))
        describe("village lapses", timed(
            lambda: lapses_for(dashboard.villages_for(paths)), 3))
        describe("supervision notices", timed(
            lambda: supervision.notices_in(paths, year), 3))


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
    else:
        main()
