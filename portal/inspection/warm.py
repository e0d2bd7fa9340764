"""The inspectors' dashboards computed in gunicorn's master before the workers start.

After a restart every dashboard fragment is missing, and the first inspector to open the
page waited for all of them (at a million work orders about three quarters of a second).
`warm_dashboards` computes, for the current year, the fragments of every distinct scope
that the active inspectors and administrators have (usually a handful per county), through
the same functions the page uses, so they land in the shared snapshot files
(`portal.inspection.shared`) under the same keys, versions and expiry as if a worker had
computed them. Workers then read them on their first request. It stops after
`budget_seconds`, and a failure is logged, never raised: it is only an optimisation.
"""

from __future__ import annotations

import logging
import time

from flask import Flask
from sqlalchemy import select

log = logging.getLogger(__name__)


def warm_dashboards(app: Flask, budget_seconds: float = 20.0) -> int:
    """Compute the fragments of each inspector's scope; returns how many scopes."""
    if app.extensions.get("dashboard_snapshots") is None \
            or app.extensions["dashboard_snapshots"].shared is None:
        return 0  # nothing a worker could read
    from portal.extensions import db
    from portal.warmup import site_base_url

    started, warmed = time.monotonic(), 0
    # An application context of its own, so removing its session touches no other; as
    # the site's own host (with TRUSTED_HOSTS set, "localhost" would build no links).
    with app.app_context(), app.test_request_context("/inspect/",
                                                     base_url=site_base_url(app)):
        try:
            for paths, supervising in _scopes():
                if time.monotonic() - started > budget_seconds:
                    break
                _compute(paths, supervising)
                warmed += 1
        except Exception:  # never keep the server from starting
            log.warning("warm-up of the inspectors' dashboards failed", exc_info=True)
        finally:
            db.session.rollback()
            db.session.remove()
    return warmed


def _scopes() -> list[tuple[list[str], tuple[str, ...]]]:
    from portal.auth.models import RoleGrant, User
    from portal.extensions import db
    from portal.inspection import dashboard

    users = db.session.scalars(
        select(User).where(User.active.is_(True), User.id.in_(
            select(RoleGrant.user_id).where(RoleGrant.role.in_(dashboard.INSPECT_ROLES))))
        .order_by(User.id))
    scopes = {}
    for user in users:
        paths = dashboard.scope_paths(user)
        scopes.setdefault((tuple(paths), dashboard.supervising_paths(user)), None)
    return [(list(paths), supervising) for paths, supervising in scopes]


def _compute(paths: list[str], supervising: tuple[str, ...]) -> None:
    from portal.inspection import fragments
    from portal.timeutil import local_today

    year = local_today().year
    fragments.board(paths, year)
    fragments.late_disclosures(paths, year)
    fragments.village_lapses(paths, year, supervising)
    fragments.late_decisions(paths, year)
    fragments.supervision_notices(paths, year)
