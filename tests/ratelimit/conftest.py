"""Fixtures for the rate-limit tests: the limiter on, counting in the test database."""

from __future__ import annotations

import pytest
from flask import request_started

from portal.extensions import db
from portal.ratelimit.storage import SQLStorage, storage_uri

LOGIN_LIMIT = 3


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True,
            "RATELIMIT_LOGIN": f"{LOGIN_LIMIT} per minute"}


def _end_lingering_unit_of_work(sender, **_extra):
    """Test requests share the fixture's app context, so the session — and on SQLite a
    write transaction begun by the previous request or by the test itself — would outlive
    the request and hold the write lock the limiter's counter needs. In production every
    request has its own session; give tests the same."""
    db.session.commit()


@pytest.fixture
def app(app):
    request_started.connect(_end_lingering_unit_of_work, app)
    return app


@pytest.fixture
def storage(database_url):
    """The SQL storage on the test database, with a clock the test moves by hand."""
    clock = ManualClock()
    sql_storage = SQLStorage(storage_uri(database_url), clock=clock, purge_one_in=0)
    sql_storage.manual_clock = clock
    yield sql_storage
    sql_storage.dispose()


class ManualClock:
    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
