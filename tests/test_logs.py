"""One JSON object per line, with the request's id, route, user, method, status and
duration; no password, form or personal number in any line."""

from __future__ import annotations

import json

import pytest
from flask import request

from portal.access import ROUTE_POLICY
from portal.auth.models import Role

PASSWORD = "Zq8#secret-Pw"
PHONE = "13912345678"
ID_NUMBER = "110101199003074578"


def _lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.strip()]


@pytest.fixture
def failing_route(app):
    """A view that logs the form it got and then fails, as careless code might."""

    @app.post("/log-test-failure")
    def log_test_failure():
        app.logger.warning("form received: %s", request.form)
        app.logger.warning("raw body: %s", request.get_data())
        raise RuntimeError(f"could not reach {request.form['phone']} "
                           f"(password={request.form['password']}, id {ID_NUMBER})")

    ROUTE_POLICY["log_test_failure"] = "public"
    yield "/log-test-failure"
    ROUTE_POLICY.pop("log_test_failure")


def test_no_password_or_number_reaches_the_log(client, failing_route, capsys):
    capsys.readouterr()
    response = client.post(f"{failing_route}?mobile={PHONE}",
                           data={"phone": PHONE, "password": PASSWORD},
                           headers={"X-Request-ID": "nginx-0123456789abcdef"})
    assert response.status_code == 500
    login = client.post("/login", data={"username": PHONE, "password": PASSWORD})
    assert login.status_code < 500
    captured = capsys.readouterr().err
    lines = _lines(captured)  # every line is one JSON object
    assert lines
    for secret in (PASSWORD, PHONE, ID_NUMBER, "Zq8"):
        assert secret not in captured
    failure = [line for line in lines if line.get("exception")]
    assert failure and "139****5678" in failure[0]["exception"]
    assert "RuntimeError" in failure[0]["exception"]
    assert failure[0]["request_id"] == "nginx-0123456789abcdef"
    assert failure[0]["route"] == "log_test_failure"
    assert any(line["message"] == "form received: [表单内容已省略]" for line in lines)


def test_each_request_has_one_line_with_its_facts(client, capsys):
    capsys.readouterr()
    response = client.get("/disclosures/", headers={"X-Request-ID": "bad id; X-Evil: 1"})
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32 and "Evil" not in request_id
    lines = [line for line in _lines(capsys.readouterr().err)
             if line["logger"] == "portal.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == request_id and line["route"] == "disclosures.listing"
    assert line["method"] == "GET" and line["status"] == 200 and line["level"] == "INFO"
    assert line["duration_ms"] >= 0 and line["time"].endswith("Z")


def test_a_cached_answer_is_logged_with_its_route(client, capsys):
    client.get("/")
    capsys.readouterr()
    again = client.get("/")
    assert again.status_code == 200
    line = [line for line in _lines(capsys.readouterr().err)
            if line["logger"] == "portal.request"][-1]
    assert line["route"] == "public.home" and line["request_id"] == again.headers["X-Request-ID"]


def test_a_signed_in_users_requests_carry_their_id(client, orgs, make_user, login, capsys):
    editor = make_user("editor", (Role.EDITOR, orgs["town"]))
    login(editor)
    capsys.readouterr()
    client.get("/staff/")
    line = [line for line in _lines(capsys.readouterr().err)
            if line["logger"] == "portal.request"][-1]
    assert line["user_id"] == str(editor.id) and line["route"] == "staff.home"


def test_a_personal_number_in_a_user_agent_is_masked_every_time_it_comes(tmp_path):
    """gunicorn's access line carries the User-Agent; the same browser sends the same one
    with every request, and each line must be masked, not only the first."""
    import io
    import logging

    from portal import logs

    stream = io.StringIO()
    handler = logs.json_handler(logging.StreamHandler(stream))
    log = logging.getLogger("tests.access")
    log.addHandler(handler)
    log.propagate = False
    agents = [f"Mozilla/5.0 (Linux; Android 10) Chrome/120.0 Mobile tel {PHONE}",
              f"Mozilla/5.0 (Linux; Android 10) Chrome/120.0 Mobile id {ID_NUMBER}",
              "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.6099.130 Safari/537.36"]
    try:
        for agent in agents * 3:
            log.warning("%s %s %s", "GET", "/", 200, extra={"user_agent": agent})
    finally:
        log.removeHandler(handler)
    written = [line["user_agent"] for line in _lines(stream.getvalue())]
    assert len(written) == 9
    assert PHONE not in stream.getvalue() and ID_NUMBER not in stream.getvalue()
    assert written[0::3] == [written[0]] * 3 and "139****5678" in written[0]
    assert written[2::3] == [agents[2]] * 3  # nothing personal: unchanged
