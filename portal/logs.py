"""Structured logs: one JSON object per line, on standard error (the app) and standard
output (gunicorn's access log, `portal.gunicorn_conf`), in the same shape.

Every line has `time` (UTC, ISO 8601), `level`, `logger` and `message`; a line written
while a request is served also has its `request_id`, `route` (the endpoint) and
`user_id`; an error has its `exception` (the traceback). One line per request carries
`method`, `path`, `status` and `duration_ms`: written by gunicorn's access log when the
portal runs under `portal.gunicorn_conf` (which also knows the client and the bytes
sent), else by `RequestLog` itself.

The request id is the caller's `X-Request-ID` when it looks like one (nginx sends its
`$request_id`), else a new one; it is sent back in the response's `X-Request-ID`.

Personal data never reaches a log line (个人信息保护法; see SECURITY.md): `PersonalDataFilter`
masks ID, mobile and card numbers with `portal.privacy.mask` in the message, the
traceback and the request's path and query, replaces the values of password-, token- and
code-like fields with `***`, and drops any form or body handed to a log call.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from flask import Flask, g, has_request_context, request

from portal.privacy import mask

FACTS = "portal.request_facts"
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
# Names whose values are secrets or bearer codes, wherever they appear as name=value.
_SECRET_VALUE = re.compile(
    r"(?i)\b((?:[a-z_]*password[a-z_]*|passwd|pwd|secret|[a-z_]*token|api_key|code|"
    r"totp|otp|enrolment_code|tracking_code)[\"']?\s*[=:]\s*[\"']?)[^&\s\"',;}]*")
DROPPED = "[表单内容已省略]"
REQUEST_FIELDS = ("request_id", "route", "user_id", "method", "path", "query", "status",
                  "duration_ms", "cache", "bytes", "remote_addr", "user_agent", "pid")
_OURS = "_portal_json"
# Loggers whose INFO lines say nothing an operator needs.
QUIET = ("alembic.runtime.plugins",)


@dataclass
class RequestFacts:
    """What the log needs to know about the request being served; one object shared by
    every layer (a layer that copies the environ still holds the same object)."""

    request_id: str
    route: str | None = None
    user_id: str | None = None
    cache: str | None = None  # "hit" or "miss" for a page the page cache handles


# The shortest thing portal.privacy finds is a mobile number: 11 digits. Most log lines
# hold fewer, and counting is far cheaper than scanning.
_FEWEST_DIGITS = 11


def scrub(text: str) -> str:
    """`text` without secrets' values and with personal numbers masked."""
    if "=" in text or ":" in text:
        text = _SECRET_VALUE.sub(r"\1***", text)
    if sum(map(str.isdigit, text)) < _FEWEST_DIGITS:
        return text
    return mask(text)


# A browser sends the same User-Agent with every request, and masking one (most carry a
# dozen version digits, enough to be scanned) costs more than the rest of the line: the
# masked form of recent ones is kept. Only short ones, so odd headers cannot fill memory.
_AGENT_LONGEST = 512


@lru_cache(maxsize=256)
def _scrubbed_agent(agent: str) -> str:
    return scrub(agent)


def _harmless(value):
    if isinstance(value, Mapping | bytes | bytearray) or hasattr(value, "getlist"):
        return DROPPED  # a form, a JSON body, raw bytes: never logged
    return value


class PersonalDataFilter(logging.Filter):
    """Rewrites each record in place: message rendered and scrubbed, bodies dropped,
    the traceback rendered and scrubbed. Put it on a handler, so every record that
    handler writes, from any logger, passes through it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):  # log("%s", {...}) or log("%(name)s", {...})
            named = "%(" in str(record.msg)
            record.args = ({key: _harmless(value) for key, value in record.args.items()}
                           if named else (DROPPED,))
        elif record.args:
            record.args = tuple(_harmless(value) for value in record.args)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = scrub(message), None
        if record.exc_info:  # formatters use the cached text: the scrubbed one
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        for name in ("path", "query", "user_agent"):
            value = getattr(record, name, None)
            if isinstance(value, str):
                setattr(record, name, _scrubbed_agent(value)
                        if name == "user_agent" and len(value) <= _AGENT_LONGEST
                        else scrub(value))
        return True


class RequestContextFilter(logging.Filter):
    """Adds the current request's id, route and user to a record written while a
    request is being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and not hasattr(record, "request_id"):
            facts = request.environ.get(FACTS)
            if facts is not None:
                record.request_id = facts.request_id
                record.route = facts.route or request.endpoint
                user = g.get("_login_user")
                signed_in = user is not None and user.is_authenticated
                record.user_id = str(user.id) if signed_in else facts.user_id
        return True


_JSON = json.JSONEncoder(ensure_ascii=False, default=str)  # built once, not per line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC)
        data = {"time": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "level": record.levelname, "logger": record.name,
                "message": record.getMessage()}
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exception"] = record.exc_text
        if record.stack_info:
            data["stack"] = record.stack_info
        return _JSON.encode(data)


class _StandardError(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the moment (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def json_handler(handler: logging.Handler | None = None) -> logging.Handler:
    """`handler` (default: standard error) writing our JSON lines through the filters."""
    handler = handler or _StandardError()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    handler.addFilter(PersonalDataFilter())
    setattr(handler, _OURS, True)
    return handler


def lean_records() -> None:
    """Records without what no line of ours writes: the caller's file, line and function
    (found by walking the stack for every record), the thread's and process's names.
    These are the switches the logging HOWTO's "Optimization" section names; the pid a
    request line carries is added by `portal.gunicorn_conf`, which sets them in the
    server. Elsewhere (tests, `flask run`) records keep them, for the tools that show
    them."""
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False


def configure(level: str = "INFO") -> None:
    """Route every logger through one JSON handler on the root logger (once per
    process), and drop Flask's own plain-text handler."""
    from flask.logging import default_handler

    root = logging.getLogger()
    if not any(getattr(handler, _OURS, False) for handler in root.handlers):
        root.addHandler(json_handler())
    root.setLevel(level.upper())
    for noisy in QUIET:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("portal").removeHandler(default_handler)


# Set by portal.gunicorn_conf's logger class: gunicorn's access log then writes the
# request line, and RequestLog only prepares its fields.
server_logs_requests = False


def new_request_id(incoming: str | None) -> str:
    if incoming and _SANE_ID.fullmatch(incoming):
        return incoming
    return secrets.token_hex(16)


def request_line(environ, facts: RequestFacts | None, status: str | int,
                 duration_ms: float) -> dict:
    """The fields of the one line per request, for RequestLog and gunicorn alike."""
    line = {"request_id": facts.request_id if facts else None,
            "route": facts.route if facts else None,
            "user_id": facts.user_id if facts else None,
            "method": environ.get("REQUEST_METHOD"), "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING") or None,
            "status": int(str(status).split(None, 1)[0]),
            "duration_ms": round(duration_ms, 1)}
    if facts is not None and facts.cache is not None:
        line["cache"] = facts.cache
    return line


class RequestLog:
    """Outermost WSGI layer: the request id, the X-Request-ID header, and the request
    line (unless gunicorn's access log writes it)."""

    def __init__(self, wsgi_app, flask_app: Flask) -> None:
        self.wsgi_app, self.flask_app = wsgi_app, flask_app
        self.log = logging.getLogger("portal.request")

    def __call__(self, environ, start_response):
        facts = RequestFacts(new_request_id(environ.get("HTTP_X_REQUEST_ID")))
        environ[FACTS] = facts
        started = time.perf_counter()

        def start(status, headers, exc_info=None):
            headers.append((REQUEST_ID_HEADER, facts.request_id))
            if facts.route is None:
                facts.route = self._endpoint(environ)
            if not server_logs_requests:
                fields = request_line(environ, facts, status,
                                      (time.perf_counter() - started) * 1000)
                level = logging.ERROR if fields["status"] >= 500 else logging.INFO
                self.log.log(level, "%s %s %s", fields["method"], fields["path"],
                             fields["status"], extra=fields)
            if exc_info is None:
                return start_response(status, headers)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)

    def _endpoint(self, environ) -> str | None:
        """For answers given before Flask ran (the page cache's fast path)."""
        return self._match(environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", ""))

    @lru_cache(maxsize=4096)  # noqa: B019 - one RequestLog per app, living as long as it
    def _match(self, path: str, method: str) -> str | None:
        try:
            return self.flask_app.url_map.bind("", path_info=path).match(method=method)[0]
        except Exception:
            return None


def init_app(app: Flask) -> None:
    """Call before any other before_request hook, so a request refused early (body
    limit, rate limit) is still logged with its route."""
    configure(app.config.get("LOG_LEVEL") or "INFO")

    @app.before_request
    def note_route():
        facts = request.environ.get(FACTS)
        if facts is not None:
            facts.route = request.endpoint

    @app.after_request
    def note_user(response):
        facts = request.environ.get(FACTS)
        user = g.get("_login_user")
        if facts is not None and user is not None and user.is_authenticated:
            facts.user_id = str(user.id)
        return response


def wrap(app: Flask) -> None:
    """Make RequestLog the outermost WSGI layer; call last in create_app."""
    app.wsgi_app = RequestLog(app.wsgi_app, app)
