"""Who hears of a decision awaiting publication: the reviewers' work queue and reminder,
and the inspectors' list of late publications."""

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.notifications import reminders
from portal.notifications.models import Channel, Notification
from portal.staff.worklist import work_queue
from tests.inquiries.timetravel import beijing


def test_the_reviewer_sees_a_decision_awaiting_publication_in_the_work_queue(app, record,
                                                                           staff):
    decision = record()

    with app.test_request_context():
        sections = work_queue(staff["reviewer"])
    section = next(s for s in sections if s.role.value == "reviewer")

    item = next(i for i in section.items if decision.document_number in i.title)
    assert item.kind == "行政处罚决定待公示" and item.due == date(2026, 3, 11)
    assert item.mark == "soon"


def test_reviewers_are_reminded_two_working_days_before_the_deadline(record, staff, travel):
    record()  # due Wednesday 2026-03-11
    travel.set(beijing(date(2026, 3, 6), 9))  # Friday: three working days left
    reminders.sweep()
    assert _told() == []

    travel.set(beijing(date(2026, 3, 9), 9))  # Monday: two left
    reminders.sweep()
    reminders.sweep()
    assert _told() == ["reviewer"]  # once, never the author


def _told() -> list[str]:
    return [n.user.username for n in db.session.scalars(select(Notification).where(
        Notification.kind == "enforcement_publish_due", Notification.channel == Channel.INAPP))]


def test_inspectors_see_late_and_still_unpublished_decisions(client, login, record, staff,
                                                             travel):
    on_time = record(publish=True)
    late = record(document_number="双塔综执罚〔2026〕2号")
    waiting = record(document_number="双塔综执罚〔2026〕3号")
    travel.set(beijing(date(2026, 3, 13)))
    from portal.enforcement import services

    services.publish_decision(staff["reviewer"], late.id)
    login(staff["inspector"])

    html = client.get("/inspect/?year=2026").get_data(as_text=True)
    section = html.split('id="h-late-decisions"')[1].split("</section>")[0]

    assert late.document_number in section and waiting.document_number in section
    assert on_time.document_number not in section
    assert "未公示" in section
    assert client.get(f"/staff/enforcement/decisions/{late.id}").status_code == 200
