"""Public pages rendered with the page cache off, against the framework ceiling, in one
process, side by side (the machine's load falls on both alike).

    .venv/bin/python -m bench.render_timing bench/.data/medium.db [ROUNDS]
    .venv/bin/python -m bench.render_timing bench/.data/medium.db --profile list

Each round requests every page once (home, a list, a detail page, a village board: the
same kinds of URL as `make bench`, the ids and villages spread over the round), then the
ceiling (`bench/ceiling_app.py`'s view: the home page's bytes from a bare Flask app).
Prints each page's median and the ceiling's median ÷ the page's: the share of the
ceiling's requests per second the page would reach on one core.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import time

from flask import Flask, Response

from portal import create_app

PAGES = ("home", "list", "detail", "village")


def urls(database: str, rounds: int) -> dict[str, list[str]]:
    conn = sqlite3.connect(database)
    ids = [row[0] for row in conn.execute(
        "SELECT id FROM disclosures WHERE status = 'published' ORDER BY random() LIMIT ?",
        (rounds,))]
    villages = [row[0] for row in conn.execute(
        "SELECT slug FROM organizations WHERE kind = 'village' ORDER BY random() LIMIT ?",
        (rounds,))]
    conn.close()
    categories = ("decision", "execution", "management", "service", "result")
    lists = ["/disclosures/", *(f"/disclosures/?category={c}" for c in categories),
             *(f"/disclosures/?page={n}" for n in range(2, 6))]
    return {"home": ["/"], "list": lists,
            "detail": [f"/disclosures/{i}" for i in ids],
            "village": [f"/villages/{slug}/" for slug in villages]}


def ceiling(home: bytes) -> Flask:
    app = Flask("ceiling")

    @app.get("/")
    def page() -> Response:
        return Response(home, content_type="text/html; charset=utf-8")

    return app


def timed(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    millis = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return millis


def main(database: str, rounds: int) -> None:
    app = create_app({"RATELIMIT_ENABLED": False, "PAGE_CACHE_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{os.path.abspath(database)}"})
    client = app.test_client()
    spread = urls(database, rounds)
    home = client.get("/").data
    bare = ceiling(home).test_client()
    for page in PAGES:  # imports, template compilation, first connection
        client.get(spread[page][0])
    millis: dict[str, list[float]] = {name: [] for name in (*PAGES, "ceiling")}
    for n in range(rounds):
        for page in PAGES:
            millis[page].append(timed(client, spread[page][n % len(spread[page])]))
        millis["ceiling"].append(timed(bare, "/"))
    top = statistics.median(millis["ceiling"])
    print(f"{'page':<10} {'p50 ms':>8} {'of ceiling':>11}   ({rounds} rounds)")
    for name, values in millis.items():
        median = statistics.median(values)
        print(f"{name:<10} {median:8.2f} {top / median:10.1%}")


def profile(database: str, page: str) -> None:
    import cProfile
    import pstats

    app = create_app({"RATELIMIT_ENABLED": False, "PAGE_CACHE_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{os.path.abspath(database)}"})
    client = app.test_client()
    url = urls(database, 1)[page][0]
    client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(5):
        client.get(url)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[2] == "--profile":
        profile(sys.argv[1], sys.argv[3])
    else:
        main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30)
