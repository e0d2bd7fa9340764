"""gunicorn settings for the portal in a checkout (`gunicorn -c gunicorn.conf.py wsgi:app`,
as `make run` does): the same as `portal.gunicorn_conf`, which an installed portal uses
(`gunicorn -c python:portal.gunicorn_conf 'portal:create_app()'`). See that module."""

from portal.gunicorn_conf import (  # noqa: F401
    accesslog,
    behind_proxy,
    bind,
    forwarded_allow_ips,
    graceful_timeout,
    logger_class,
    max_requests,
    max_requests_jitter,
    post_fork,
    preload_app,
    timeout,
    when_ready,
    worker_exit,
    workers,
)

if not behind_proxy:
    secure_scheme_headers: dict[str, str] = {}
