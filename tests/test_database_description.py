"""PostgreSQL: what the driver tells about a result's columns is built only when read.

SQLAlchemy keeps each compiled statement's result columns and only asks whether a result
has rows; psycopg built a Column (name, type, size) for every column of every result to
answer that. The portal's cursors answer with a description that builds them when read,
and reads exactly what psycopg's own would."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import Column

from portal.extensions import db
from portal.organizations.models import Organization
from tests.conftest import PG_ADMIN_URL

pytestmark = pytest.mark.skipif(not PG_ADMIN_URL, reason="psycopg's cursor description")

STATEMENTS = (
    "SELECT id, slug, name, kind, active FROM organizations ORDER BY id LIMIT 2",
    "SELECT 1 AS one, 'x'::varchar(7) AS seven, 2.5::numeric(4, 1) AS ratio, NULL AS nothing",
    "SELECT",  # a result with rows but no columns
    "SELECT id FROM organizations WHERE false",
    "UPDATE organizations SET name = name WHERE false",  # no rows at all
)


def _plain(description) -> list | None:
    if description is None:
        return None
    return [(c.name, c.type_code, c.display_size, c.internal_size, c.precision, c.scale,
             c.null_ok, tuple(c)) for c in description]


def test_portal_cursors_describe_every_result_as_psycopg_does(app, orgs):
    portal_connection = db.session.connection().connection.driver_connection
    plain = psycopg.connect(str(db.engine.url.set(drivername="postgresql")
                                .render_as_string(hide_password=False)))
    try:
        with portal_connection.cursor() as ours, plain.cursor() as theirs:
            for statement in STATEMENTS:
                ours.execute(statement)
                theirs.execute(statement)
                assert _plain(ours.description) == _plain(theirs.description), statement
                if theirs.description is not None:
                    assert len(ours.description) == len(theirs.description)
                    assert [c.name for c in ours.description[::-1]] == [
                        c.name for c in theirs.description[::-1]]
    finally:
        plain.close()
        db.session.rollback()


def test_a_description_still_describes_its_result_after_the_cursor_moves_on(app, orgs):
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute("SELECT id, slug FROM organizations LIMIT 1")
    first = cursor.description
    cursor.execute("SELECT 1 AS other")
    assert [c.name for c in first] == ["id", "slug"]
    assert [c.name for c in cursor.description] == ["other"]
    db.session.rollback()


def test_compiled_statements_build_no_columns(app, orgs, monkeypatch):
    """The ORM's reads and writes use the columns SQLAlchemy kept; raw SQL still gets
    its columns by name."""
    def slugs() -> list[str]:
        return list(db.session.scalars(sa.select(Organization.slug).order_by(Organization.id)))

    slugs()  # compiled, and its result columns kept, on the first run
    built = []
    original = Column.__init__

    def counted(self, cursor, index):
        built.append(index)
        original(self, cursor, index)

    monkeypatch.setattr(Column, "__init__", counted)
    assert slugs() and built == []
    row = db.session.execute(sa.text("SELECT 7 AS seven, 'x' AS letter")).one()
    assert (row.seven, row.letter) == (7, "x")
    assert built == [0, 1]
    db.session.rollback()
