"""A database that cannot serve a request right now — its write lock held elsewhere past
the wait limit, or the server gone — answers 503 with Retry-After and a Chinese page,
never a 500, and nothing of the refused request is stored."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from portal.inquiries import tracking
from portal.inquiries.models import Inquiry
from tests.conftest import PG_ADMIN_URL

FORM = {"type": "consult",
        "place": "town:shuangta", "title": "低保怎么申请", "body": "想问问需要哪些材料。",
        "contact_name": "王大爷", "contact_phone": "13812345678", "website": ""}


@pytest.fixture
def app_config(app_config):
    if PG_ADMIN_URL:  # the app gives up waiting for a table lock after half a second
        app_config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app_config["SQLALCHEMY_ENGINE_OPTIONS"],
            "connect_args": {"options": "-c lock_timeout=500"}}
    else:
        app_config["SQLITE_BUSY_TIMEOUT_MS"] = 300
    return app_config


@contextmanager
def write_lock_held_elsewhere(database_url: str):
    """Another connection holds the lock every writer needs until the block ends."""
    if PG_ADMIN_URL:
        engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN")
            conn.exec_driver_sql("LOCK TABLE inquiry_sequences IN ACCESS EXCLUSIVE MODE")
            conn.exec_driver_sql("LOCK TABLE inquiries IN ACCESS EXCLUSIVE MODE")
            yield
            conn.exec_driver_sql("ROLLBACK")
        engine.dispose()
    else:
        path = sa.engine.make_url(database_url).database
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()


def _count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Inquiry))


def test_submission_while_database_is_locked_gets_503_and_stores_nothing(
        client, orgs, database_url):
    db.session.commit()
    with write_lock_held_elsewhere(database_url):
        form = {**FORM, "submission_token": tracking.new_submission_token()}
        response = client.post("/inquiries/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "系统繁忙" in page and "请稍等片刻后重新提交" in page
    assert _count() == 0
    # Once the lock is gone the same form goes through: the resident's retry works.
    retry = client.post("/inquiries/new", data=form)
    assert retry.status_code == 200 and "您的留言已受理" in retry.get_data(as_text=True)
    assert _count() == 1


def test_lost_database_connection_gets_503_not_500(app, client, monkeypatch):
    from portal.inquiries import public_views

    def connection_lost():
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(public_views, "_place_choices", connection_lost)
    response = client.get("/inquiries/new")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "系统繁忙" in response.get_data(as_text=True)


def test_connection_lost_while_closing_the_session_still_sends_the_page(
        app_config, orgs, monkeypatch):
    """The page was read in full, then the server went away before the session closed
    (a PostgreSQL restart): the page is still sent, not replaced by a 500."""
    db.session.commit()
    fresh = create_app(app_config)  # no app context kept open, so teardown runs per request
    original_close = sa.orm.Session.close

    def close_on_dead_connection(session):
        original_close(session)
        raise sa.exc.OperationalError("ROLLBACK", {}, Exception("terminating connection"))

    monkeypatch.setattr(sa.orm.Session, "close", close_on_dead_connection)
    response = fresh.test_client().get("/inquiries/new")
    assert response.status_code == 200
    assert "我要留言" in response.get_data(as_text=True)


@pytest.mark.skipif(bool(PG_ADMIN_URL), reason="SQLite's write lock")
def test_read_only_commands_leave_the_write_lock_to_the_site(app, runner):
    """`flask audit verify` on a live site reads inside one deferred transaction, so a
    resident's submission is not kept waiting for the whole check."""
    from portal.database import read_only

    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")

    def writer_can_start() -> bool:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()

    db.session.execute(select(func.count()).select_from(Inquiry))
    assert not writer_can_start(), "an ordinary command transaction holds the write lock"
    db.session.rollback()
    with read_only():
        db.session.execute(select(func.count()).select_from(Inquiry))
        assert writer_can_start()
        db.session.rollback()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "审计链完好" in result.output


def test_reads_first_keep_what_they_loaded_and_refuse_to_change_anything(app, orgs):
    """The reads before a write end their own transaction: what they loaded stays usable
    without being read again, and a read phase that changed something is refused and
    rolled back, never committed."""
    from portal.database import reads_first
    from portal.organizations.models import Organization

    db.session.rollback()
    with reads_first():
        town = db.session.scalar(select(Organization).where(Organization.slug == "shuangta"))
    assert not db.session().in_transaction()
    statements = []
    sa.event.listen(db.engine, "before_cursor_execute",
                    lambda *args: statements.append(args[2]))
    assert town.name and town.path  # no refresh: still loaded
    assert statements == []

    with pytest.raises(RuntimeError), reads_first():
        town.name = "改过的名字"
    db.session.rollback()
    assert db.session.get(Organization, town.id).name != "改过的名字"


def test_reads_first_inside_a_transaction_is_that_transaction(app, orgs):
    from portal.database import reads_first
    from portal.organizations.models import Organization

    town = db.session.scalar(select(Organization).where(Organization.slug == "shuangta"))
    before, town.name = town.name, "双塔镇（新）"
    with reads_first():
        db.session.scalar(select(func.count()).select_from(Inquiry))
    assert db.session().in_transaction()  # not ended, not committed, nothing refused
    db.session.rollback()
    assert db.session.get(Organization, town.id).name == before



def test_reads_first_on_a_lost_connection_raises_the_database_error(app, orgs):
    """The server went away during the reads before a resident's submission (a PostgreSQL
    restart): the reads' transaction is rolled back, not committed on the dead
    connection, so the database's own error reaches the handler that answers 503 ("try
    again"), instead of a PendingRollbackError from a commit that could never succeed,
    which was a 500."""
    from portal.database import reads_first

    db.session.rollback()
    lost = sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))
    with pytest.raises(sa.exc.OperationalError) as raised, reads_first():
        db.session.execute(select(1))
        db.session.connection().invalidate()  # what SQLAlchemy does when the server dies
        raise lost
    assert raised.value is lost
    assert not db.session().in_transaction()
    assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 0  # usable again


def test_any_failure_caused_by_a_lost_connection_is_a_503(app, client, monkeypatch):
    """Whatever a view does after the server went away (here: commit on the dead
    connection, which SQLAlchemy refuses with PendingRollbackError), the resident gets
    the 503 page; the same refusal with no lost connection behind it is a defect: 500."""
    from portal.inquiries import public_views

    def commit_after_connection_lost():
        try:
            db.session.execute(select(1))
            db.session.connection().invalidate()
            raise sa.exc.OperationalError("SELECT", {}, Exception("server closed"))
        finally:
            db.session.commit()

    monkeypatch.setattr(public_views, "_place_choices", commit_after_connection_lost)
    response = client.get("/inquiries/new")
    assert response.status_code == 503 and "系统繁忙" in response.get_data(as_text=True)

    def commit_on_an_invalidated_connection():
        db.session.execute(select(1))
        db.session.connection().invalidate()
        db.session.commit()

    monkeypatch.setattr(public_views, "_place_choices", commit_on_an_invalidated_connection)
    assert client.get("/inquiries/new").status_code == 500
