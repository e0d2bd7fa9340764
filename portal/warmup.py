"""Warming the portal in gunicorn's master, before the workers are forked.

Whatever the master builds before the fork, every worker shares (copy-on-write) instead of
building its own copy. Left to themselves, five workers each compile the same templates,
build the same SQLAlchemy statement caches and specialise the same bytecode on their first
requests; measured on the benchmark's medium county (5 workers, 64 connections over the
public pages), each worker then held about 50 MB of private memory, against about 33 MB
when the master had done that work first (the whole portal 424 → 351 MB Pss), and the
first requests no longer wait for template compilation.

`warm(app)` therefore compiles every template and requests the pages residents read most
(home, the disclosure lists and a document, the village boards, search, the inquiry
form), each twice so the page cache's fast path is exercised too, through the test
client: no socket, nothing written but what an anonymous reader's request writes (cached
page files, which stay valid by their version like any other), and then computes the
inspectors' dashboards into the shared snapshot files (`portal.inspection.warm`), so the
first inspector after a restart does not wait for them. Afterwards it empties
the master's in-memory page store and closes the page cache's version connection, so the
workers inherit no page and no database handle (the caller then drops the engines' pools).

It is an optimisation only: on a database that is empty or not yet migrated, a page that
fails or a query that raises is logged and skipped, and gunicorn starts all the same.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select

log = logging.getLogger(__name__)

USER_AGENT = "portal-warmup"


def warm(app: Flask) -> None:
    """Compile the templates and render the most read public pages once, in this process."""
    started = time.perf_counter()
    compiled = _compile_templates(app)
    paths = _public_paths(app)
    client = app.test_client()
    base_url = site_base_url(app)
    served = 0
    for path in paths:
        for _ in range(2):  # rendered and stored, then served from the page cache
            try:
                status = client.get(path, base_url=base_url,
                                    headers={"User-Agent": USER_AGENT}).status_code
            except Exception:  # never keep gunicorn from starting
                log.warning("warm-up request %s failed", path, exc_info=True)
                break
            served += status == 200
    from portal.inspection.warm import warm_dashboards

    dashboards = warm_dashboards(app)
    _forget_pages(app)
    log.info("warmed %d templates, %d page requests and %d inspectors' dashboards in %.1f s",
             compiled, served, dashboards, time.perf_counter() - started)


def site_base_url(app: Flask) -> str:
    """The scheme and host the warm-up asks as: those residents use, since pages are
    stored per host and scheme and, with TRUSTED_HOSTS set, a request for any other host
    is refused. SITE_URL when it names a trusted host, else the first trusted host."""
    from werkzeug.sansio.utils import host_is_trusted

    trusted = app.config.get("TRUSTED_HOSTS")
    site = urlsplit(app.config.get("SITE_URL") or "")
    if site.scheme and site.netloc and (
            not trusted or host_is_trusted(site.netloc, trusted)):
        return f"{site.scheme}://{site.netloc}"
    if trusted:
        return f"http://{trusted[0].lstrip('.')}"
    return "http://localhost"


def _compile_templates(app: Flask) -> int:
    env = app.jinja_env
    count = 0
    try:
        names = env.list_templates(extensions=("html", "xml", "txt"))
    except TypeError:  # a loader that cannot list its templates: they compile on first use
        return 0
    for name in names:
        try:
            env.get_template(name)
        except Exception:
            log.warning("template %s does not compile", name, exc_info=True)
            continue
        count += 1
    return count


def _public_paths(app: Flask) -> list[str]:
    """The most read public pages, with a real document and village where there are any."""
    from portal.disclosures.models import Disclosure, Status
    from portal.extensions import db
    from portal.organizations.models import Organization, OrgKind

    paths = ["/", "/disclosures/", "/disclosures/?category=result", "/villages/",
             "/search?q=%E6%9D%91%E5%8A%A1%E5%85%AC%E5%BC%80", "/inquiries/new"]
    with app.app_context():
        try:
            document = db.session.scalar(
                select(Disclosure.id).where(Disclosure.status == Status.PUBLISHED)
                .order_by(Disclosure.id.desc()).limit(1))
            village = db.session.scalar(
                select(Organization.slug).where(Organization.kind == OrgKind.VILLAGE,
                                                Organization.active.is_(True))
                .order_by(Organization.id).limit(1))
        except Exception:
            log.warning("warm-up skips the database's pages", exc_info=True)
            return []
        finally:
            db.session.remove()
    if document is not None:
        paths.append(f"/disclosures/{document}")
    if village is not None:
        paths.append(f"/villages/{village}/")
    return paths


def _forget_pages(app: Flask) -> None:
    """The workers start with an empty page store and open their own version connection."""
    state = app.extensions.get("pagecache")
    if state is None:
        return
    store, reader, _today = state
    store.clear()
    reader.release()
