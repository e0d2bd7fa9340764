"""Fixtures: a fresh, migrated database per test, on SQLite or (in CI) PostgreSQL.

Set PORTAL_TEST_DATABASE_URL to a PostgreSQL server's admin URL (for example
`postgresql+psycopg://postgres@127.0.0.1:5433/postgres`) to run the suite on PostgreSQL;
each xdist worker then gets its own database cloned from a migrated template, and every test
starts from that template's exact state (tests/pgdb.py).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, request_started
from flask_migrate import upgrade

from portal import create_app
from portal.auth import totp
from portal.auth.models import Role, User
from portal.extensions import db
from portal.organizations.models import Organization, OrgKind
from portal.organizations.services import build_organization
from tests.pgdb import WorkerDatabase

MFA_ROLES = (Role.ADMIN, Role.INSPECTOR)

# The tests run the portal in development mode (a generated secret key is fine there).
os.environ.setdefault("PORTAL_ENV", "development")
PG_ADMIN_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")
# Browser tests need Chromium and take a while: `make test-e2e` runs them.
collect_ignore_glob = [] if os.environ.get("PORTAL_E2E") else ["e2e/*"]
# One template per xdist worker: two workers creating the same database at once collide.
TEMPLATE_DB = f"portal_test_template_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def _base_config(tmp: Path, url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "UPLOAD_FOLDER": str(tmp / "uploads"),
        "WTF_CSRF_ENABLED": False,
        # Hashing strength is not under test; scrypt per user made the suite 2× slower.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
    }


def _pg_url(name: str) -> str:
    return sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(
        hide_password=False)


def _pg_admin_execute(*statements: str) -> None:
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT",
                              poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """Run every migration once; tests copy the result instead of migrating again."""
    tmp = tmp_path_factory.mktemp("template")
    os.environ.setdefault("PORTAL_INSTANCE_PATH", str(tmp / "instance"))
    if PG_ADMIN_URL:
        _pg_admin_execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)",
                          f"CREATE DATABASE {TEMPLATE_DB}")
        url = _pg_url(TEMPLATE_DB)
    else:
        url = f"sqlite:///{tmp / 'template.db'}"
    app = create_app(_base_config(tmp, url))
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    yield tmp / "template.db"
    if PG_ADMIN_URL:
        _pg_admin_execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)")


@pytest.fixture(scope="session")
def worker_database(migrated_template):
    """PostgreSQL only: this xdist worker's database, reset to the template after each test."""
    database = WorkerDatabase(f"portal_test_{os.getpid()}", TEMPLATE_DB,
                              _pg_admin_execute, _pg_url)
    yield database
    database.drop()


@pytest.fixture
def database_url(migrated_template, tmp_path, request):
    if PG_ADMIN_URL:
        database = request.getfixturevalue("worker_database")
        yield database.url()
        database.reset()
    else:
        target = tmp_path / "test.db"
        shutil.copyfile(migrated_template, target)
        yield f"sqlite:///{target}"


@pytest.fixture
def app_config(tmp_path, database_url) -> dict:
    """Override in a test module to change settings for its app."""
    return _base_config(tmp_path, database_url)


def _fresh_g_per_request(sender, **_extra):
    """Test requests reuse the fixture's app context (Flask does that when one is already
    pushed), so `g` — and Flask-Login's cached user in it — would leak from one request to
    the next. In production every request has its own; give tests the same."""
    g.__dict__.clear()


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    request_started.connect(_fresh_g_per_request, app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def orgs(app):
    """民权县 → 双塔镇 (with 党政办、财政所 and two villages) and a second town 花园乡."""
    county = build_organization(name="民权县", slug="minquan", kind=OrgKind.COUNTY, parent=None,
                                credit_code="114114210053408173")
    town = build_organization(name="双塔镇", slug="shuangta", kind=OrgKind.TOWN, parent=county,
                              credit_code="114114210053411237")
    office = build_organization(name="党政办公室", slug="shuangta-office",
                                kind=OrgKind.DEPARTMENT, parent=town)
    finance = build_organization(name="财政所", slug="shuangta-finance",
                                 kind=OrgKind.DEPARTMENT, parent=town)
    village_a = build_organization(name="双塔村", slug="shuangta-cun", kind=OrgKind.VILLAGE,
                                   parent=town)
    village_b = build_organization(name="王堂村", slug="wangtang", kind=OrgKind.VILLAGE,
                                   parent=town)
    other_town = build_organization(name="花园乡", slug="huayuan", kind=OrgKind.TOWN,
                                    parent=county, credit_code="11411421005342210R")
    db.session.commit()
    return {"county": county, "town": town, "office": office, "finance": finance,
            "village_a": village_a, "village_b": village_b, "other_town": other_town}


@pytest.fixture
def make_user(app):
    """make_user("name", (Role.EDITOR, org), ...) → a committed user with those grants."""
    from portal.auth import grants as role_grants
    from portal.auth.models import RoleGrant

    def factory(username: str, *grants: tuple[Role, Organization],
                password: str = "Passw0rd!demo") -> User:
        user = User(username=username, display_name=username)
        user.set_password(password)
        for role, org in grants:  # fixtures obey the levels a role may be granted at
            assert role_grants.refusal(role, org) is None, role_grants.refusal(role, org)
        user.grants = [RoleGrant(role=role, organization=org) for role, org in grants]
        if any(role in MFA_ROLES for role, _org in grants):
            user.totp_secret = totp.new_secret()  # enrolled, as they must be to sign in
        db.session.add(user)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def login(client):
    """login(user) signs the test client in through the real login form."""

    def do_login(user: User, password: str = "Passw0rd!demo"):
        response = client.post("/login", data={"username": user.username,
                                               "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        if response.headers["Location"].endswith("/login/verify"):
            response = client.post("/login/verify", data={"code": next_totp_code(user)})
            assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do_login


def next_totp_code(user: User) -> str:
    """A code the server will accept for `user`: the current step's, or the next one's when
    that was used (each step's code is good once). Never the previous step's: the clock
    may pass a step boundary before the server checks it."""
    db.session.refresh(user)
    now = totp.current_step()
    for step in (now, now + 1):
        if user.totp_last_step is None or step > user.totp_last_step:
            return totp.code_at(user.totp_secret, step)
    raise AssertionError(f"{user.username} signed in more than twice within 30 seconds")
