"""Rate limits as a visitor meets them: the login form, the 429 page, who is counted."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, func, select

from portal import access, create_app
from portal.audit.models import RefusalTally
from portal.extensions import db, limiter
from portal.ratelimit import limit
from portal.ratelimit.models import RateLimitCounter
from tests.ratelimit.conftest import LOGIN_LIMIT

WRONG = {"username": "nobody", "password": "wrong-password"}


def test_login_posts_beyond_the_limit_get_a_chinese_429_with_retry_after(client):
    for _ in range(LOGIN_LIMIT):
        response = client.post("/login", data=WRONG)
        assert response.status_code == 401
        assert response.headers["X-RateLimit-Limit"] == str(LOGIN_LIMIT)
    response = client.post("/login", data=WRONG)
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "请求过于频繁" in html and re.search(r"请约 1 分钟后（\d\d:\d\d 以后）再试", html)
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert response.headers["X-RateLimit-Remaining"] == "0"


def test_refused_attempts_never_reach_the_password_check(client):
    for _ in range(LOGIN_LIMIT + 4):
        client.post("/login", data=WRONG)
    # Unknown names are counted per client rather than chained one event each.
    failed = db.session.scalar(select(func.sum(RefusalTally.count)).where(
        RefusalTally.kind == "auth.login"))
    assert failed == LOGIN_LIMIT


def test_showing_the_login_form_is_not_limited(client):
    for _ in range(LOGIN_LIMIT + 5):
        client.post("/login", data=WRONG)
    for _ in range(LOGIN_LIMIT + 5):
        assert client.get("/login").status_code == 200


def test_each_client_address_has_its_own_count(client):
    for _ in range(LOGIN_LIMIT + 1):
        client.post("/login", data=WRONG)
    assert client.post("/login", data=WRONG).status_code == 429
    other = client.post("/login", data=WRONG, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 401


def test_json_clients_get_a_json_429(client):
    for _ in range(LOGIN_LIMIT):
        client.post("/login", data=WRONG)
    response = client.post("/login", data=WRONG, headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert response.get_json()["error"] == "请求过于频繁"
    assert "Retry-After" in response.headers


def test_counters_are_kept_in_the_apps_own_database(app, client):
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("portal-sql+")
    client.post("/login", data=WRONG)
    counters = db.session.scalars(select(RateLimitCounter)).all()
    assert len(counters) == 1
    assert "auth.login" in counters[0].key and counters[0].count == 1


def test_limit_is_counted_before_anything_touches_the_database(app, client, monkeypatch,
                                                              make_user, orgs, login):
    """The count is committed in before_request, ahead of the access policy loading the
    user. On SQLite the request's own write transaction would otherwise hold the lock the
    counter needs, and the request would wait on itself."""

    @limit("RATELIMIT_LOGIN", methods=["POST"])
    def probe():
        return "ok"

    app.add_url_rule("/ratelimit-probe", "ratelimit_probe", probe, methods=["POST"])
    monkeypatch.setitem(access.ROUTE_POLICY, "ratelimit_probe", access.SIGNED_IN)
    login(make_user("editor"))

    happened: list[str] = []
    counting = limiter.storage.incr

    def recording_incr(*args, **kwargs):
        happened.append("count")
        return counting(*args, **kwargs)

    def on_begin(_connection):
        happened.append("database")

    monkeypatch.setattr(limiter.storage, "incr", recording_incr)
    event.listen(db.engine, "begin", on_begin)
    try:
        assert client.post("/ratelimit-probe").status_code == 200
    finally:
        event.remove(db.engine, "begin", on_begin)
    assert happened[0] == "count" and "database" in happened

    for _ in range(LOGIN_LIMIT - 1):
        assert client.post("/ratelimit-probe").status_code == 200
    assert client.post("/ratelimit-probe").status_code == 429
    # A stranger over the limit is refused before being sent to the login page.
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    for _ in range(LOGIN_LIMIT):
        assert stranger.post("/ratelimit-probe").status_code == 302
    assert stranger.post("/ratelimit-probe").status_code == 429


def test_explicit_storage_uri_wins(app_config):
    app = create_app({**app_config, "RATELIMIT_STORAGE_URI": "memory://"})
    with app.test_client() as client:
        for _ in range(LOGIN_LIMIT):
            client.post("/login", data=WRONG)
        assert client.post("/login", data=WRONG).status_code == 429
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RateLimitCounter)) == 0


def test_disabled_limiter_never_refuses(app_config):
    app = create_app({**app_config, "RATELIMIT_ENABLED": False})
    with app.test_client() as client:
        statuses = {client.post("/login", data=WRONG).status_code
                    for _ in range(LOGIN_LIMIT + 3)}
    assert statuses == {401}


@pytest.mark.usefixtures("app")
def test_model_matches_the_migration():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert [d for d in differences if "rate_limit_counters" in repr(d)] == []
    assert "rate_limit_counters" in sa.inspect(db.engine).get_table_names()


def test_a_site_wide_limit_still_counts_pages_that_have_none_of_their_own(app_config):
    """Pages without a limit of their own skip the limiter entirely, unless the deployer
    configured a limit for every page (Flask-Limiter's RATELIMIT_DEFAULT): that one holds."""
    plain = create_app(app_config).test_client()
    assert {plain.get("/robots.txt").status_code for _ in range(5)} == {200}

    app = create_app({**app_config, "RATELIMIT_DEFAULT": "2 per minute"})
    with app.test_client() as client:
        assert [client.get("/robots.txt").status_code for _ in range(3)] == [200, 200, 429]
        for _ in range(LOGIN_LIMIT):  # a page's own limit still applies beside it
            client.post("/login", data=WRONG)
        assert client.post("/login", data=WRONG).status_code == 429
