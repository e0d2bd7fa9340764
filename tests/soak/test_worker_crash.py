"""Scenario a: four gunicorn workers under concurrent resident submissions and editor
saves; one worker is killed with SIGKILL in the middle. Every receipt a resident got is
in the database exactly once and nothing else is; requests that died with the worker are
sent again with the same one-time token and close the figures exactly; the database and
the audit chain are intact."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from portal import PROJECT_ROOT
from portal.audit.models import AuditEvent
from portal.disclosures.models import Disclosure
from portal.extensions import db
from portal.inquiries.models import Inquiry
from portal.inquiries.tracking import code_hash
from tests.live_server import live_server, worker_pids
from tests.soak.traffic import ACK, DOUBT, Editor, Ledger, Resident, report

RESIDENTS, PER_RESIDENT = 6, 25
SAVES_PER_EDITOR = 15
KILL_AFTER_SENT = 40
RETRY_ROUNDS = 10


def run_threads(targets) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(target):
        try:
            target()
        except BaseException as error:  # reported by the test, not lost in a thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not any(thread.is_alive() for thread in threads), "clients hung"
    return errors


def resident_load(resident: Resident, ledger: Ledger):
    def run():
        for _ in range(PER_RESIDENT):
            form = None
            for _attempt in range(RETRY_ROUNDS):
                form = resident.fresh_form()
                if form:
                    break
                time.sleep(0.3)
            assert form, "the inquiry form did not load"
            ledger.note(form, resident.submit(form))
    return run


def editor_load(editor: Editor, number: int, saves: dict):
    def run():
        editor.create_draft(f"编辑{number}的草稿")
        saves[editor.draft_id] = {"acknowledged": 0, "in_doubt": 0, "last": ""}
        for n in range(SAVES_PER_EDITOR):
            title = f"编辑{number}的草稿 第{n + 1}稿"
            figures = saves[editor.draft_id]
            figures["last"] = title
            for _attempt in range(RETRY_ROUNDS):  # an unanswered save is sent again
                outcome = editor.save(title)
                if outcome.kind == ACK:
                    figures["acknowledged"] += 1
                    break
                figures["in_doubt"] += outcome.kind == DOUBT
                time.sleep(0.3)
            else:
                pytest.fail(f"save of {title!r} never acknowledged")
    return run


def killer(tmp_path, ledger: Ledger, killed: list[int]):
    def run():
        while ledger.sent < KILL_AFTER_SENT:
            time.sleep(0.02)
        victim = worker_pids(tmp_path)[0]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
    return run


def resolve(residents: list[Resident], ledger: Ledger) -> tuple[int, int]:
    """Send every unanswered or refused form again with its own token until it is
    acknowledged. Returns (resolved, of which already stored before the retry)."""
    pending = {**ledger.in_doubt, **ledger.busy}
    owner = {resident.csrf: resident for resident in residents}  # the form's own session
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


def audit_verify(database_url: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
           "PORTAL_DATABASE_URL": database_url, "PORTAL_INSTANCE_PATH": str(tmp_path / "cli")}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "audit", "verify"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def integrity(database_url: str) -> str:
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return "n/a (PostgreSQL)"
    with sqlite3.connect(url.database) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def test_killed_worker_loses_no_acknowledged_write(database_url, tmp_path, orgs, editors):
    started = time.monotonic()
    ledger, saves, killed = Ledger(), {}, []
    town_id, usernames = orgs["town"].id, [user.username for user in editors]
    db.session.commit()  # on SQLite an open session here would hold the write lock
    with live_server(database_url, tmp_path, workers=4,
                     env={"PORTAL_RATELIMIT_ENABLED": "0"}) as (port, _log):
        residents = [Resident(port, f"居民{n}") for n in range(RESIDENTS)]
        staff = [Editor(port, username, town_id) for username in usernames]
        errors = run_threads([*(resident_load(r, ledger) for r in residents),
                              *(editor_load(e, n, saves) for n, e in enumerate(staff, 1)),
                              killer(tmp_path, ledger, killed)])
        assert not errors, errors
        in_doubt, busy = len(ledger.in_doubt), len(ledger.busy)
        acknowledged_first = len(ledger.acknowledged)
        resolved, stored_before = resolve(residents, ledger)

    db.session.rollback()
    rows = db.session.execute(select(Inquiry.tracking_hash, Inquiry.number)).all()
    expected = {code_hash(o.code): o.number for o in ledger.acknowledged.values()}
    per_hash = Counter(tracking_hash for tracking_hash, _ in rows)
    per_number = Counter(number for _, number in rows)
    lost = [h for h in expected if per_hash[h] == 0]
    duplicates = sum(n - 1 for n in per_hash.values() if n > 1)
    unknown = [h for h in per_hash if h not in expected]
    wrong_number = [h for h, number in rows if expected.get(h, number) != number]
    submit_events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "inquiry.submit"))
    db.session.commit()  # release SQLite's lock for the verifier
    verify = audit_verify(database_url, tmp_path)
    check = integrity(database_url)
    report("a. kill -9 of one of four workers under load",
           engine=sa.engine.make_url(database_url).get_backend_name(),
           killed_worker=killed, seconds=round(time.monotonic() - started, 1),
           submissions_sent_incl_retries=ledger.sent, acknowledged_first_time=acknowledged_first,
           in_doubt=in_doubt, refused_busy_503=busy, resolved_by_retry=resolved,
           of_which_stored_before_retry=stored_before, acknowledged=len(expected),
           found=len(expected) - len(lost), lost=len(lost), duplicates=duplicates,
           rows_nobody_sent=len(unknown), editor_saves=saves,
           integrity_check=check, audit_verify=verify.stdout.strip() or verify.stderr.strip())

    assert killed, "no worker was killed"
    assert len(expected) == RESIDENTS * PER_RESIDENT
    assert lost == [] and duplicates == 0 and unknown == [] and wrong_number == []
    assert max(per_number.values()) == 1, "a 受理编号 was given twice"
    assert submit_events == len(rows)
    assert check in ("ok", "n/a (PostgreSQL)")
    assert verify.returncode == 0, verify.stderr
    for draft_id, figures in saves.items():
        draft = db.session.get(Disclosure, draft_id)
        assert draft.title == figures["last"]
        updates = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "disclosure.update",
            AuditEvent.object_id == str(draft_id)))
        assert updates >= figures["acknowledged"] == SAVES_PER_EDITOR
