"""Scenarios b and c: the database cannot answer — its write lock held elsewhere past the
wait limit, or (PostgreSQL) the server restarted under load. Residents get 503 with
Retry-After and a Chinese page, never a 500 and never a receipt for something not
stored; afterwards the site recovers by itself and every receipt is in the database."""

from __future__ import annotations

import os
import subprocess
import time
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from portal import PROJECT_ROOT
from portal.extensions import db
from tests.live_server import live_server
from tests.soak.checks import (
    assert_nothing_lost,
    audit_verify,
    integrity,
    inventory,
    resolve,
    statuses,
)
from tests.soak.traffic import Ledger, Resident, report, resident_load, run_threads

LOCK_SECONDS = 3
RESIDENTS = 6


def _lock_wait_env(database_url: str) -> tuple[str, dict]:
    """The server's database URL and settings: writers give up after one second."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return database_url, {"PORTAL_SQLITE_BUSY_TIMEOUT_MS": "1000"}
    with_timeout = url.update_query_dict({"options": "-c lock_timeout=1000"})
    return with_timeout.render_as_string(hide_password=False), {}


@contextmanager
def lock_held(database_url: str):
    """Another connection holds what every inquiry submission needs."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool,
                              isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN EXCLUSIVE")
        else:
            conn.exec_driver_sql("BEGIN")
            conn.exec_driver_sql("LOCK TABLE inquiries IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            conn.exec_driver_sql("ROLLBACK")
    engine.dispose()


def test_locked_database_answers_503_and_stores_nothing(database_url, tmp_path, orgs):
    db.session.commit()  # the organizations must be visible, and no lock held by us
    server_url, env = _lock_wait_env(database_url)
    ledger = Ledger()
    with live_server(server_url, tmp_path, workers=4,
                     env={"PORTAL_RATELIMIT_ENABLED": "0", **env}) as (port, access_log):
        residents = [Resident(port, f"居民{n}") for n in range(RESIDENTS)]
        forms = [resident.fresh_form() for resident in residents]
        outcomes = []

        def submit(resident: Resident, form: dict):
            outcome = resident.submit(form)
            outcomes.append(outcome)
            ledger.note(form, outcome)

        started = time.monotonic()
        with lock_held(database_url):
            errors = run_threads([(lambda r=r, f=f: submit(r, f))
                                  for r, f in zip(residents, forms, strict=True)])
            answered_within = time.monotonic() - started
        after_refusals = inventory(Ledger())  # every refused request has answered by now
        refused = len(ledger.busy)
        resolved, stored_before = resolve(residents, ledger)
    found = inventory(ledger)
    report("b. write lock held elsewhere past the wait limit",
           engine=sa.engine.make_url(database_url).get_backend_name(),
           submissions=RESIDENTS, answered_503=refused,
           statuses=sorted({o.status for o in outcomes}),
           server_statuses=statuses(access_log),
           client_errors=[repr(e)[:300] for e in errors],
           retry_after=sorted({o.retry_after for o in outcomes} - {None}),
           seconds_to_answer=round(answered_within, 1), rows_after_503=after_refusals.rows,
           resolved_after_unlock=resolved, of_which_stored_before=stored_before,
           found=found.found, lost=found.lost, duplicates=found.duplicates)

    assert not errors, errors  # a 500 or a receipt would have raised in the client
    assert refused == RESIDENTS and answered_within < LOCK_SECONDS * 3
    assert after_refusals.rows == 0 and stored_before == 0
    assert_nothing_lost(found, RESIDENTS)


def _restart_postgresql(pause: int) -> None:
    subprocess.run(["bash", ".ci/postgres.sh", "restart", str(pause)], cwd=PROJECT_ROOT,
                   check=True, timeout=120)


@pytest.mark.skipif(not (os.environ.get("PORTAL_TEST_DATABASE_URL")
                         and os.environ.get("PG_DATA")),
                    reason="needs the PostgreSQL server started by .ci/postgres.sh")
def test_postgresql_restart_under_load_loses_nothing(database_url, tmp_path, orgs):
    db.session.commit()
    db.engine.dispose()  # the test's own pooled connections would die with the server
    ledger, outage = Ledger(), {}
    with live_server(database_url, tmp_path, workers=4,
                     env={"PORTAL_RATELIMIT_ENABLED": "0"}) as (port, access_log):
        residents = [Resident(port, f"居民{n}") for n in range(4)]

        def restart_when_busy():
            while ledger.sent < 30:
                time.sleep(0.02)
            outage["sent_before"] = ledger.sent
            began = time.monotonic()
            _restart_postgresql(pause=2)
            outage["seconds_down"] = round(time.monotonic() - began, 1)

        errors = run_threads([*(resident_load(r, ledger, 40, pause=0.05) for r in residents),
                              restart_when_busy])
        busy, in_doubt = len(ledger.busy), len(ledger.in_doubt)
        busy_forms = sum(resident.busy_forms for resident in residents)
        resolved, stored_before = resolve(residents, ledger)
    db.engine.dispose()
    found = inventory(ledger)
    verify = audit_verify(database_url, tmp_path)
    report("c. PostgreSQL restarted under load", **outage,
           submissions_sent_incl_retries=ledger.sent, answered_503=busy,
           form_loads_answered_503=busy_forms, in_doubt=in_doubt,
           server_statuses=statuses(access_log),
           client_errors=[repr(e)[:300] for e in errors],
           resolved_after_restart=resolved, of_which_stored_before=stored_before,
           acknowledged=found.acknowledged, found=found.found, lost=found.lost,
           duplicates=found.duplicates, rows_nobody_sent=found.rows_nobody_sent,
           audit_verify=verify.stdout.strip() or verify.stderr.strip())

    assert not errors, errors  # no 500, no receipt without a row
    # The outage must be seen, by a submission or by a form load (the form is cheap to
    # serve, so residents often meet the outage there and submit once it has passed).
    assert busy + busy_forms + in_doubt > 0, "the outage was not seen"
    assert "500" not in statuses(access_log)
    assert_nothing_lost(found, 4 * 40)
    assert verify.returncode == 0
    assert integrity(database_url) == "n/a"

