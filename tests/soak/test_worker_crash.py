"""Scenario a: four gunicorn workers under concurrent resident submissions and editor
saves; one worker is killed with SIGKILL in the middle. Every receipt a resident got is
in the database exactly once and nothing else is; requests that died with the worker are
sent again with the same one-time token and close the figures exactly; the database and
the audit chain are intact."""

from __future__ import annotations

import os
import signal
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.disclosures.models import Disclosure
from portal.extensions import db
from tests.live_server import live_server, worker_pids
from tests.soak.checks import (
    assert_nothing_lost,
    audit_verify,
    integrity,
    inventory,
    resolve,
    statuses,
)
from tests.soak.traffic import (
    ACK,
    DOUBT,
    Editor,
    Ledger,
    Resident,
    report,
    resident_load,
    run_threads,
)

RESIDENTS, PER_RESIDENT = 6, 25
SAVES_PER_EDITOR = 15
KILL_AFTER_SENT = 40
RETRY_ROUNDS = 10


def editor_load(editor: Editor, number: int, saves: dict):
    """A thread body; the draft is created before the load starts, because creating it
    again after a lost answer would make a second draft (the test is about saves)."""
    editor.create_draft(f"编辑{number}的草稿")
    saves[editor.draft_id] = {"acknowledged": 0, "in_doubt": 0, "last": ""}

    def run():
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


def test_killed_worker_loses_no_acknowledged_write(database_url, tmp_path, orgs, editors):
    started = time.monotonic()
    ledger, saves, killed = Ledger(), {}, []
    town_id, usernames = orgs["town"].id, [user.username for user in editors]
    db.session.commit()  # on SQLite an open session here would hold the write lock
    with live_server(database_url, tmp_path, workers=4,
                     env={"PORTAL_RATELIMIT_ENABLED": "0"}) as (port, access_log):
        residents = [Resident(port, f"居民{n}") for n in range(RESIDENTS)]
        staff = [Editor(port, username, town_id) for username in usernames]
        errors = run_threads([*(resident_load(r, ledger, PER_RESIDENT) for r in residents),
                              *(editor_load(e, n, saves) for n, e in enumerate(staff, 1)),
                              killer(tmp_path, ledger, killed)])
        in_doubt, busy = len(ledger.in_doubt), len(ledger.busy)
        acknowledged_first = len(ledger.acknowledged)
        resolved, stored_before = resolve(residents, ledger)

    found = inventory(ledger)
    verify = audit_verify(database_url, tmp_path)
    check = integrity(database_url)
    report("a. kill -9 of one of four workers under load",
           engine=sa.engine.make_url(database_url).get_backend_name(),
           killed_worker=killed, seconds=round(time.monotonic() - started, 1),
           server_statuses=statuses(access_log),
           client_errors=[repr(e)[:300] for e in errors],
           submissions_sent_incl_retries=ledger.sent, acknowledged_first_time=acknowledged_first,
           in_doubt=in_doubt, refused_busy_503=busy, resolved_by_retry=resolved,
           of_which_stored_before_retry=stored_before, acknowledged=found.acknowledged,
           found=found.found, lost=found.lost, duplicates=found.duplicates,
           rows_nobody_sent=found.rows_nobody_sent, editor_saves=saves,
           integrity_check=check, audit_verify=verify.stdout.strip() or verify.stderr.strip())

    assert not errors, errors  # a 500, or a 200 without a receipt, raised in a client
    assert killed, "no worker was killed"
    assert "500" not in statuses(access_log)
    assert_nothing_lost(found, RESIDENTS * PER_RESIDENT)
    assert check in ("ok", "n/a")
    assert verify.returncode == 0, verify.stderr
    for draft_id, figures in saves.items():
        draft = db.session.get(Disclosure, draft_id)
        assert draft.title == figures["last"]
        updates = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "disclosure.update",
            AuditEvent.object_id == str(draft_id)))
        assert updates >= figures["acknowledged"] == SAVES_PER_EDITOR
