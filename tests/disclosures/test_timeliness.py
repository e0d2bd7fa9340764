"""条例第二十六条: published within 20 working days of the information being formed."""

from datetime import date, datetime

from portal.auth.models import Role
from portal.auth.system import SYSTEM
from portal.disclosures import services
from portal.timeutil import LOCAL_TZ
from portal.workdays import services as calendar_services


def _publish_at(staff, draft_input, formed_on: date, when: datetime):
    draft = services.create_draft(staff["editor"], draft_input(formed_on=formed_on))
    services.submit(staff["editor"], draft.id)
    services.approve(staff["reviewer"], draft.id)
    return services.publish(SYSTEM, draft.id, published_at=when)


def test_due_date_counts_working_days_across_national_day(staff, draft_input):
    draft = services.create_draft(staff["editor"], draft_input(formed_on=date(2026, 9, 30)))
    # 10月1日—7日 are holidays and 10月10日 a make-up working day.
    assert draft.publish_due == date(2026, 11, 3)
    assert not draft.publish_due_provisional


def test_published_on_the_due_date_is_on_time(staff, draft_input):
    doc = _publish_at(staff, draft_input, date(2026, 9, 30),
                      datetime(2026, 11, 3, 17, 30, tzinfo=LOCAL_TZ))
    assert not doc.is_late and doc.days_late == 0


def test_published_a_day_after_the_due_date_is_late(staff, draft_input):
    doc = _publish_at(staff, draft_input, date(2026, 9, 30),
                      datetime(2026, 11, 4, 9, 0, tzinfo=LOCAL_TZ))
    assert doc.is_late and doc.days_late == 1


def test_late_publication_is_in_the_audit_record(staff, draft_input):
    from sqlalchemy import select

    from portal.audit.models import AuditEvent
    from portal.extensions import db

    doc = _publish_at(staff, draft_input, date(2026, 9, 30),
                      datetime(2026, 11, 20, 9, 0, tzinfo=LOCAL_TZ))
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "disclosure.publish",
        AuditEvent.object_id == str(doc.id))).one()
    assert event.after["late"] is True


def test_calendar_change_moves_open_deadlines(staff, draft_input, make_user, orgs):
    admin = make_user("cal-admin", (Role.ADMIN, orgs["county"]))
    draft = services.create_draft(staff["editor"], draft_input(formed_on=date(2026, 9, 30)))
    calendar_services.set_override(admin, date(2026, 10, 12), False, "临时休息")
    assert draft.publish_due == date(2026, 11, 4)
