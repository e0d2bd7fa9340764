"""Seed a synthetic county: the steps in order, and the one audit event that records it."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from bench.seed import text
from bench.seed.bulk import Loader, load_settings
from bench.seed.county import County, add_posting_rules, build_tree, create_accounts
from bench.seed.documents import (
    Deadlines,
    notice_window_start,
    seed_disclosures,
    seed_notices,
)
from bench.seed.inquiries import InquirySeeder
from bench.seed.plan import Size
from portal import audit
from portal.auth.models import User
from portal.auth.system import SYSTEM
from portal.extensions import db
from portal.inspection import figures
from portal.organizations.models import Organization
from portal.timeutil import to_local, utcnow
from portal.workdays.calendar import current_calendar

DEFAULT_PASSWORD = "Bench-Seed-2026!"


@dataclass
class SeedReport:
    size: Size
    counts: dict[str, int] = field(default_factory=dict)
    accounts: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def database_is_empty() -> bool:
    return not db.session.scalar(sa.select(sa.func.count()).select_from(Organization))


def free_tag() -> str:
    """A suffix for slugs and usernames: empty on an empty database, otherwise the first of
    "-2", "-3" … that no county slug or username uses yet, so a forced second seed sits
    beside the first."""
    tag, number = "", 1
    while db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
            User.username == f"admin{tag}")) or db.session.scalar(
            sa.select(sa.func.count()).select_from(Organization).where(
                Organization.slug == f"qinghe{tag}")):
        number += 1
        tag = f"-{number}"
    return tag


def expected_rows(size: Size) -> int:
    """Rows the progress bar counts: disclosures, inquiries and notices (estimated)."""
    notices = size.villages * size.notice_months * 1.8
    return size.disclosures + size.inquiries + int(notices)


def seed(size: Size, password: str, *, random_seed: int = 2026,
         on_progress: Callable[[int], None] | None = None) -> SeedReport:
    """Write the county for `size` into the application's database and record one
    `bench.seed` audit event. The caller decides whether a non-empty database may be
    seeded (`database_is_empty`)."""
    started = time.monotonic()
    tag = free_tag()
    rng = random.Random(f"{random_seed}{tag}")  # a second county gets other tracking hashes
    now = utcnow()
    calendar = current_calendar()
    db.session.commit()  # end the session's read transaction before the load's own
    report = SeedReport(size)
    with db.engine.connect() as conn, load_settings(conn):
        loader = Loader(conn, on_progress)
        tree = build_tree(loader, size, rng, tag)
        create_accounts(loader, tree, password, tag, now)
        add_posting_rules(loader, tree, notice_window_start(to_local(now).date(), size))
        loader.commit()
        places = [v.name for v in tree.all_villages]
        pool = text.TextPool.build(rng, places)
        deadlines = Deadlines(calendar)
        report.counts["organizations"] = 1 + len(tree.towns) + len(tree.all_villages) + sum(
            len(d) for d in tree.departments.values())
        report.counts["disclosures"] = seed_disclosures(loader, tree, size, pool, rng, now,
                                                        deadlines)
        report.counts["village_notices"] = seed_notices(loader, tree, size, pool, rng, now,
                                                        deadlines)
        report.counts["inquiries"] = InquirySeeder(loader, tree, pool, rng, now,
                                                   deadlines).run(size)
        loader.finish()
        _analyze(conn)
    # the inspector's totals follow the session's writes; the bulk load bypassed it
    figures.rebuild()
    db.session.commit()
    report.accounts = tree.usernames
    _record(report, tree, tag)
    report.seconds = time.monotonic() - started
    return report


def _analyze(conn) -> None:
    """Fresh planner statistics, as after any bulk load."""
    conn.exec_driver_sql("ANALYZE")
    conn.commit()


def _record(report: SeedReport, tree: County, tag: str) -> None:
    audit.record(SYSTEM, "bench.seed", None, after={
        "size": report.size.name, "county": tree.county.slug, "tag": tag, **report.counts})
    db.session.commit()
