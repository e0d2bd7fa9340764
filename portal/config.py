"""Configuration defaults and the settings an operator may change. Every number the
domain rules use lives here or in a table.

Precedence, lowest first: these defaults, `instance/config.py`, environment variables
prefixed `PORTAL_` (e.g. `PORTAL_DATABASE_URL`), then the dict given to `create_app`.

The settings are the names in `setting_names()`: the attributes of `Defaults` (less the
Flask mechanics in `FIXED`) and the few read before the app exists (`EARLY`). The
README's settings table lists exactly these (tests/test_settings.py). An unknown
`PORTAL_*` variable stops the portal with the nearest valid name, since a misspelt one
would otherwise be ignored silently (a misspelt database URL meant a new, empty SQLite
database). In production (`PORTAL_ENV`, default `production`; `make run` and the tests
set `development`) the secret key and the database URL must be given: nothing is
generated or assumed.
"""

import difflib
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import click


class Defaults:
    SQLALCHEMY_DATABASE_URI: str | None = None  # derived from instance path when unset
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {}  # PostgreSQL: see portal.pgconnections
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
    SECRET_KEY: str | None = None  # required in production; generated in development
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    # The signed cookie is rewritten when the session changes, not on every page: the idle
    # clock moves at most once a minute (portal.auth.sessions.SEEN_RESOLUTION), and each
    # rewrite gives the cookie a fresh expiry.
    SESSION_REFRESH_EACH_REQUEST = False
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
    # The session cookie is Secure over HTTPS anyway; True makes it Secure always.
    SESSION_COOKIE_SECURE = False
    # Rendered public pages kept and served again until what they show changes
    # (portal/pagecache/); False renders every request (to measure rendering alone).
    PAGE_CACHE_ENABLED = True
    # Bytes of rendered pages each worker keeps in memory; the least recently used go first.
    # 4 MB: the pages every request wants (home, lists) stay in memory; the rest is read
    # from the shared files (PAGE_CACHE_SHARED), which the kernel keeps in its page cache.
    # 16 MB cost ~60 MB more across five workers with no faster answers (bench/NOTES.md).
    PAGE_CACHE_MAX_BYTES = 4 * 1024 * 1024
    # Rendered public pages and the inspector's dashboard fragments shared between the
    # workers as files (portal/pagecache/, portal/inspection/shared.py).
    PAGE_CACHE_SHARED = True
    # Processes on this host tell each other of public changes through a word in shared
    # memory (portal/pagecache/signal.py), so a cached page skips reading the content version
    # while nothing changed (a database round trip on PostgreSQL). A writer the word cannot
    # see (another host on the same database) shows within a second. False: read every time.
    PAGE_CACHE_WRITE_SIGNAL = True
    # /open-data/: a site with at most this many public records has its package built by
    # the first request after a change (about a second per 2,000); a larger one by the
    # background worker (portal/transfer/open_data.py).
    OPEN_DATA_INLINE_RECORDS = 5000
    # Seconds nginx (docs/deploy/nginx.conf) may serve its copy of a public page without
    # asking the app (X-Accel-Expires); a withdrawn document is gone through nginx within
    # them. 0: nginx revalidates before every reuse (every request reaches the app).
    PROXY_CACHE_SECONDS = 1
    # True only behind the shipped nginx.conf, which files every page under the content
    # generation (portal/pagecache/generation.py): pages it holds then stay there until
    # anything public changes or the day ends. Never with an nginx that files pages by
    # URL alone: it would keep a withdrawn document until midnight.
    PROXY_CACHE_GENERATIONS = False
    # Level of the JSON log lines (DEBUG, INFO, WARNING, ERROR).
    LOG_LEVEL = "INFO"

    SITE_NAME = "政务公开门户"
    # The address residents use (https://gk.example.gov.cn): links in exported data and the
    # name the transparency log signs under when TRANSPARENCY_ORIGIN is not set.
    SITE_URL: str | None = None
    # 主办单位 in every page's footer (e.g. PORTAL_SITE_SPONSOR=民权县人民政府办公室); empty: none.
    SITE_SPONSOR = ""

    # 政府信息公开条例 第二十六条：信息形成或变更之日起 20 个工作日内公开。
    DISCLOSURE_PUBLISH_WITHIN_WORKING_DAYS = 20
    # 1 = 单级审核；2 = 初审 + 终审。
    DISCLOSURE_REVIEW_STEPS = 1
    PAGE_SIZE = 20
    # 矛盾纠纷排查化解: how many days back a village's missing 日摸排 is flagged on the ledger
    # page and in the work queue (the weekly and monthly reports count their whole period).
    DISPUTE_CHECK_LOOKBACK_DAYS = 7
    # 政府信息公开工作年度报告 for year Y is due on this day of Y+1 (MM-DD), by the level of
    # the organization (条例第四十九条: 县级人民政府 3 月 31 日, its departments and the towns
    # 1 月 31 日).
    ANNUAL_REPORT_DEADLINE_COUNTY = "03-31"
    ANNUAL_REPORT_DEADLINE_TOWN = "01-31"
    ANNUAL_REPORT_DEADLINE_DEPARTMENT = "01-31"
    ANNUAL_REPORT_DEADLINE_VILLAGE = "01-31"
    # argon2id at OWASP's parameters (portal/auth/passwords.py); older hashes are replaced
    # at their owner's next login. The test suite lowers it for speed only.
    PASSWORD_HASH_METHOD = "argon2id"
    # 审计记录保留期（天）；数据库本身拒绝删除 185 天以内的记录。
    AUDIT_RETENTION_DAYS = 185
    # Anonymous refusals (bad tokens, keys, limits) are counted per source and ten-minute
    # window; at most this many of them per window also become audit events.
    REFUSAL_AUDIT_PER_WINDOW = 30
    REFUSAL_RETENTION_DAYS = 185
    # The audit log's Merkle tree and signed heads (portal/transparency): "ed25519" with
    # SHA-256, or "sm2" with SM3 (GB/T 39786-2021). Chosen once, before the first event.
    TRANSPARENCY_ALGORITHM = "ed25519"
    TRANSPARENCY_KEY_FILE: str | None = None  # default instance/transparency/log-key
    TRANSPARENCY_ORIGIN: str | None = None  # what heads name the log: default SITE_URL

    # 频率限制：按客户端地址计数，计数存于本库 rate_limit_counters 表，所有 worker 共享。
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI: str | None = None  # derived from SQLALCHEMY_DATABASE_URI when unset
    RATELIMIT_LOGIN = "10 per minute"
    # Submissions count by outcome (portal/ratelimit/submissions.py): accepted ones against
    # their form's limit, refused ones (a field to fix) against the looser refusal limit.
    RATELIMIT_INQUIRY_SUBMIT = "5 per 10 minutes;20 per day"
    RATELIMIT_SUBMIT_REFUSED = "30 per 10 minutes;200 per day"
    RATELIMIT_TRACK_LOOKUP = "10 per minute;60 per hour"
    # Searches the page cache did not answer (a cached page never reaches the view): each
    # costs tens of ms of CPU at a county's size, so one script of random words could
    # occupy every worker. A resident types far fewer than one a second.
    RATELIMIT_SEARCH = "60 per minute"
    RATELIMIT_RESIDENT_ACTION = "10 per minute;50 per day"
    # Residents' comments on draft decisions (征求意见), per client address.
    RATELIMIT_CONSULTATION_COMMENT = "5 per 10 minutes;20 per day"
    # Machine endpoints, per client address — reads of /api/v1/ and /open311/v2/,
    # and Open311 submissions (a hotline system files for many residents from one address).
    RATELIMIT_API_READ = "300 per minute"
    RATELIMIT_OPEN311_SUBMIT = "30 per minute;1000 per day"
    RATELIMIT_OPEN311_REFUSED = "60 per minute;2000 per day"

    # Notifications (portal/notifications): the outbox worker's store for its queue and
    # schedule ("" = SQLite in the instance folder; redis://host:6379/0 for several servers).
    NOTIFY_QUEUE_URL = ""
    NOTIFY_MAX_ATTEMPTS = 6  # then the message is a dead letter, shown to admins
    NOTIFY_RETRY_BASE_SECONDS = 60  # doubled after each failed attempt
    NOTIFY_LEASE_SECONDS = 300  # a claimed message is retried after this if never marked
    # Red cases go to the unit head at once and to the inspector this many working days on.
    ESCALATE_TO_INSPECTOR_AFTER_WORKING_DAYS = 3
    NOTIFY_SMTP_HOST = ""  # empty: email is not sent (kept in the outbox with the reason)
    NOTIFY_SMTP_PORT = 25
    NOTIFY_SMTP_USER = ""
    NOTIFY_SMTP_PASSWORD = ""
    NOTIFY_SMTP_STARTTLS = False
    NOTIFY_SMTP_TIMEOUT_SECONDS = 20
    NOTIFY_MAIL_FROM = "noreply@localhost"
    # SMS through Aliyun (阿里云短信 SendSms); "" turns SMS off.
    SMS_PROVIDER = ""
    SMS_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
    SMS_ACCESS_KEY_ID = ""
    SMS_ACCESS_KEY_SECRET = ""
    SMS_SIGN_NAME = ""
    SMS_DAILY_CAP = 10  # per mobile number and Beijing day
    # The secret part of the address the provider pushes replies to ("" = not served).
    SMS_INBOUND_TOKEN = ""


ENV_PREFIX = "PORTAL_"
PRODUCTION, DEVELOPMENT = "production", "development"
# Flask mechanics, not settings: no environment variable changes them.
FIXED = frozenset({"SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "MAX_CONTENT_LENGTH",
                   "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
                   "PERMANENT_SESSION_LIFETIME", "SESSION_REFRESH_EACH_REQUEST"})
# Read before the application exists: by create_app (ENV, INSTANCE_PATH) and by
# gunicorn.conf.py (BIND, WORKERS); DATABASE_URL becomes SQLALCHEMY_DATABASE_URI.
EARLY = frozenset({"ENV", "DATABASE_URL", "INSTANCE_PATH", "BIND", "WORKERS"})
# Read by the test suite and the make targets, never by the portal.
TOOLING = frozenset({"TEST_DATABASE_URL", "E2E", "SOAK", "SCREENSHOTS", "CHROMIUM"})
_LIST_KEYS = {"TRUSTED_HOSTS", "MFA_REQUIRED_ROLES", "SECRET_KEY_FALLBACKS"}
_INT_KEYS = {"WORKERS"}
REQUIRED_IN_PRODUCTION = {"SECRET_KEY": "PORTAL_SECRET_KEY",
                          "SQLALCHEMY_DATABASE_URI": "PORTAL_DATABASE_URL"}


class ConfigurationError(click.ClickException):
    """A setting that would make the portal run wrongly; it refuses to start. A click
    exception, so the `flask` command prints the message and exits with status 1."""

    def format_message(self) -> str:
        return f"政务公开门户无法启动：{self.message}"

    def show(self, file=None) -> None:
        click.echo(self.format_message(), file=file, err=True)


def setting_names() -> list[str]:
    """Every `PORTAL_*` name the portal understands, sorted."""
    keys = {key for key in vars(Defaults) if key.isupper() and key not in FIXED}
    return sorted(ENV_PREFIX + key for key in keys | EARLY)


def _kind(key: str) -> type:
    if key in _LIST_KEYS:
        return list
    if key in _INT_KEYS:
        return int
    default = getattr(Defaults, key, None)
    if isinstance(default, bool | int):
        return type(default)
    return list if isinstance(default, tuple | list) else str


def _parse(name: str, key: str, value: str):
    kind = _kind(key)
    if kind is bool:
        word = value.strip().lower()
        if word not in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
            raise ConfigurationError(f"设置 {name} 应为 true 或 false，而不是“{value}”。")
        return word in ("1", "true", "yes", "on")
    if kind is int:
        try:
            return int(value)
        except ValueError:
            raise ConfigurationError(f"设置 {name} 应为整数，而不是“{value}”。") from None
    if kind is list:
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def unknown_setting_message(name: str) -> str:
    """The refusal for a `PORTAL_*` name nobody reads, with the nearest valid one."""
    keys = [known.removeprefix(ENV_PREFIX) for known in setting_names()]
    nearest = difflib.get_close_matches(name.removeprefix(ENV_PREFIX), keys, n=1, cutoff=0.6)
    if nearest:
        return f"未知的设置 {name}，您是不是要设置 {ENV_PREFIX}{nearest[0]}？"
    return f"未知的设置 {name}。全部设置及其含义见 README 的“设置”一节。"


def from_environment(environ: Mapping[str, str] | None = None) -> dict:
    """Read the `PORTAL_*` variables of `environ` (default: the process's) into config
    keys; `PORTAL_DATABASE_URL` maps to SQLALCHEMY_DATABASE_URI.

    Raises ConfigurationError for an unknown name or a value of the wrong kind.
    """
    environ = os.environ if environ is None else environ
    known = set(setting_names())
    found: dict = {}
    problems = []
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX) or name.removeprefix(ENV_PREFIX) in TOOLING:
            continue
        if name not in known:
            problems.append(unknown_setting_message(name))
            continue
        key = name.removeprefix(ENV_PREFIX)
        if key == "DATABASE_URL":
            key = "SQLALCHEMY_DATABASE_URI"
        value = _parse(name, key, environ[name])
        if key not in EARLY:
            found[key] = value
    if problems:
        raise ConfigurationError("\n".join(problems))
    return found


def mode(environ: Mapping[str, str] | None = None) -> str:
    """`production` unless PORTAL_ENV says `development`.

    Raises ConfigurationError for any other value."""
    environ = os.environ if environ is None else environ
    value = environ.get(ENV_PREFIX + "ENV", PRODUCTION).strip().lower() or PRODUCTION
    if value not in (PRODUCTION, DEVELOPMENT):
        raise ConfigurationError(f"设置 PORTAL_ENV 应为 production 或 development，"
                                 f"而不是“{value}”。")
    return value


def require_production_settings(config: Mapping, environ: Mapping[str, str] | None = None
                                ) -> None:
    """In production the secret key and the database must be given, not generated or
    assumed: raises ConfigurationError naming the missing variables."""
    if mode(environ) != PRODUCTION:
        return
    missing = [name for key, name in REQUIRED_IN_PRODUCTION.items() if not config.get(key)]
    if missing:
        raise ConfigurationError(
            f"生产环境必须设置 {'、'.join(missing)}（见 README 的“部署”一节）。"
            "在开发机上试用请设 PORTAL_ENV=development（make run 已设置）。")


def check_environment(environ: Mapping[str, str] | None = None) -> None:
    """What gunicorn.conf.py runs before any worker starts: the same checks as
    `create_app`, on the environment alone. Raises ConfigurationError."""
    found = from_environment(environ)
    require_production_settings(found, environ)


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
