"""Open311 submissions and API reads are rate limited per client address."""

import pytest
from flask import request_started

from portal.extensions import db
from tests.open311.test_georeport import form


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_OPEN311_SUBMIT": "2 per minute",
            "RATELIMIT_OPEN311_REFUSED": "4 per minute", "RATELIMIT_API_READ": "3 per minute"}


def _end_lingering_unit_of_work(sender, **_extra):
    db.session.commit()  # as tests/ratelimit/conftest.py: free SQLite's write lock


@pytest.fixture
def app(app):
    request_started.connect(_end_lingering_unit_of_work, app)
    return app


def test_accepted_submissions_are_limited(client, api_key):
    _row, key = api_key
    responses = [client.post("/open311/v2/requests.json", data=form(key, description=f"咨询{n}"))
                 for n in range(3)]
    assert [r.status_code for r in responses] == [201, 201, 429]
    assert responses[-1].get_json()[0]["code"] == 429  # GeoReport's error format
    assert int(responses[-1].headers["Retry-After"]) > 0


def test_refused_submissions_count_apart_and_are_limited_too(client, api_key):
    _row, key = api_key
    refused = [client.post("/open311/v2/requests.json", data=form(key, phone="12345"))
               for _ in range(3)]
    assert [r.status_code for r in refused] == [400, 400, 400]
    # Three refusals used none of the two accepted places.
    assert client.post("/open311/v2/requests.json", data=form(key)).status_code == 201
    statuses = [client.post("/open311/v2/requests.json", data={}).status_code for _ in range(2)]
    assert statuses == [403, 429]


def test_api_reads_are_limited(client, orgs):
    statuses = [client.get("/api/v1/disclosures").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
