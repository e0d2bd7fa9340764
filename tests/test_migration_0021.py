"""Revision 0021 renames the seeded reply templates' placeholders to the names the reply
form fills, and back on downgrade, on the engine under test."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db

BODY = sa.text("SELECT body FROM reply_templates WHERE name = :name")


def _body(name: str) -> str:
    with db.engine.connect() as connection:
        return connection.execute(BODY, {"name": name}).scalar_one()


def test_placeholders_are_renamed_and_back(app):
    db.session.remove()
    assert "{联系电话}" in _body("咨询答复") and "{受理编号}" in _body("予以公开告知书")
    downgrade(revision="0020")
    assert "{电话}" in _body("咨询答复") and "{联系电话}" not in _body("咨询答复")
    assert "{日期}" in _body("予以公开告知书") and "{编号}" in _body("予以公开告知书")
    upgrade(revision="heads")
    assert "{联系电话}" in _body("咨询答复") and "{单位}" in _body("咨询答复")
    assert "{受理日期}" in _body("予以公开告知书") and "{受理编号}" in _body("予以公开告知书")
