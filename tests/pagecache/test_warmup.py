"""gunicorn's master warms the portal before it forks (`portal.warmup`): every template is
compiled and the most read public pages are rendered once, and the workers inherit no
page and no open database handle. On a database that is not migrated it logs and lets
gunicorn start all the same."""

from __future__ import annotations

import logging

import pytest

from portal import create_app
from portal.extensions import db
from portal.warmup import _public_paths, warm
from tests.pagecache.querycount import counting_queries


@pytest.fixture
def published_world(published, published_notice):
    return published(title="第三批低保名单"), published_notice()


def _reader_connection(app):
    _store, reader, _today = app.extensions["pagecache"]
    return getattr(reader._local, "connection", None)


def test_every_template_is_compiled_and_every_warmed_page_rendered(app, published_world,
                                                                   caplog):
    caplog.set_level(logging.INFO, logger="portal.warmup")
    warm(app)
    names = app.jinja_env.list_templates(extensions=("html", "xml", "txt"))
    assert len(app.jinja_env.cache) >= len(names) > 50
    paths = _public_paths(app)
    document, _notice = published_world
    assert f"/disclosures/{document.id}" in paths
    assert [p for p in paths if p.startswith("/villages/") and p != "/villages/"]
    # each page twice, every answer a 200: nothing the workers serve first is broken
    assert f"{2 * len(paths)} page requests" in caplog.text
    assert "failed" not in caplog.text


def test_the_workers_inherit_no_page_and_no_connection(app, client, published_world):
    document, _notice = published_world
    document_id, title = document.id, document.title  # read now: later reads would query
    db.session.commit()  # and let go of the database before the warm-up
    warm(app)
    store, _reader, _today = app.extensions["pagecache"]
    assert not store._entries
    assert _reader_connection(app) is None
    # what a forked worker sees first: the pages the master rendered, from the page files,
    # not rendered again
    with counting_queries() as statements:
        page = client.get(f"/disclosures/{document_id}")
    assert page.status_code == 200 and title in page.get_data(as_text=True)
    assert statements == []


def test_an_unmigrated_database_does_not_stop_the_server(tmp_path, caplog):
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}",
                      "RATELIMIT_ENABLED": False})
    caplog.set_level(logging.INFO, logger="portal.warmup")
    warm(app)  # does not raise
    assert "warm-up skips the database's pages" in caplog.text
    assert "warmed" in caplog.text


def test_with_trusted_hosts_the_pages_of_the_sites_own_host_are_warmed(app_config,
                                                                       published_world,
                                                                       caplog):
    """In production TRUSTED_HOSTS names the site: the warm-up asks as that host (a
    request for "localhost" would be refused), so the pages residents get are the ones
    rendered, and the inspectors' dashboards are computed too."""
    site = create_app(dict(app_config, TRUSTED_HOSTS=[".gk.example.gov.cn"]))
    caplog.set_level(logging.INFO)
    with site.app_context():
        warm(site)
        paths = _public_paths(site)
        assert f"{2 * len(paths)} page requests" in caplog.text
        assert "failed" not in caplog.text  # nor the inspectors' dashboards
        site.extensions["sqlalchemy"].engines[None].dispose()
