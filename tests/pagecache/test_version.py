"""The version reader every cached answer asks first: what it reads is what committed,
whatever the tags' names, and a connection that breaks is replaced, not fatal."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.pagecache import version

ODD_TAGS = ['list:"quoted"', "back\\slash", "comma,inside", "{braces}", "space inside",
            "村务:双塔村", "doc:12"]


def _reader():
    return version.VersionReader(lambda: db.engine)


def test_tags_read_back_as_written_whatever_their_names(app):
    with db.engine.begin() as connection:
        version.bump_tags(connection, ODD_TAGS)
        version.bump_tags(connection, ODD_TAGS[:3])
    reader = _reader()
    try:
        for _ in range(3):  # the statement is prepared once, then reused
            current, tags = reader.read_tags([*ODD_TAGS, "never:bumped"])
            assert tags == {**dict.fromkeys(ODD_TAGS[:3], 2), **dict.fromkeys(ODD_TAGS[3:], 1)}
            assert (current, int(version.now_epoch()) + 5) >= reader.read() >= (current, 0)
        with db.engine.begin() as connection:
            version.bump_tags(connection, ["doc:12"])
        assert reader.read_tags(["doc:12"])[1] == {"doc:12": 2}
        assert reader.read_tags([]) == (reader.read()[0], {})
    finally:
        reader.release()


def test_a_broken_connection_costs_one_uncached_answer_then_is_replaced(app):
    reader = _reader()
    try:
        first = reader.read()
        assert first is not None
        reader._local.connection.driver_connection.close()  # as if the database had dropped it
        assert reader.read() is None  # served uncached, the page itself never fails
        assert reader.read() == first
        with db.engine.begin() as connection:
            version.bump_tags(connection, ["doc:1"])
        assert reader.read()[0] == first[0] + 1
        assert db.session.execute(sa.text("SELECT 1")).scalar() == 1
    finally:
        reader.release()
