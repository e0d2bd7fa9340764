"""督办: issued by an inspector, answered by the office, timeliness on record."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.errors import PermissionDenied, ValidationError
from portal.extensions import db
from portal.inspection import supervision
from tests.inquiries.timetravel import beijing


def test_notice_goes_first_in_the_handlers_queue_and_must_be_answered(
        client, login, year_of_work, inspector, handlers, travel):
    overdue = year_of_work["D"]
    notice = supervision.issue_for_inquiry(inspector, overdue.id, "请立即签收办理并说明超期原因。",
                                           date(2026, 4, 13))
    login(handlers["handler"])
    queue = client.get("/staff/inquiries/").get_data(as_text=True)
    assert queue.index("纪委督办") < queue.index("办理队列")
    assert "请立即签收办理并说明超期原因" in queue
    travel.set(beijing(date(2026, 4, 14), 9))  # one day late
    response = client.post(f"/inspect/supervision/{notice.id}/answer",
                           data={"answer": "已签收，系值班人员疏忽。", "next": "/staff/inquiries/"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/inquiries/"
    db.session.refresh(notice)
    assert notice.answered_on_time is False
    assert [e.action for e in overdue.events][-2:] == ["supervise", "supervise_answer"]
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("supervision.%")))]
    assert actions == ["supervision.issue", "supervision.answer"]


def test_only_inspectors_of_the_subtree_issue_and_only_the_office_answers(
        year_of_work, inspector, handlers, make_user, orgs):
    from portal.auth.models import Role

    with pytest.raises(PermissionDenied):
        supervision.issue_for_inquiry(handlers["handler"], year_of_work["D"].id, "x",
                                      date(2026, 4, 20))
    db.session.rollback()
    outsider = make_user("outsider-jj", (Role.INSPECTOR, orgs["other_town"]))
    with pytest.raises(PermissionDenied):
        supervision.issue_for_inquiry(outsider, year_of_work["D"].id, "x", date(2026, 4, 20))
    db.session.rollback()
    notice = supervision.issue_for_inquiry(inspector, year_of_work["D"].id, "请说明",
                                           date(2026, 4, 20))
    with pytest.raises(PermissionDenied):
        supervision.answer(handlers["other_handler"], notice.id, "不是我们的")


def test_due_date_must_be_reasonable(year_of_work, inspector, travel):
    today = date(2026, 4, 10)
    with pytest.raises(ValidationError, match="不能早于今天"):
        supervision.issue_for_inquiry(inspector, year_of_work["D"].id, "x",
                                      today - timedelta(days=1))
    with pytest.raises(ValidationError, match="90 天"):
        supervision.issue_for_inquiry(inspector, year_of_work["D"].id, "x",
                                      today + timedelta(days=91))


def test_village_posting_supervision_is_answered_by_the_clerk(client, login, inspector, orgs,
                                                              make_user, travel):
    from portal.auth.models import Role

    clerk = make_user("cunwu", (Role.VILLAGE_CLERK, orgs["village_b"]))
    notice = supervision.issue_for_village(inspector, orgs["village_b"],
                                           "王堂村村务公开：2026年第1季度未公开", "请尽快公开。",
                                           date(2026, 4, 20))
    assert supervision.open_for(clerk) == [notice]
    supervision.answer(clerk, notice.id, "已于今日公开。")
    assert notice.answered_on_time is True
