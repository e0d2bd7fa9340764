"""Open311 submissions and API reads are rate limited per client address."""

import pytest
from flask import request_started

from portal.extensions import db


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_OPEN311_SUBMIT": "2 per minute",
            "RATELIMIT_API_READ": "3 per minute"}


def _end_lingering_unit_of_work(sender, **_extra):
    db.session.commit()  # as tests/ratelimit/conftest.py: free SQLite's write lock


@pytest.fixture
def app(app):
    request_started.connect(_end_lingering_unit_of_work, app)
    return app


def test_submissions_are_limited(client, orgs):
    responses = [client.post("/open311/v2/requests.json", data={}) for _ in range(3)]
    assert [r.status_code for r in responses] == [403, 403, 429]
    assert responses[-1].get_json()[0]["code"] == 429  # GeoReport's error format


def test_api_reads_are_limited(client, orgs):
    statuses = [client.get("/api/v1/disclosures").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
