"""What the soak tests check after the traffic: the clients' receipts against the rows,
the SQLite file's integrity and the audit chain, and the retries that close the figures."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from portal import PROJECT_ROOT
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.inquiries.models import Inquiry
from portal.inquiries.tracking import code_hash
from tests.live_server import access_lines
from tests.soak.traffic import ACK, Ledger, Resident

RETRY_ROUNDS = 10


def resolve(residents: list[Resident], ledger: Ledger) -> tuple[int, int]:
    """Send every unanswered or refused form again, from its own session and with its
    own token, until it is acknowledged. Returns (resolved, of which the receipt said
    it had been stored before the retry)."""
    pending = {**ledger.in_doubt, **ledger.busy}
    owner = {resident.csrf: resident for resident in residents}
    stored_before = 0
    for token, form in pending.items():
        for _attempt in range(RETRY_ROUNDS):
            outcome = owner[form["csrf_token"]].submit(form)
            if outcome.kind == ACK:
                ledger.note(form, outcome)
                stored_before += outcome.duplicate
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"form {token} was never acknowledged")
    return len(pending), stored_before


@dataclass
class Inventory:
    acknowledged: int
    found: int
    lost: int
    duplicates: int
    rows_nobody_sent: int
    wrong_number: int
    duplicate_numbers: int
    submit_events: int
    rows: int


def inventory(ledger: Ledger) -> Inventory:
    """Every receipt a client holds against the inquiry rows (by tracking-code hash)."""
    db.session.rollback()
    rows = db.session.execute(select(Inquiry.tracking_hash, Inquiry.number)).all()
    expected = {code_hash(o.code): o.number for o in ledger.acknowledged.values()}
    per_hash = Counter(tracking_hash for tracking_hash, _ in rows)
    per_number = Counter(number for _, number in rows)
    lost = sum(1 for h in expected if per_hash[h] == 0)
    submit_events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "inquiry.submit"))
    db.session.commit()  # on SQLite, release the lock before anything else runs
    return Inventory(
        acknowledged=len(expected), found=len(expected) - lost, lost=lost,
        duplicates=sum(n - 1 for n in per_hash.values() if n > 1),
        rows_nobody_sent=sum(1 for h in per_hash if h not in expected),
        wrong_number=sum(1 for h, number in rows if expected.get(h, number) != number),
        duplicate_numbers=sum(n - 1 for n in per_number.values() if n > 1),
        submit_events=submit_events, rows=len(rows))


def assert_nothing_lost(found: Inventory, sent: int) -> None:
    assert found.acknowledged == sent
    assert (found.lost, found.duplicates, found.rows_nobody_sent) == (0, 0, 0)
    assert (found.wrong_number, found.duplicate_numbers) == (0, 0)
    assert found.submit_events == found.rows


def audit_verify(database_url: str, tmp_path) -> subprocess.CompletedProcess:
    """`flask --app portal audit verify` on the database, as an operator runs it."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
           "PORTAL_DATABASE_URL": database_url, "PORTAL_INSTANCE_PATH": str(tmp_path / "cli"),
           "PORTAL_ENV": "development"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "audit", "verify"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def integrity(database_url: str) -> str:
    """PRAGMA integrity_check of a SQLite file; "n/a" on PostgreSQL."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return "n/a"
    with sqlite3.connect(url.database) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def statuses(access_log: Path) -> dict[str, int]:
    """How often the server answered each status, from the live server's access log."""
    counts = Counter(str(line["status"]) for line in access_lines(access_log)
                     if "status" in line)
    return dict(sorted(counts.items()))
