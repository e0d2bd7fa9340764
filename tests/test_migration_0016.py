"""Revision 0016 upgrades data in place and downgrades cleanly, on the engine under test."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db

NOT_EXIST_BODY = sa.text("SELECT body FROM reply_templates WHERE name = '信息不存在告知书'")


def _columns(table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(db.engine).get_columns(table)}


def test_downgrade_to_0013_and_back(app):
    db.session.remove()
    downgrade(revision="0013")
    with db.engine.connect() as connection:
        assert "第三十六条第四项" in connection.execute(NOT_EXIST_BODY).scalar_one()
    assert "fax" not in _columns("disclosure_guides")

    upgrade(revision="heads")
    with db.engine.connect() as connection:
        assert "第三十六条第（四）项" in connection.execute(NOT_EXIST_BODY).scalar_one()
    assert "fax" in _columns("disclosure_guides")


def test_a_rewritten_template_is_left_alone(app):
    db.session.remove()
    downgrade(revision="0013")
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE reply_templates SET body = '本地改写的告知书' "
                                   "WHERE name = '信息不存在告知书'"))
    upgrade(revision="heads")
    with db.engine.connect() as connection:
        assert connection.execute(NOT_EXIST_BODY).scalar_one() == "本地改写的告知书"
