"""The content generation nginx files public pages under (portal/pagecache/generation.py):
what the app answers nginx's question with, and when it lets nginx keep a page until the
day ends instead of for under a second."""

from __future__ import annotations

import time

import pytest

from portal import create_app
from portal.disclosures import services
from portal.extensions import db
from portal.pagecache.store import LocalDay

GENERATION = "/_portal/generation"


def _expiry(response) -> int:
    values = response.headers.get_all("X-Accel-Expires")
    assert len(values) == 1 and values[0].startswith("@"), values
    return int(values[0][1:])


def _midnight() -> int:
    return int(LocalDay().at(time.time()).end)


@pytest.fixture
def behind_nginx(app_config):
    """A test client of the app as deployed behind the shipped nginx.conf
    (PORTAL_PROXY_CACHE_GENERATIONS=1)."""
    app = create_app(dict(app_config, PROXY_CACHE_GENERATIONS=True))
    with app.app_context():
        yield app.test_client()
        db.engine.dispose()


def test_the_generation_is_the_content_version_and_the_day_and_moves_with_a_change(
        client, published, staff):
    doc = published()
    first = client.get(GENERATION)
    assert first.status_code == 200 and first.get_data() == b""
    generation = first.headers["X-Portal-Generation"]
    version, day = generation.split(".")
    assert int(version) > 0 and day == LocalDay().at(time.time()).iso
    assert client.get(GENERATION).headers["X-Portal-Generation"] == generation
    # nginx keeps the answer until the end of this second (the default of 1), browsers never
    assert int(time.time()) - 1 <= _expiry(first) <= int(time.time())
    assert first.headers["Cache-Control"] == "no-store"

    services.withdraw(staff["reviewer"], doc.id, "名单有误")
    assert client.get(GENERATION).headers["X-Portal-Generation"] != generation


def test_with_no_proxy_seconds_nginx_keeps_no_generation(app_config):
    app = create_app(dict(app_config, PROXY_CACHE_SECONDS=0))
    with app.app_context():
        answer = app.test_client().get(GENERATION)
        assert answer.status_code == 200 and answer.headers["X-Portal-Generation"]
        assert "X-Accel-Expires" not in answer.headers  # asked again for every request
        db.engine.dispose()


def test_a_page_filed_under_the_current_generation_is_kept_until_midnight(
        behind_nginx, published):
    path = f"/disclosures/{published().id}"
    generation = behind_nginx.get(GENERATION).headers["X-Portal-Generation"]
    filed = {"X-Portal-Generation": generation}
    rendered = behind_nginx.get(path, headers=filed)  # rendered by Flask
    stored = behind_nginx.get(path, headers=filed)  # from the stored page (WSGI)
    revalidated = behind_nginx.get(path, headers={**filed,
                                                  "If-None-Match": rendered.headers["ETag"]})
    assert [rendered.status_code, stored.status_code, revalidated.status_code] \
        == [200, 200, 304]
    for response in (rendered, stored, revalidated):
        assert _expiry(response) == _midnight()
    assert stored.get_data() == rendered.get_data()


def test_any_other_request_gets_the_one_second_microcache(behind_nginx, published, staff):
    """An nginx that files pages by URL alone sends no generation, or one it did not get
    from us: it must never keep a page until midnight."""
    doc = published()
    path = f"/disclosures/{doc.id}"
    old = behind_nginx.get(GENERATION).headers["X-Portal-Generation"]
    published(title="又一份文件")  # the generation moves
    for headers in ({}, {"X-Portal-Generation": old},
                    {"X-Portal-Generation": "999999." + old.split(".")[1]}):
        for _ in range(2):  # rendered, then stored
            response = behind_nginx.get(path, headers=headers)
            assert response.status_code == 200
            assert int(time.time()) - 1 <= _expiry(response) <= int(time.time()), headers
    # the JSON API is not a stored page: the microcache, whatever nginx says
    current = behind_nginx.get(GENERATION).headers["X-Portal-Generation"]
    api = behind_nginx.get(f"/api/v1/disclosures/{doc.id}",
                           headers={"X-Portal-Generation": current})
    assert _expiry(api) <= int(time.time())


def test_without_the_setting_no_page_is_kept_past_the_second(client, published):
    """The default: the app cannot know how nginx files pages, so a generation in the
    request changes nothing."""
    path = f"/disclosures/{published().id}"
    generation = client.get(GENERATION).headers["X-Portal-Generation"]
    for _ in range(2):
        response = client.get(path, headers={"X-Portal-Generation": generation})
        assert _expiry(response) <= int(time.time())


def test_the_generation_is_answered_with_the_page_cache_off(app_config):
    app = create_app(dict(app_config, PAGE_CACHE_ENABLED=False,
                          PROXY_CACHE_GENERATIONS=True))
    with app.app_context():
        browser = app.test_client()
        generation = browser.get(GENERATION).headers["X-Portal-Generation"]
        page = browser.get("/", headers={"X-Portal-Generation": generation})
        assert page.status_code == 200 and "X-Accel-Expires" not in page.headers
        db.engine.dispose()


def test_without_the_content_version_nginx_gets_a_generation_it_never_finds(app, client,
                                                                          published):
    """The database down: nginx must not serve a copy it cannot vouch for, nor answer
    with an error of its own; each request gets a generation nothing is filed under."""
    published()
    reader = app.extensions["pagecache"][1]
    current = client.get(GENERATION).headers["X-Portal-Generation"]
    reader.read = lambda: None
    answers = [client.get(GENERATION) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [200, 200]
    generations = {answer.headers["X-Portal-Generation"] for answer in answers}
    assert len(generations) == 2 and current not in generations
    assert all("X-Accel-Expires" not in answer.headers for answer in answers)


def test_only_a_get_is_the_generation_question(client):
    assert client.post(GENERATION).status_code in (400, 404, 405)
    assert "X-Portal-Generation" not in client.post(GENERATION).headers


def test_a_workers_first_request_may_be_the_generation_question(app_config):
    """A freshly forked worker is asked by nginx before it has served any page: the
    answer is the real generation, not the one used once."""
    fresh = create_app(app_config)
    answer = fresh.test_client().get(GENERATION)  # outside any application context
    assert answer.headers["X-Portal-Generation"].split(".")[0].isdigit()
    assert "X-Accel-Expires" in answer.headers
    with fresh.app_context():
        db.engine.dispose()
