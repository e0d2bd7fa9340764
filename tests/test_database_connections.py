"""PostgreSQL connections: a connection the server dropped (a restart, an idle timeout, an
administrator) is replaced before a request uses it, and the anonymous public pages read
without a transaction of their own while every other request keeps its transaction."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.extensions import db
from portal.organizations.models import Organization
from tests.conftest import PG_ADMIN_URL

pytestmark = pytest.mark.skipif(not PG_ADMIN_URL, reason="PostgreSQL's server connections")

APP_NAME = "portal_under_test"


@pytest.fixture
def portal(app_config, orgs, make_user):
    """A second app on the same database, its connections named so the test can find
    them on the server; no app context kept open, so each request ends its session."""
    db.session.commit()
    make_user("clerk")
    url = sa.engine.make_url(app_config["SQLALCHEMY_DATABASE_URI"])
    config = {**app_config, "SQLALCHEMY_DATABASE_URI": url.update_query_dict(
        {"application_name": APP_NAME}).render_as_string(hide_password=False)}
    fresh = create_app(config)
    yield fresh
    with fresh.app_context():
        db.engine.dispose()


def _server_sessions(database_url: str, sql: str) -> int:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool,
                              isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            return len(conn.exec_driver_sql(sql, {"name": APP_NAME}).all())
    finally:
        engine.dispose()


def _drop_all(database_url: str) -> int:
    """Terminate the portal's server sessions and wait until they are gone: the server
    has dropped every pooled connection, as a restart does."""
    dropped = _server_sessions(database_url, "SELECT pg_terminate_backend(pid) FROM "
                               "pg_stat_activity WHERE application_name = %(name)s")
    deadline = time.monotonic() + 10
    while _server_sessions(database_url, "SELECT pid FROM pg_stat_activity "
                           "WHERE application_name = %(name)s"):
        assert time.monotonic() < deadline, "the server kept the sessions"
        time.sleep(0.02)
    return dropped


def test_connections_the_server_dropped_are_replaced_before_use(portal, database_url):
    client = portal.test_client()
    for _round in range(2):
        assert client.get("/disclosures/").status_code == 200
        assert client.get("/inquiries/new").status_code == 200
        response = client.post("/login", data={"username": "clerk",
                                               "password": "Passw0rd!demo"})
        assert response.status_code == 302
        assert client.post("/logout").status_code == 302
        assert _drop_all(database_url) >= 1  # every pooled connection is dead now


def test_a_public_page_leaves_no_connection_without_its_transaction(portal):
    """The list page read in autocommit; the next request that draws the same pooled
    connection writes inside a transaction, so a failure rolls all of it back."""
    client = portal.test_client()
    assert client.get("/disclosures/").status_code == 200
    with portal.app_context():
        connection = db.engine.raw_connection()
        try:
            assert connection.driver_connection.autocommit is False
        finally:
            connection.close()
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            assert conn.connection.driver_connection.info.transaction_status.name == "INTRANS"


def test_a_public_page_may_not_write(portal, orgs):
    """A page the cache may answer without running its view cannot depend on the view
    writing: a write there is refused and nothing of it is stored."""
    town_id = orgs["town"].id

    def listing_that_writes():
        db.session.get(Organization, town_id).name = "不该写入"
        db.session.flush()
        return "写了"

    portal.view_functions["disclosures.listing"] = listing_that_writes
    portal.config["PROPAGATE_EXCEPTIONS"] = False
    response = portal.test_client().get("/disclosures/")
    assert response.status_code == 500
    with portal.app_context():
        assert db.session.get(Organization, town_id).name == "双塔镇"


def test_a_refusal_on_a_public_page_is_recorded_in_a_transaction(portal, orgs):
    """The page read (without a transaction), then refused in a way worth auditing: the
    error page records the refusal in a transaction of its own, and answers 400."""
    from portal.audit.models import AuditEvent, RefusalTally
    from portal.errors import ValidationError

    town_id = orgs["town"].id

    def listing_that_refuses():
        db.session.get(Organization, town_id)
        raise ValidationError("参数不合法。", audit_action="disclosures.listing")

    portal.view_functions["disclosures.listing"] = listing_that_refuses
    response = portal.test_client().get("/disclosures/")
    assert response.status_code == 400
    assert "参数不合法" in response.get_data(as_text=True)
    with portal.app_context():
        assert db.session.scalar(sa.select(RefusalTally.count)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "disclosures.listing")) == 1
