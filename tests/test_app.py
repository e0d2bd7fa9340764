import importlib

from portal import create_app


def test_config_overrides_win(app_config):
    app = create_app({**app_config, "SITE_NAME": "双塔镇政务公开", "PAGE_SIZE": 7})
    assert app.config["PAGE_SIZE"] == 7
    with app.test_client() as client:
        assert "双塔镇政务公开" in client.get("/login").get_data(as_text=True)


def test_environment_configures_database(monkeypatch, tmp_path, migrated_template):
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    monkeypatch.setenv("PORTAL_PAGE_SIZE", "15")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "from-env")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.db"
    assert app.config["PAGE_SIZE"] == 15 and app.config["SECRET_KEY"] == "from-env"


def test_wsgi_exposes_app(monkeypatch, tmp_path, migrated_template):
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path}/w.db")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "x")
    wsgi = importlib.import_module("wsgi")
    assert wsgi.app.name == "portal"


def test_unknown_page_is_a_chinese_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_static_css_is_local(client):
    html = client.get("/").get_data(as_text=True)
    assert "/static/css/site.css" in html
    assert "http://" not in html and "https://" not in html


def test_boolean_settings_from_environment(monkeypatch):
    from portal.config import from_environment

    monkeypatch.setenv("PORTAL_RATELIMIT_ENABLED", "false")
    assert from_environment()["RATELIMIT_ENABLED"] is False
    monkeypatch.setenv("PORTAL_RATELIMIT_ENABLED", "1")
    assert from_environment()["RATELIMIT_ENABLED"] is True


def test_unexpected_error_is_a_chinese_500_page_with_a_way_on(app, client):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("simulated failure")

    from portal.access import ROUTE_POLICY

    ROUTE_POLICY["boom"] = "public"
    try:
        response = client.get("/boom-for-test")
    finally:
        ROUTE_POLICY.pop("boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统繁忙" in html and "返回首页" in html and "simulated failure" not in html


def test_wrong_method_is_a_chinese_405_page(client):
    response = client.post("/disclosures/")
    assert response.status_code in (400, 405)
    assert "请求" in response.get_data(as_text=True)


def test_raw_utf8_query_strings_mean_what_they_say(app):
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(path="/disclosures/").get_environ()
    environ["QUERY_STRING"] = "category=result&x=低保".encode().decode("latin-1")
    seen = {}

    @app.before_request
    def capture():
        from flask import request

        seen["x"] = request.args.get("x")

    captured = []
    app.wsgi_app(environ, lambda status, headers: captured.append(status))
    assert seen["x"] == "低保" and captured[0].startswith("200")


def test_the_footer_names_the_configured_sponsor(app_config):
    sponsored = create_app({**app_config, "SITE_SPONSOR": "花园县人民政府办公室"})
    plain = create_app(app_config)

    assert "主办：花园县人民政府办公室" in sponsored.test_client().get("/").get_data(as_text=True)
    assert "主办" not in plain.test_client().get("/").get_data(as_text=True)


def test_plain_functions_run_as_they_are_and_coroutines_still_go_to_flask(app):
    """`PortalFlask.ensure_sync` answers a plain function without inspecting it each
    request; anything else (a coroutine function, a partial, a method) is Flask's to
    handle, which without Flask's async extra refuses a coroutine function."""
    import functools

    import pytest

    def plain():
        return "同步"

    async def coroutine():
        return "异步"

    assert app.ensure_sync(plain) is plain
    partial = functools.partial(plain)
    assert app.ensure_sync(partial) is partial
    with pytest.raises(RuntimeError, match="async"):
        app.ensure_sync(coroutine)
