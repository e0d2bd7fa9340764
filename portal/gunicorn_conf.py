"""gunicorn settings for the portal:

    gunicorn -c python:portal.gunicorn_conf 'portal:create_app()'

(`gunicorn.conf.py` at the top of a checkout is the same settings, for `make run`.)

Environment: PORTAL_BIND (default 127.0.0.1:8000), PORTAL_WORKERS (default 2 × cores + 1),
PORTAL_PROXY_FIX_HOPS (as for the app: how many reverse proxies stand in front). The
settings are checked here, in the master, before any worker starts: an unknown
`PORTAL_*` name or, in production, a missing secret key or database URL stops gunicorn
with the portal's message and exit status 1.

Forwarded headers: gunicorn itself would take `X-Forwarded-Proto` from any client on the
same host (its default trusts 127.0.0.1), so anyone on the machine could claim HTTPS. Here
it trusts no one unless the portal is configured to sit behind a proxy
(PORTAL_PROXY_FIX_HOPS > 0); the app's own ProxyFix then reads exactly that many hops.

Memory: the app is loaded once, in the master, before the workers are forked
(`preload_app`), with jieba's dictionary (a trie of about 8 MB, `portal.search.dictionary`)
loaded too, and the objects are frozen out of the garbage collector's reach (`gc.freeze`),
so the workers share those pages instead of each building its own copy. The master also
compiles every template and renders the most read public pages once (`portal.warmup`), so
the workers share that work too instead of each repeating it on its first requests.
Nothing in the master may hold a database connection or a thread across the fork:
`when_ready` checks and drops the engines' pools, and each worker drops any it inherited
(`post_fork`) before its first request. A worker that leaves (every `max_requests`, or
when gunicorn stops) closes its connections, flushes its logs and ends at once
(`worker_exit`): Python's own teardown would write to every shared object and so copy
the pages it shares with the master.

Logs: the access log (standard output) and gunicorn's own messages (standard error) are
JSON lines in the portal's format (`portal.logs`); the access line is the request line,
with the request id, route and user the app noted, the client address and bytes sent.
"""

import gc
import logging
import multiprocessing
import os
import sys
import threading

from gunicorn.glogging import Logger

from portal import logs
from portal.config import ConfigurationError, check_environment

try:
    check_environment()
except ConfigurationError as error:
    sys.stderr.write(error.format_message() + "\n")
    raise SystemExit(1) from None

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS") or 2 * multiprocessing.cpu_count() + 1)
accesslog = "-"
timeout = 30
graceful_timeout = 30
# Each worker is replaced after about this many requests (the jitter spreads the
# restarts), so slow growth in one process never becomes an outage.
max_requests = 10000
max_requests_jitter = 1000

behind_proxy = int(os.environ.get("PORTAL_PROXY_FIX_HOPS", "0") or 0) > 0
forwarded_allow_ips = "127.0.0.1,::1" if behind_proxy else ""
if not behind_proxy:
    secure_scheme_headers: dict[str, str] = {}


class JsonLogger(Logger):
    """gunicorn's logger, writing the portal's JSON lines."""

    def setup(self, cfg):
        super().setup(cfg)
        logs.server_logs_requests = True
        logs.lean_records()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                logs.json_handler(handler)

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status if isinstance(resp.status, str) else str(resp.status)
        fields = logs.request_line(environ, environ.get(logs.FACTS), status,
                                   request_time.total_seconds() * 1000)
        fields.update(bytes=getattr(resp, "sent", None), pid=os.getpid(),
                      remote_addr=environ.get("REMOTE_ADDR"),
                      user_agent=environ.get("HTTP_USER_AGENT"))
        level = "error" if fields["status"] >= 500 else "info"
        getattr(self.access_log, level)("%s %s %s", fields["method"], fields["path"],
                                        fields["status"], extra=fields)


logger_class = JsonLogger

preload_app = True


def _portal_app(server):
    """The Flask app gunicorn loaded in the master (preload), or None."""
    try:
        app = server.app.wsgi()
    except Exception:  # gunicorn reports a broken app itself
        return None
    return app if "sqlalchemy" in getattr(app, "extensions", {}) else None


def when_ready(server):
    """In the master, after the app is loaded and before any worker exists: load what
    every worker reads (jieba's dictionary), warm the app (`portal.warmup`), drop any
    pooled connection, freeze."""
    app = _portal_app(server)
    if app is not None:
        from portal.database import forget_connections
        from portal.search.tokens import preload
        from portal.warmup import warm

        preload()
        warm(app)
        forget_connections(app)
    others = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if others:
        server.log.warning("threads running in the master before fork: %s", others)
    gc.collect()
    gc.freeze()  # the shared objects stay out of the collector's writes (copy-on-write)


def post_fork(server, worker):
    """In each new worker: connections are never shared with the master or a sibling."""
    app = _portal_app(server)
    if app is not None:
        from portal.database import forget_connections

        forget_connections(app)


def worker_exit(server, worker):
    """In a worker that is leaving, with gunicorn's `sys.exit` under way: close the
    database connections, flush the logs and end the process with that exit status,
    without Python's teardown. The teardown drops every module's objects, and writing
    their reference counts copies each page the worker shares with the master: measured
    under load, a leaving worker grew from 43 to about 89 MB (Pss) in its last tenth of
    a second, and with workers replaced every `max_requests` one was often leaving.
    gunicorn also calls this hook in the master, for a worker already gone: then nothing
    is done."""
    leaving = sys.exc_info()[1]
    if not isinstance(leaving, SystemExit) or os.getpid() != worker.pid:
        return
    app = _portal_app(server)
    if app is not None:
        from portal.database import forget_connections

        forget_connections(app, close=True)
    status = leaving.code
    if status is not None and not isinstance(status, int):
        print(status, file=sys.stderr)  # what sys.exit("message") would have printed
        status = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(status or 0)
