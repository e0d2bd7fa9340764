"""Revision 0016 upgrades data in place and downgrades cleanly, on the engine under test."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from portal.inquiries import submission, tracking
from portal.inquiries.models import InquiryType

NOT_EXIST_BODY = sa.text("SELECT body FROM reply_templates WHERE name = '信息不存在告知书'")


def _columns(table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(db.engine).get_columns(table)}


def test_downgrade_to_0015_and_back(app):
    db.session.remove()
    downgrade(revision="0015")
    with db.engine.connect() as connection:
        assert "第三十六条第四项" in connection.execute(NOT_EXIST_BODY).scalar_one()
    assert "fax" not in _columns("disclosure_guides")

    upgrade(revision="heads")
    with db.engine.connect() as connection:
        assert "第三十六条第（四）项" in connection.execute(NOT_EXIST_BODY).scalar_one()
    assert "fax" in _columns("disclosure_guides")


def test_a_rewritten_template_is_left_alone(app):
    db.session.remove()
    downgrade(revision="0015")
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE reply_templates SET body = '本地改写的告知书' "
                                   "WHERE name = '信息不存在告知书'"))
    upgrade(revision="heads")
    with db.engine.connect() as connection:
        assert connection.execute(NOT_EXIST_BODY).scalar_one() == "本地改写的告知书"


def _work_order(orgs, title: str):
    return submission.submit(submission.InquiryInput(
        type=InquiryType.CONSULT, title=title, body="正文", contact_name="甲",
        contact_phone="13812345678", organization=orgs["town"]),
        tracking.new_submission_token()).inquiry


def test_reports_and_linked_reopenings_survive_a_round_trip(app, orgs):
    """With work orders referencing each other and a report on file, 0016 goes down and up
    again; existing reports come back as drafts."""
    original = _work_order(orgs, "原留言")
    again = _work_order(orgs, "重新办理")
    again.reopened_from_id = original.id
    town_id = orgs["town"].id
    db.session.commit()
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO annual_reports (organization_id, year, overview, problems, "
            "other_matters, figures, status, reopen_reason) "
            "VALUES (:org, 2025, '概述', '', '', '{}', 'finalized', '')"), {"org": town_id})

    downgrade(revision="0015")
    assert "reopened_from_id" not in _columns("inquiries")
    assert not {"status", "frozen", "finalized_by_id"} & _columns("annual_reports")
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM inquiries")).scalar_one() == 2
        assert connection.execute(sa.text(
            "SELECT overview FROM annual_reports")).scalar_one() == "概述"

    upgrade(revision="heads")
    with db.engine.connect() as connection:
        assert connection.execute(sa.text(
            "SELECT status, reopen_reason FROM annual_reports")).one() == ("draft", "")
        assert connection.execute(sa.text(
            "SELECT count(*) FROM inquiries WHERE reopened_from_id IS NULL")).scalar_one() == 2
