"""gunicorn settings for the portal (`gunicorn -c gunicorn.conf.py wsgi:app`).

Environment: PORTAL_BIND (default 127.0.0.1:8000), PORTAL_WORKERS (default 2 × cores + 1),
PORTAL_PROXY_FIX_HOPS (as for the app: how many reverse proxies stand in front).

Forwarded headers: gunicorn itself would take `X-Forwarded-Proto` from any client on the
same host (its default trusts 127.0.0.1), so anyone on the machine could claim HTTPS. Here
it trusts no one unless the portal is configured to sit behind a proxy
(PORTAL_PROXY_FIX_HOPS > 0); the app's own ProxyFix then reads exactly that many hops.
"""

import multiprocessing
import os

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS") or 2 * multiprocessing.cpu_count() + 1)
accesslog = "-"
timeout = 30
graceful_timeout = 30

behind_proxy = int(os.environ.get("PORTAL_PROXY_FIX_HOPS", "0") or 0) > 0
forwarded_allow_ips = "127.0.0.1,::1" if behind_proxy else ""
if not behind_proxy:
    secure_scheme_headers: dict[str, str] = {}
