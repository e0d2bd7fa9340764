"""Configuration defaults. Every number the domain rules use lives here or in a table.

Precedence, lowest first: these defaults, `instance/config.py`, environment variables
prefixed `PORTAL_` (e.g. `PORTAL_DATABASE_URL`), then the dict given to `create_app`.
"""

import os
import secrets
from pathlib import Path
from typing import ClassVar


class Defaults:
    SQLALCHEMY_DATABASE_URI: str | None = None  # derived from instance path when unset
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {}  # PostgreSQL adds pool_pre_ping
    # How long a SQLite writer waits for the lock before the request gets 503 (ms).
    SQLITE_BUSY_TIMEOUT_MS = 10000
    # Request bodies, per route (portal/bodylimit.py): a form; a form with long texts
    # (document bodies, consultation drafts); an upload route adds ATTACHMENT_MAX_BYTES per
    # file it takes. The hook sets every request's own; MAX_CONTENT_LENGTH is a fallback.
    FORM_MAX_BYTES = 256 * 1024
    LONG_TEXT_FORM_MAX_BYTES = 2 * 1024 * 1024
    ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
    MAX_CONTENT_LENGTH = FORM_MAX_BYTES
    MAX_FORM_PARTS = 1000  # fields (and files) in one form, url-encoded or multipart
    # Converting an uploaded Word document or finance table runs in a child process that is
    # stopped past this time, or past this much memory above the worker's (portal/bounded.py).
    IMPORT_TIME_LIMIT_SECONDS = 10
    IMPORT_MEMORY_LIMIT_BYTES = 256 * 1024 * 1024
    UPLOAD_FOLDER: str | None = None  # defaults to instance/uploads
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    # Sessions (ASVS 5.0 V7.3; 等保 2.0 8.1.4.1): signed out after 30 idle minutes, and
    # 12 hours after signing in whatever the activity.
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    # Lockout (ASVS 5.0 V6.3.1; 等保 8.1.4.1 b): per account, never per client address.
    LOGIN_LOCKOUT_THRESHOLD = 5
    LOGIN_LOCKOUT_MINUTES = 15
    # Roles whose holders must sign in with a TOTP second factor.
    MFA_REQUIRED_ROLES = ("admin", "inspector")
    # Days an admin-issued enrolment code (for binding an authenticator) stays valid.
    ENROLMENT_CODE_DAYS = 7
    # Earlier secret keys still accepted while rotating (sessions, sealed TOTP secrets).
    SECRET_KEY_FALLBACKS: ClassVar[list[str]] = []
    TOTP_ISSUER = "政务公开门户"
    # 等保 asks for periodic password change; ASVS forbids forcing it. Staff see a reminder
    # after this many days (0 turns it off); nobody is forced. See SECURITY.md.
    PASSWORD_REMINDER_DAYS = 180
    # Deployment behind a reverse proxy: how many proxies to trust for X-Forwarded-For,
    # -Proto, -Host and -Prefix (0 = none, the default: the headers are ignored).
    PROXY_FIX_HOPS = 0
    # Host names this site answers to (None = any); e.g. PORTAL_TRUSTED_HOSTS=gk.example.gov.cn
    TRUSTED_HOSTS: list[str] | None = None
    # HSTS lifetime sent on HTTPS responses (seconds); 0 turns it off.
    HSTS_MAX_AGE = 365 * 24 * 3600

    SITE_NAME = "政务公开门户"
    # 主办单位 in every page's footer (e.g. PORTAL_SITE_SPONSOR=民权县人民政府办公室); empty: none.
    SITE_SPONSOR = ""
    TIMEZONE = "Asia/Shanghai"

    # 政府信息公开条例 第二十六条：信息形成或变更之日起 20 个工作日内公开。
    DISCLOSURE_PUBLISH_WITHIN_WORKING_DAYS = 20
    # 1 = 单级审核；2 = 初审 + 终审。
    DISCLOSURE_REVIEW_STEPS = 1
    PAGE_SIZE = 20
    # 政府信息公开工作年度报告 for year Y is due on this day of Y+1 (MM-DD).
    ANNUAL_REPORT_DEADLINE = "01-31"
    # argon2id at OWASP's parameters (portal/auth/passwords.py); older hashes are replaced
    # at their owner's next login. The test suite lowers it for speed only.
    PASSWORD_HASH_METHOD = "argon2id"
    # 审计记录保留期（天）；数据库本身拒绝删除 185 天以内的记录。
    AUDIT_RETENTION_DAYS = 185
    # Anonymous refusals (bad tokens, keys, limits) are counted per source and ten-minute
    # window; at most this many of them per window also become audit events.
    REFUSAL_AUDIT_PER_WINDOW = 30
    REFUSAL_RETENTION_DAYS = 185

    # 频率限制：按客户端地址计数，计数存于本库 rate_limit_counters 表，所有 worker 共享。
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI: str | None = None  # derived from SQLALCHEMY_DATABASE_URI when unset
    RATELIMIT_LOGIN = "10 per minute"
    RATELIMIT_INQUIRY_SUBMIT = "5 per 10 minutes;20 per day"
    RATELIMIT_TRACK_LOOKUP = "10 per minute;60 per hour"
    RATELIMIT_RESIDENT_ACTION = "10 per minute;50 per day"
    # issue 6: residents' comments on draft decisions (征求意见), per client address.
    RATELIMIT_CONSULTATION_COMMENT = "5 per 10 minutes;20 per day"
    # issue 7: machine endpoints, per client address — reads of /api/v1/ and /open311/v2/,
    # and Open311 submissions (a hotline system files for many residents from one address).
    RATELIMIT_API_READ = "300 per minute"
    RATELIMIT_OPEN311_SUBMIT = "30 per minute;1000 per day"


ENV_PREFIX = "PORTAL_"
_BOOL_KEYS = {"RATELIMIT_ENABLED", "SESSION_COOKIE_SECURE"}
_INT_KEYS = {
    "AUDIT_RETENTION_DAYS",
    "REFUSAL_AUDIT_PER_WINDOW",
    "REFUSAL_RETENTION_DAYS",
    "MAX_CONTENT_LENGTH",
    "FORM_MAX_BYTES",
    "LONG_TEXT_FORM_MAX_BYTES",
    "MAX_FORM_PARTS",
    "ATTACHMENT_MAX_BYTES",
    "IMPORT_TIME_LIMIT_SECONDS",
    "IMPORT_MEMORY_LIMIT_BYTES",
    "DISCLOSURE_PUBLISH_WITHIN_WORKING_DAYS",
    "DISCLOSURE_REVIEW_STEPS",
    "PAGE_SIZE",
    "SESSION_IDLE_MINUTES",
    "SESSION_ABSOLUTE_HOURS",
    "LOGIN_LOCKOUT_THRESHOLD",
    "LOGIN_LOCKOUT_MINUTES",
    "PASSWORD_REMINDER_DAYS",
    "PROXY_FIX_HOPS",
    "ENROLMENT_CODE_DAYS",
    "HSTS_MAX_AGE",
    "SQLITE_BUSY_TIMEOUT_MS",
}
_LIST_KEYS = {"TRUSTED_HOSTS", "MFA_REQUIRED_ROLES", "SECRET_KEY_FALLBACKS"}


def from_environment() -> dict:
    """Read `PORTAL_*` variables; `PORTAL_DATABASE_URL` maps to SQLALCHEMY_DATABASE_URI."""
    found: dict = {}
    for name, value in os.environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        key = name.removeprefix(ENV_PREFIX)
        if key == "DATABASE_URL":
            key = "SQLALCHEMY_DATABASE_URI"
        if key in _INT_KEYS:
            found[key] = int(value)
        elif key in _LIST_KEYS:
            found[key] = [item.strip() for item in value.split(",") if item.strip()]
        elif key in _BOOL_KEYS:
            found[key] = value.strip().lower() in ("1", "true", "yes", "on")
        else:
            found[key] = value
    return found


def persistent_secret_key(instance_path: str) -> str:
    """A random key kept in the instance folder, so sessions survive restarts.

    Production deployments set PORTAL_SECRET_KEY instead; no key is ever fixed in code.
    """
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
