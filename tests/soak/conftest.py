"""Load and fault tests (`make soak`): real gunicorn workers on loopback, killed workers,
a locked or restarted database, a full disk. Slow, so collected only with PORTAL_SOAK=1;
run with `-s` to see the figures each scenario prints."""

from __future__ import annotations

import os

import pytest

from portal.auth.models import Role
from portal.extensions import db

collect_ignore_glob = [] if os.environ.get("PORTAL_SOAK") else ["test_*.py"]


@pytest.fixture
def editors(orgs, make_user):
    """Two editors of 双塔镇, committed so the server's workers see them."""
    users = [make_user(f"editor{n}", (Role.EDITOR, orgs["town"])) for n in (1, 2)]
    db.session.commit()
    return users

