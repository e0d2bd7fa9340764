"""Every gunicorn worker drops its cached pages when a document is withdrawn."""

from __future__ import annotations

import threading

import pytest

from portal.disclosures import services
from tests.live_server import live_server, pids_serving, request

ROUNDS = 4
MAX_ROUNDS = 20  # on a loaded machine one worker may take a whole batch: send more
BATCH = 9


@pytest.fixture
def server(app, database_url, tmp_path):
    with live_server(database_url, tmp_path, instance=app.instance_path) as running:
        yield running


def _get_concurrently(port: int, path: str) -> list[tuple[int, str]]:
    results: list[tuple[int, str]] = []
    barrier = threading.Barrier(BATCH)

    def get():
        barrier.wait(timeout=30)
        status, _response, body = request(port, "GET", path)
        results.append((status, body))

    threads = [threading.Thread(target=get) for _ in range(BATCH)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == BATCH
    return results


def test_withdrawal_reaches_every_worker(server, published, staff):
    port, access_log = server
    doc = published(title="第二批危房改造名单")
    path = f"/disclosures/{doc.id}"
    served = 0
    for round_ in range(MAX_ROUNDS):  # every worker renders and keeps the page
        assert {status for status, _ in _get_concurrently(port, path)} == {200}
        assert all("第二批危房改造名单" in body
                   for _, body in _get_concurrently(port, "/disclosures/"))
        served += BATCH
        if round_ + 1 >= ROUNDS and len(pids_serving(access_log, f"GET {path}", served)) > 1:
            break
    before = pids_serving(access_log, f"GET {path}", served)
    assert len(before) > 1

    services.withdraw(staff["reviewer"], doc.id, "名单需复核")

    withdrawn_at, answered_after = served, set()
    for _ in range(MAX_ROUNDS):  # until workers that had the page cached answered again
        after = _get_concurrently(port, path)
        assert {status for status, _ in after} == {404}
        listings = _get_concurrently(port, "/disclosures/")
        assert not any("第二批危房改造名单" in body for _, body in listings)
        served += BATCH
        answered_after = pids_serving(access_log, f"GET {path}", served, since=withdrawn_at)
        if len(answered_after & before) > 1:
            break
    assert len(answered_after & before) > 1
