"""行政复议、行政诉讼 cases: recording them and table 四. A year counts the cases filed in it,
each with its result as of 31 December, and the cases filed earlier that were decided in
it, with their final result."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.annual_report import appeals, services
from portal.annual_report.appeals import AppealInput
from portal.annual_report.models import AppealResult
from portal.audit.models import AuditEvent
from portal.errors import NotFound, PermissionDenied, ValidationError
from portal.extensions import db


def case(**changes) -> AppealInput:
    fields = dict(organization="shuangta", kind="review", result="pending",
                  filed_on=date(2026, 5, 6))
    fields.update(changes)
    return AppealInput(**fields)


def test_table_four_counts_the_years_cases_and_the_earlier_ones_it_decided(staff, travel):
    handler = staff["handler"]
    appeals.record_appeal(handler, case(result="upheld", decided_on=date(2026, 7, 1)))
    appeals.record_appeal(handler, case(result="corrected", decided_on=date(2026, 8, 1)))
    appeals.record_appeal(handler, case())  # still pending
    # decided only in 2027: still 尚未审结 on 31 December 2026
    appeals.record_appeal(handler, case(result="upheld", filed_on=date(2026, 11, 2),
                                        decided_on=date(2027, 1, 10)))
    appeals.record_appeal(handler, case(kind="litigation_direct", result="other",
                                        decided_on=date(2026, 9, 9)))
    appeals.record_appeal(handler, case(kind="litigation_after_review",
                                        organization="shuangta-cun"))
    # filed in 2025 and still pending: 2025's 尚未审结, not in 2026's table
    appeals.record_appeal(handler, case(filed_on=date(2025, 12, 31)))
    # filed in 2025, decided in 2026: 2025's 尚未审结, and 2026's 结果纠正
    appeals.record_appeal(handler, case(result="corrected", filed_on=date(2025, 11, 3),
                                        decided_on=date(2026, 3, 2)))
    # filed and decided in 2025: in 2025's table only
    appeals.record_appeal(handler, case(result="other", filed_on=date(2025, 3, 3),
                                        decided_on=date(2025, 6, 1)))
    # another town's case
    appeals.record_appeal(staff["other_handler"], case(organization="huayuan"))

    report = services.get_report(staff["inspector"], 2026)
    #                                     维持 纠正 其他 未结 总计
    assert report.appeals.all_cells() == [1, 2, 0, 2, 5,
                                          0, 0, 1, 0, 1,
                                          0, 0, 0, 1, 1]
    assert services.get_report(staff["inspector"], 2025).appeals.all_cells()[:5] == \
        [0, 0, 1, 2, 3]
    # 2027 so far: the case filed in November 2026 and decided on 2027-01-10, as 结果维持
    assert services.get_report(staff["inspector"], 2027).appeals.all_cells()[:5] == \
        [1, 0, 0, 0, 1]
    county = services.get_report(staff["county_inspector"], 2026).appeals.all_cells()
    assert county[3] == 3  # 花园乡's pending review too


def test_the_register_lists_what_the_years_table_counts(staff, travel):
    handler = staff["handler"]
    decided_later = appeals.record_appeal(handler, case(
        result="corrected", filed_on=date(2025, 11, 3), decided_on=date(2026, 3, 2)))
    this_year = appeals.record_appeal(handler, case())
    appeals.record_appeal(handler, case(filed_on=date(2025, 12, 31)))

    listed = appeals.list_appeals(staff["inspector"], 2026).appeals
    assert [a.id for a in listed] == [decided_later.id, this_year.id]


def test_recording_is_audited(staff, travel):
    appeal = appeals.record_appeal(staff["admin"], case(note="申请人对答复不服"))

    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "info_appeal.record")).one()
    assert event.actor_id == staff["admin"].id and event.object_id == str(appeal.id)
    assert event.after["kind"] == "review" and event.after["filed_on"] == "2026-05-06"


def test_update_records_the_decision_and_is_audited(staff, travel):
    appeal = appeals.record_appeal(staff["handler"], case())
    appeals.update_appeal(staff["handler"], appeal.id, "corrected", date(2026, 12, 30), "")

    assert appeal.result is AppealResult.CORRECTED and appeal.decided_on == date(2026, 12, 30)
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "info_appeal.update")).one()
    assert event.before == {"result": "pending", "decided_on": None}
    assert event.after == {"result": "corrected", "decided_on": "2026-12-30"}
    assert services.get_report(staff["inspector"], 2026).appeals.all_cells()[:5] == \
        [0, 1, 0, 0, 1]


def test_going_back_to_pending_clears_the_decision_date(staff, travel):
    appeal = appeals.record_appeal(staff["handler"], case(result="upheld",
                                                          decided_on=date(2026, 6, 1)))
    appeals.update_appeal(staff["handler"], appeal.id, "pending", date(2026, 6, 1), "")
    assert appeal.decided_on is None


@pytest.mark.parametrize(("changes", "field"), [
    ({"kind": "appeal"}, "kind"),
    ({"result": "won"}, "result"),
    ({"filed_on": None}, "filed_on"),
    ({"filed_on": date(2027, 1, 16)}, "filed_on"),  # after today (2027-01-15)
    ({"result": "upheld"}, "decided_on"),  # a decided case needs its date
    ({"result": "upheld", "decided_on": date(2026, 5, 1)}, "decided_on"),  # before filing
    ({"organization": ""}, "organization"),
    ({"inquiry_number": "2026-999999"}, "inquiry_number"),
    ({"note": "x" * 501}, "note"),
])
def test_invalid_cases_are_refused(staff, travel, changes, field):
    with pytest.raises(ValidationError) as error:
        appeals.record_appeal(staff["handler"], case(**changes))
    assert error.value.field == field


def test_case_may_name_the_application_it_concerns(applications, staff, travel):
    inquiry = applications.receive("X", applications.travel.to(date(2026, 3, 2)))
    applications.answer("X", "deny-4", applications.travel.to(date(2026, 3, 9)))
    travel.to(date(2027, 1, 15))

    appeal = appeals.record_appeal(staff["handler"], case(inquiry_number=inquiry.number))
    assert appeal.inquiry == inquiry
    with pytest.raises(ValidationError, match="不由"):
        appeals.record_appeal(staff["admin"], case(organization="shuangta-finance",
                                                   inquiry_number=inquiry.number))


@pytest.mark.parametrize("role", ["inspector", "reviewer", "editor"])
def test_only_admins_and_handlers_record_cases(staff, travel, role):
    with pytest.raises(PermissionDenied):
        appeals.record_appeal(staff[role], case())


def test_handler_of_another_town_cannot_record_or_update_here(staff, travel):
    with pytest.raises(PermissionDenied):
        appeals.record_appeal(staff["other_handler"], case())
    appeal = appeals.record_appeal(staff["handler"], case())
    with pytest.raises(PermissionDenied):
        appeals.update_appeal(staff["other_handler"], appeal.id, "upheld", date(2026, 6, 1), "")


def test_update_of_unknown_case(staff, travel):
    with pytest.raises(NotFound):
        appeals.update_appeal(staff["handler"], 999, "upheld", date(2026, 6, 1), "")


def test_listing_shows_the_years_cases_and_where_the_actor_may_record(staff, travel):
    appeals.record_appeal(staff["handler"], case())
    appeals.record_appeal(staff["handler"], case(filed_on=date(2025, 3, 1)))  # still pending

    listing = appeals.list_appeals(staff["handler"], 2026)
    assert [a.filed_on for a in listing.appeals] == [date(2026, 5, 6)]
    assert listing.recordable[0].slug == "shuangta" and len(listing.recordable) == 5
    assert appeals.list_appeals(staff["inspector"], 2026).recordable == []
    with pytest.raises(PermissionDenied):
        appeals.list_appeals(staff["other_reviewer"], 2026, "shuangta")
