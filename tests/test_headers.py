"""Security headers, cookie flags, and the settings for running behind nginx."""

from __future__ import annotations

import re

import pytest

from portal import bundled, create_app
from portal.auth.models import Role


def test_every_page_gets_the_security_headers(client):
    for path in ("/", "/login", "/no/such/page", "/static/css/site.css"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
                          "script-src 'self'"):
            assert directive in csp, (path, directive)
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP: no HSTS


def test_no_template_carries_inline_script_or_style():
    """What the policy forbids must not be in the pages to begin with."""
    offenders = []
    for template in bundled("templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if template.name == "document.html":  # a downloaded file, served with its own policy
            continue
        if re.search(r"<script(?![^>]*\bsrc=)", text) or re.search(r"\son[a-z]+\s*=", text) \
                or re.search(r"\sstyle\s*=", text) or "<style" in text \
                or "javascript:" in text:
            offenders.append(template.name)
    assert not offenders


def test_staff_pages_and_login_are_never_stored(client, make_user, orgs, login):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    anonymous_home = client.get("/")
    assert "no-store" not in anonymous_home.headers.get("Cache-Control", "")
    login(make_user("editor", (Role.EDITOR, orgs["town"])))
    for path in ("/staff/", "/account/", "/"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_a_residents_form_receipt_and_tracking_page_are_never_stored(client, orgs):
    """They carry one person's form token, tracking code or case: a shared computer's
    browser or a proxy must not keep them."""
    import re

    from tests.inquiries.test_public_pages import CODE, fields

    form = client.get("/inquiries/new")
    assert form.headers["Cache-Control"] == "no-store"
    token = re.search(r'name="submission_token" type="hidden" value="([0-9a-f.]+)"',
                      form.get_data(as_text=True)).group(1)
    receipt = client.post("/inquiries/new", data=fields(token))
    assert receipt.headers["Cache-Control"] == "no-store"
    code = CODE.search(receipt.get_data(as_text=True)).group(1)
    assert client.get("/inquiries/track").headers["Cache-Control"] == "no-store"
    client.post("/inquiries/track", data={"code": code})
    assert client.get("/inquiries/track/status").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/inquiries/replies").headers["Cache-Control"]


def test_session_cookie_is_httponly_and_lax(client, make_user, orgs, login):
    response = login(make_user("editor", (Role.EDITOR, orgs["town"])))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_over_tls_hsts_is_sent_and_cookies_are_secure(client, make_user, orgs):
    make_user("editor", (Role.EDITOR, orgs["town"]))
    response = client.post("/login", base_url="https://localhost",
                           data={"username": "editor", "password": "Passw0rd!demo"})
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.fixture
def proxied(app):
    """The same database, served as it would be behind one nginx."""
    behind = create_app({**app.config, "PROXY_FIX_HOPS": 1})
    with behind.app_context():
        yield behind.test_client()


def test_behind_nginx_the_forwarded_scheme_counts(proxied, client):
    https = proxied.get("/", headers={"X-Forwarded-Proto": "https",
                                      "X-Forwarded-For": "203.0.113.9"})
    assert "Strict-Transport-Security" in https.headers
    # without PROXY_FIX_HOPS the same header from a client is ignored
    direct = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in direct.headers


def test_trusted_hosts_refuse_other_host_names(app):
    strict = create_app({**app.config, "TRUSTED_HOSTS": ["gk.minquan.gov.cn"]})
    with strict.app_context():
        client = strict.test_client()
        assert client.get("/", headers={"Host": "gk.minquan.gov.cn"}).status_code == 200
        refused = client.get("/", headers={"Host": "evil.example"})
        assert refused.status_code == 400 and "请求有误" in refused.get_data(as_text=True)


def test_environment_configures_the_proxy_settings(monkeypatch):
    from portal.config import from_environment

    monkeypatch.setenv("PORTAL_TRUSTED_HOSTS", "gk.minquan.gov.cn, www.minquan.gov.cn")
    monkeypatch.setenv("PORTAL_PROXY_FIX_HOPS", "1")
    found = from_environment()
    assert found["TRUSTED_HOSTS"] == ["gk.minquan.gov.cn", "www.minquan.gov.cn"]
    assert found["PROXY_FIX_HOPS"] == 1


def test_a_forged_host_cannot_poison_the_page_cache(client):
    """Pages with absolute links (sitemap, feeds) rendered for one Host are never served
    to a request for another: the stored page is filed under host and scheme too."""
    poisoned = client.get("/sitemap.xml", headers={"Host": "evil.example"})
    assert poisoned.status_code == 200 and "evil.example" in poisoned.get_data(as_text=True)
    honest = client.get("/sitemap.xml")
    assert "evil.example" not in honest.get_data(as_text=True)


def test_trusted_hosts_hold_for_pages_already_cached(app):
    strict = create_app({**app.config, "TRUSTED_HOSTS": ["gk.minquan.gov.cn"]})
    with strict.app_context():
        client = strict.test_client()
        for _ in range(2):  # the second request would come from the page cache
            assert client.get("/", headers={"Host": "gk.minquan.gov.cn"}).status_code == 200
        assert client.get("/", headers={"Host": "evil.example"}).status_code == 400


def test_gunicorn_trusts_no_forwarded_scheme_unless_behind_a_proxy(database_url, tmp_path,
                                                                  migrated_template):
    """A client on the server itself claiming HTTPS gets no HSTS and no Secure cookie:
    gunicorn's own default would trust X-Forwarded-Proto from 127.0.0.1."""
    import http.client

    from tests.live_server import live_server

    with live_server(database_url, tmp_path, workers=1) as (port, _log):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/login", headers={"X-Forwarded-Proto": "https",
                                                     "X-Forwarded-Ssl": "on"})
        response = connection.getresponse()
        response.read()
        assert response.status == 200
        assert response.getheader("Strict-Transport-Security") is None
        assert "Secure" not in (response.getheader("Set-Cookie") or "")
