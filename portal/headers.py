"""HTTP hardening: security headers on every response, cookies marked Secure over TLS,
and the reverse-proxy settings (ProxyFix, trusted hosts) for a deployment behind nginx.

The pages carry no inline script and no inline style, so the policy allows scripts and
styles from our own /static only (ASVS 5.0 V3.4; 等保 8.1.4.4). The site's scripts are files
that only make pages easier to use: static/js/forms.js (focus on a refused form's error
summary), static/js/reply-templates.js, and the body editors (templates/_editor.html,
static/js/editor.js), configured to live with this policy; tests/e2e/test_editor.py watches
the browser for violations.
"""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.access import PUBLIC, policy_for

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


# Pages that carry one resident's own form token, tracking code or case.
RESIDENT_PAGES = frozenset({"inquiries.new", "inquiries.track", "inquiries.status",
                            "inquiries.rate", "inquiries.reopen", "inquiries.supplement",
                            "inquiries.forget", "inquiries.reply_file", "inquiries.proof",
                            "consultations.detail"})


class TLSAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (directly or,
    with ProxyFix configured, through nginx), and always when configured so."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def open_session(self, app: Flask, request):
        # A visitor without a session cookie (most residents) gets an empty session
        # without the signing machinery being built for nothing.
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def is_private(endpoint: str | None) -> bool:
    """Pages for signed-in staff, and the login steps: never stored by any cache."""
    return policy_for(endpoint) != PUBLIC or (endpoint or "").startswith("auth.")


# Each added unless the view set its own: names as they are compared, then as written.
_DEFAULTS = tuple((name.lower(), name, value) for name, value in
                  [*ALWAYS.items(), ("Content-Security-Policy", CONTENT_SECURITY_POLICY)])


def add_security_headers(response):
    headers = response.headers
    present = {name.lower() for name, _value in headers}  # one pass, not one per header
    for lower, name, value in _DEFAULTS:
        if lower not in present:
            headers.add(name, value)
    max_age = current_app.config["HSTS_MAX_AGE"]
    if request.is_secure and max_age:
        headers.setdefault("Strict-Transport-Security", f"max-age={max_age}; includeSubDomains")
    if request.endpoint == "static":
        return response  # the same files for everyone: portal/assets.py sets their policy
    if "_user_id" in session or is_private(request.endpoint) \
            or request.endpoint in RESIDENT_PAGES:
        _no_store(response)
    return response


def _no_store(response) -> None:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    response.headers.pop("X-Accel-Expires", None)  # nginx stores only what carries it
    response.vary.add("Cookie")


def no_store_unless_marked(response):
    """after_request, run after the page cache has marked what it shares: a response
    nobody marked as cacheable (a form, an error page) is kept by no cache."""
    if "Cache-Control" not in response.headers:
        _no_store(response)
    return response


def register_cache_default(app: Flask) -> None:
    """Before the page cache registers its hook, so this one runs after it."""
    app.after_request(no_store_unless_marked)


def init_app(app: Flask) -> None:
    app.session_interface = TLSAwareSessionInterface()
    app.after_request(add_security_headers)
    hops = app.config["PROXY_FIX_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_prefix=hops)
