"""Admin operations on the calendar: permission, validation, audit, signal, cache."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain
from portal.auth.models import Role
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationError
from portal.extensions import db
from portal.workdays import services
from portal.workdays.calendar import YearStatus, current_calendar, working_deadline
from portal.workdays.models import CalendarOverride, ConfirmedCalendarYear
from portal.workdays.signals import calendar_changed


@pytest.fixture
def admin(make_user, orgs):
    return make_user("admin", (Role.ADMIN, orgs["county"]))


@pytest.fixture
def editor(make_user, orgs):
    return make_user("editor", (Role.EDITOR, orgs["town"]))


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def override_count() -> int:
    return db.session.scalar(select(func.count()).select_from(CalendarOverride))


# --- set_override -------------------------------------------------------------------

def test_admin_sets_an_override_that_the_current_calendar_obeys(admin):
    assert current_calendar().is_working_day(date(2026, 10, 10))  # caches the calendar
    services.set_override(admin, date(2026, 10, 10), False, "  演练：取消调休  ")

    saved = db.session.scalar(select(CalendarOverride))
    assert (saved.day, saved.is_working_day, saved.note) == (date(2026, 10, 10), False,
                                                             "演练：取消调休")
    assert saved.created_by_id == admin.id
    assert not current_calendar().is_working_day(date(2026, 10, 10))
    assert working_deadline(date(2026, 9, 30), 3).due == date(2026, 10, 12)


def test_setting_an_override_is_audited(admin):
    services.set_override(admin, date(2027, 2, 9), False, "春节补假")

    [event] = events("calendar.override.set")
    assert event.actor_id == admin.id
    assert event.object_type == "calendar_overrides"
    assert event.before is None
    assert event.after == {"day": "2027-02-09", "is_working_day": False, "note": "春节补假"}
    assert verify_chain().ok


def test_changing_an_override_updates_it_and_records_before_and_after(admin, make_user, orgs):
    other_admin = make_user("admin2", (Role.ADMIN, orgs["other_town"]))
    services.set_override(admin, date(2027, 2, 20), True, "调休上班")
    services.set_override(other_admin, date(2027, 2, 20), False, "改为休息")

    saved = db.session.scalar(select(CalendarOverride))
    assert override_count() == 1
    assert saved.is_working_day is False
    assert (saved.created_by_id, saved.updated_by_id) == (admin.id, other_admin.id)
    second = events("calendar.override.set")[1]
    assert second.before == {"day": "2027-02-20", "is_working_day": True, "note": "调休上班"}
    assert second.after == {"day": "2027-02-20", "is_working_day": False, "note": "改为休息"}


def test_setting_the_same_value_again_records_nothing(admin):
    services.set_override(admin, date(2027, 2, 20), True, "调休上班")
    services.set_override(admin, date(2027, 2, 20), True, "调休上班")
    assert len(events("calendar.override.set")) == 1


def test_a_non_admin_is_refused_and_nothing_is_saved(editor):
    with pytest.raises(PermissionDenied) as refused:
        services.set_override(editor, date(2027, 2, 9), False, "")
    assert refused.value.action == "calendar.override.set"
    db.session.rollback()
    assert override_count() == 0
    assert events("calendar.override.set") == []


def test_nobody_logged_in_is_refused():
    with pytest.raises(PermissionDenied):
        services.set_override(None, date(2027, 2, 9), False, "")


def test_an_admin_grant_on_any_organization_suffices(make_user, orgs):
    village_admin = make_user("village-admin", (Role.ADMIN, orgs["village_b"]))
    services.set_override(village_admin, date(2027, 2, 9), False, "")
    assert override_count() == 1


@pytest.mark.parametrize("day", [date(2003, 12, 31), date(2101, 1, 1)])
def test_days_outside_the_supported_years_are_refused(admin, day):
    with pytest.raises(ValidationError, match="2004 年至 2100 年") as refused:
        services.set_override(admin, day, False, "")
    assert refused.value.field == "day"
    assert override_count() == 0


def test_a_note_too_long_is_refused(admin):
    with pytest.raises(ValidationError, match="说明不能超过 200 个字") as refused:
        services.set_override(admin, date(2027, 2, 9), False, "长" * 201)
    assert refused.value.field == "note"
    assert override_count() == 0


# --- remove_override ----------------------------------------------------------------

def test_removing_an_override_restores_the_package_and_is_audited(admin):
    services.set_override(admin, date(2026, 10, 10), False, "")
    services.remove_override(admin, date(2026, 10, 10))

    assert override_count() == 0
    assert current_calendar().is_working_day(date(2026, 10, 10))
    [event] = events("calendar.override.remove")
    assert event.before == {"day": "2026-10-10", "is_working_day": False, "note": ""}
    assert event.after is None


def test_removing_a_missing_override_is_not_found(admin):
    with pytest.raises(NotFound, match="2026-10-10 没有调整记录"):
        services.remove_override(admin, date(2026, 10, 10))


def test_a_non_admin_cannot_remove_an_override(admin, editor):
    services.set_override(admin, date(2026, 10, 10), False, "")
    with pytest.raises(PermissionDenied):
        services.remove_override(editor, date(2026, 10, 10))
    db.session.rollback()
    assert override_count() == 1


# --- confirm_year / unconfirm_year ----------------------------------------------------

def test_confirming_a_year_removes_provisional(admin):
    assert working_deadline(date(2026, 12, 25), 10).provisional
    services.confirm_year(admin, 2027, "国办发明电〔2026〕X号")

    assert working_deadline(date(2026, 12, 25), 10).provisional is False
    assert current_calendar().year_status(2027) is YearStatus.CONFIRMED
    [event] = events("calendar.year.confirm")
    assert event.after == {"year": 2027, "note": "国办发明电〔2026〕X号"}


def test_unconfirming_makes_the_year_provisional_again(admin):
    services.confirm_year(admin, 2027, "")
    services.unconfirm_year(admin, 2027)

    assert db.session.scalar(select(func.count()).select_from(ConfirmedCalendarYear)) == 0
    assert working_deadline(date(2026, 12, 25), 10).provisional
    [event] = events("calendar.year.unconfirm")
    assert event.before == {"year": 2027, "note": ""}


def test_confirming_twice_is_a_conflict(admin):
    services.confirm_year(admin, 2027, "")
    with pytest.raises(Conflict):
        services.confirm_year(admin, 2027, "again")


def test_a_year_the_package_covers_needs_no_confirmation(admin):
    with pytest.raises(ValidationError, match="已内置"):
        services.confirm_year(admin, 2026, "")


@pytest.mark.parametrize("year", [2003, 2101, "2027", True])
def test_bad_years_are_refused(admin, year):
    with pytest.raises(ValidationError):
        services.confirm_year(admin, year, "")


def test_unconfirming_a_year_not_confirmed_is_not_found(admin):
    with pytest.raises(NotFound):
        services.unconfirm_year(admin, 2027)


def test_a_non_admin_cannot_confirm_a_year(editor):
    with pytest.raises(PermissionDenied):
        services.confirm_year(editor, 2027, "")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ConfirmedCalendarYear)) == 0


# --- the calendar_changed signal ------------------------------------------------------

def test_receivers_see_the_new_calendar_inside_the_same_transaction(app, admin):
    seen = []

    def receiver(sender, **kwargs):
        seen.append((sender, kwargs, current_calendar().is_working_day(date(2027, 2, 9))))

    with calendar_changed.connected_to(receiver):
        services.set_override(admin, date(2027, 2, 9), False, "")

    [(sender, kwargs, working)] = seen
    assert sender is app
    assert kwargs == {"actor": admin, "action": "calendar.override.set",
                      "first_day": date(2027, 2, 9), "last_day": date(2027, 2, 9)}
    assert working is False


def test_a_failing_receiver_leaves_nothing_committed(admin):
    def receiver(sender, **kwargs):
        raise RuntimeError("recomputation failed")

    with calendar_changed.connected_to(receiver), pytest.raises(RuntimeError):
        services.confirm_year(admin, 2027, "")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ConfirmedCalendarYear)) == 0
    assert events("calendar.year.confirm") == []
    assert current_calendar().year_status(2027) is YearStatus.PROVISIONAL


def test_confirming_a_year_announces_the_whole_year(admin):
    ranges = []
    with calendar_changed.connected_to(
            lambda sender, **kw: ranges.append((kw["first_day"], kw["last_day"]))):
        services.confirm_year(admin, 2027, "")
    assert ranges == [(date(2027, 1, 1), date(2027, 12, 31))]


# --- current_calendar across workers --------------------------------------------------

def test_a_change_committed_by_another_worker_is_seen_by_the_next_request(app, admin):
    admin_id = admin.id
    db.session.rollback()  # end the fixture's transaction, as a finished request would
    with app.app_context():  # this worker, one request
        assert current_calendar().is_working_day(date(2026, 10, 10))
    with app.app_context():  # another worker commits an override directly
        db.session.add(CalendarOverride(day=date(2026, 10, 10), is_working_day=False,
                                        created_by_id=admin_id))
        db.session.commit()
    with app.app_context():  # this worker, its next request
        assert not current_calendar().is_working_day(date(2026, 10, 10))


# --- reads ----------------------------------------------------------------------------

def test_year_overview_lists_overrides_and_fallback_holidays(admin):
    services.set_override(admin, date(2027, 2, 20), True, "调休上班")
    services.set_override(admin, date(2026, 10, 10), False, "")
    overview = services.year_overview(admin, 2027)

    assert [o.day for o in overview.overrides] == [date(2027, 2, 20)]
    assert overview.status is YearStatus.PROVISIONAL
    assert overview.statutory_holidays[date(2027, 2, 5)] == "春节"
    assert services.year_overview(admin, 2026).statutory_holidays == {}


def test_year_overview_names_every_confirmed_year(admin):
    services.confirm_year(admin, 2028, "")
    services.confirm_year(admin, 2027, "")
    overview = services.year_overview(admin, 2030)
    assert overview.confirmed_years == [2027, 2028]
    assert overview.confirmation is None
    assert overview.status is YearStatus.PROVISIONAL


def test_year_overview_is_for_admins(editor):
    with pytest.raises(PermissionDenied):
        services.year_overview(editor, 2027)


def test_any_staff_member_can_compute_a_deadline(editor):
    deadline = services.compute_deadline(editor, date(2026, 12, 25), 10)
    assert (deadline.due, deadline.provisional) == (date(2027, 1, 11), True)


def test_computing_a_deadline_needs_a_role(make_user):
    nobody = make_user("no-grants")
    with pytest.raises(PermissionDenied):
        services.compute_deadline(nobody, date(2026, 12, 25), 10)


@pytest.mark.parametrize("n", [-1, 1001])
def test_computing_a_deadline_checks_n(editor, n):
    with pytest.raises(ValidationError, match="0 到 1000") as refused:
        services.compute_deadline(editor, date(2026, 12, 25), n)
    assert refused.value.field == "days"
