"""Residents' submissions timed in process, on a seeded database: each one the form fetched
(its CSRF and one-time submission token) and posted, through the test client, as
`bench.client.submit_inquiries` does over HTTP.

    PORTAL_DATABASE_URL=sqlite:////abs/large.db python -m bench.submission_timing [N] [--profile]

Prints submissions per second and the median and p99 of one form post, and with
`--profile` the functions that took the most time. It writes N work orders into the
database (titled "压测提交 …"); run it on a copy.
"""

from __future__ import annotations

import cProfile
import pstats
import re
import statistics
import sys
import time

from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from portal.inquiries.models import Inquiry
from portal.organizations.models import Organization, OrgKind


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page)
    if match is None:
        raise LookupError(name)
    return match.group(1)


def run(count: int, profile: bool) -> None:
    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        town = db.session.scalar(select(Organization.slug).where(
            Organization.kind == OrgKind.TOWN).order_by(Organization.id))
        before = db.session.scalar(select(func.count()).select_from(Inquiry))
        db.session.rollback()
    title = f"压测提交 {time.strftime('%Y%m%d%H%M%S')}"
    browser = app.test_client()
    posts: list[float] = []
    profiler = cProfile.Profile() if profile else None

    def one() -> None:
        page = browser.get("/inquiries/new").get_data(as_text=True)
        form = {"csrf_token": hidden(page, "csrf_token"),
                "submission_token": hidden(page, "submission_token"),
                "type": "consult", "place": f"town:{town}", "title": title,
                "body": "请问便民服务中心周末是否办理城乡居民医保缴费？",
                "contact_name": "压测群众", "contact_phone": "13800000000", "website": ""}
        started = time.perf_counter()
        reply = browser.post("/inquiries/new", data=form)
        posts.append((time.perf_counter() - started) * 1000)
        assert reply.status_code == 200 and "tracking-code" in reply.get_data(as_text=True), \
            reply.status_code

    for _ in range(5):  # warm up: imports, templates, the first connection
        one()
    posts.clear()
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for _ in range(count):
        one()
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    with app.app_context():
        rows = db.session.scalar(select(func.count()).where(Inquiry.title == title))
    ordered = sorted(posts)
    print(f"{before} work orders before; {count} submissions in {seconds:.1f} s: "
          f"{count / seconds:.1f}/s (form + post); post median {statistics.median(posts):.1f} ms,"
          f" p99 {ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]:.1f} ms; "
          f"{rows - 5} rows found, lost {count + 5 - rows}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        profiler.dump_stats("/tmp/submission.prof")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    run(int(arguments[0]) if arguments else 200, "--profile" in sys.argv)
