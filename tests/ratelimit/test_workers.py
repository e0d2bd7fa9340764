"""One limit across every worker: a real gunicorn with three processes on the test database."""

from __future__ import annotations

import pytest

from tests.live_server import form_session, live_server, pids_serving, post_concurrently

LIMIT = 5
BATCH = 12


@pytest.fixture
def server(database_url, tmp_path):
    with live_server(database_url, tmp_path,
                     env={"PORTAL_RATELIMIT_LOGIN": f"{LIMIT} per hour"}) as running:
        yield running


def test_login_limit_holds_across_workers(server):
    port, access_log = server
    cookie, token, _page = form_session(port, "/login")
    form = f"csrf_token={token}&username=nobody&password=wrong-password"
    statuses: list[int] = []
    # Concurrent requests on new connections keep every worker busy, so several serve them.
    for _ in range(5):
        statuses += [status for status, _ in post_concurrently(port, "/login", [form] * BATCH,
                                                                cookie)]
        if len(pids_serving(access_log, "POST /login", len(statuses))) > 1:
            break
    assert statuses.count(401) == LIMIT  # wrong password: the ones let through
    assert statuses.count(429) == len(statuses) - LIMIT
    assert len(pids_serving(access_log, "POST /login", len(statuses))) > 1
