"""/healthz and /readyz: public JSON, never cached or limited, 503 naming what fails."""

from __future__ import annotations

import sqlalchemy as sa

from portal import create_app
from portal.access import PUBLIC, ROUTE_POLICY
from portal.extensions import db


def test_both_are_public():
    assert ROUTE_POLICY["health.healthz"] == PUBLIC
    assert ROUTE_POLICY["health.readyz"] == PUBLIC


def test_alive_is_plain_json_and_never_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers


def test_ready_reports_each_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["checks"] == {"database": "ok", "migrations": "ok", "uploads": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_a_schema_behind_the_code_is_not_ready(app, client):
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0013'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["migrations"]
    assert "flask --app portal db upgrade" in response.json["checks"]["migrations"]


def test_an_unwritable_upload_folder_is_not_ready(app_config, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    app = create_app({**app_config, "UPLOAD_FOLDER": str(blocker / "uploads")})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["failing"] == ["uploads"]


def test_an_unreachable_database_is_not_ready_but_alive(app_config, tmp_path):
    """SQLite: a folder where the database file was; PostgreSQL: a port nobody listens on."""
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        url = sa.make_url(app_config["SQLALCHEMY_DATABASE_URI"]).set(host="127.0.0.1", port=1)
        unreachable = url.render_as_string(hide_password=False)
    else:
        folder = tmp_path / "gone.db"
        folder.mkdir()  # SQLite cannot open a folder
        unreachable = f"sqlite:///{folder}"
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": unreachable})
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["database", "migrations"]
    assert response.json["checks"]["database"] == "无法连接数据库"
    assert client.get("/healthz").status_code == 200


def test_rate_limits_and_the_page_cache_leave_them_alone(app_config):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True,
                      "RATELIMIT_STORAGE_URI": "memory://"})
    client = app.test_client()
    answers = {client.get("/readyz").status_code for _ in range(50)}
    assert answers == {200}
    assert "X-RateLimit-Limit" not in client.get("/healthz").headers
