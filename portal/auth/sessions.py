"""The signed-in session's life: a fresh session at login, the idle and absolute limits,
and the half-finished login that waits for the second factor.

The session cookie is signed by Flask, so the times kept in it cannot be forged; what
makes a cookie worthless on the server is the user's `session_token`, which logout,
a password change, disabling and 2FA changes rotate (see `load_user_from_session`).
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_login.config import COOKIE_NAME

from portal.auth import services
from portal.auth.models import User
from portal.extensions import db
from portal.safety import safe_next_url

PENDING = "pending_login"
PENDING_SECONDS = 5 * 60
# The idle clock is refreshed at most this often, so a busy page does not rewrite the
# cookie on every request.
SEEN_RESOLUTION = 60
# Session ages are counted on the real wall clock (`time.time()`), not the portal's clock:
# they measure how long a cookie has lived, and a moved test clock must not keep a browser
# signed in or sign it out.


def start(user: User) -> None:
    """A brand-new session for `user`: nothing from before login survives in it."""
    session.clear()
    login_user(user)
    now = int(time.time())
    session["auth_at"] = now
    session["seen_at"] = now
    session.permanent = True


def end() -> None:
    logout_user()
    session.clear()


def hold_pending(user: User, next_url: str | None) -> None:
    """Password accepted; remember who is half signed-in until the code arrives."""
    session.clear()
    session[PENDING] = {"uid": user.id, "token": user.session_token,
                        "at": int(time.time()), "next": next_url or ""}


def pending_user() -> User | None:
    """The user waiting for the second factor, or None when there is none, it is older
    than five minutes, or the account changed meanwhile."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, pending.get("uid"))
    if user is None or not user.active or user.session_token != pending.get("token"):
        session.pop(PENDING, None)
        return None
    return user


def pending_next(fallback: str) -> str:
    pending = session.get(PENDING) or {}
    return safe_next_url(pending.get("next"), fallback)


def enforce_limits():
    """before_request: sign out a session past its idle or absolute limit. A visitor with
    neither a signed-in session nor a remember cookie is anonymous, said here at once:
    Flask-Login would otherwise work it out again on every page residents read."""
    if "_user_id" not in session:
        if current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) not in request.cookies:
            g._login_user = current_app.login_manager.anonymous_user()
        return None
    if request.endpoint == "static":
        return None
    if not current_user.is_authenticated:  # token rotated: the loader refused the cookie
        session.clear()
        return None
    config = current_app.config
    now = time.time()
    auth_at = session.get("auth_at", 0)
    seen_at = session.get("seen_at", 0)
    if now - auth_at > config["SESSION_ABSOLUTE_HOURS"] * 3600:
        reason = f"登录已满 {config['SESSION_ABSOLUTE_HOURS']} 小时"
    elif now - seen_at > config["SESSION_IDLE_MINUTES"] * 60:
        reason = f"超过 {config['SESSION_IDLE_MINUTES']} 分钟未操作"
    else:
        if now - seen_at >= SEEN_RESOLUTION:
            session["seen_at"] = int(now)
        return None
    services.record_session_end(current_user._get_current_object(), reason)
    end()
    flash(f"{reason}，为保护账号安全已自动退出，请重新登录。", "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def init_app(app: Flask) -> None:
    app.before_request(enforce_limits)
