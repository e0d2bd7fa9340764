"""Recording, publishing and revoking decisions; the registers' refusals."""

from datetime import date

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.enforcement import queries, registry, services
from portal.enforcement.models import EnforcementDecision, EnforcementOfficer
from portal.errors import InvalidTransition, PermissionDenied, ValidationError
from portal.extensions import db
from tests.enforcement.conftest import ID_NUMBER
from tests.inquiries.timetravel import beijing


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_publication_is_due_on_the_seventh_working_day(record):
    decision = record()  # decided Monday 2026-03-02

    assert decision.publish_due == date(2026, 3, 11)
    assert decision.status.label == "待公示" and not decision.is_late


def test_publishing_after_the_seventh_working_day_is_recorded_as_late(record, staff, travel):
    decision = record()
    travel.set(beijing(date(2026, 3, 12)))
    assert decision.is_late  # unpublished and past its day

    services.publish_decision(staff["reviewer"], decision.id)

    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "enforcement.publish")).one()
    assert event.after["late"] is True and event.after["days_late"] == 1
    assert decision.is_late and decision.days_late == 1


def test_a_decision_dated_in_the_future_is_refused_and_nothing_is_saved(record):
    with pytest.raises(ValidationError, match="决定日期 2026-03-11 晚于今天") as error:
        record(decided_on=date(2026, 3, 11))

    assert error.value.field == "decided_on"
    db.session.rollback()
    assert _count(EnforcementDecision) == 0


def test_a_wrong_id_number_is_refused(record):
    with pytest.raises(ValidationError, match="身份证号码校验不通过"):
        record(party_code="110105194912310021")


def test_a_duplicate_certificate_number_is_refused_however_it_is_typed(body, staff):
    for typed in ("41142100123", "４１１４２１００１２３"):
        with pytest.raises(ValidationError, match="执法证号 41142100123 已登记") as error:
            registry.add_officer(staff["editor"], body.id, registry.OfficerInput(
                name="王五", certificate_number=typed))
        assert error.value.field == "certificate_number"
        db.session.rollback()
    assert _count(EnforcementOfficer) == 1


def test_nobody_publishes_a_decision_they_recorded(record, make_user, orgs, body):
    from portal.auth.models import Role

    both = make_user("both", (Role.EDITOR, orgs["town"]), (Role.REVIEWER, orgs["town"]))
    decision = services.create_decision(both, services.DecisionInput(
        body=body, kind="licensing", document_number="双塔许〔2026〕2号", title="许可决定书",
        party_kind="legal", party_name="民权县某某农业合作社",
        party_code="93411421MA45ABCD1X", basis="依据", content="准予许可",
        decided_on=date(2026, 3, 3)))

    with pytest.raises(PermissionDenied, match="先审后发"):
        services.publish_decision(both, decision.id)


def test_another_towns_editor_cannot_record_for_this_body(decision_input, staff):
    with pytest.raises(PermissionDenied):
        services.create_decision(staff["other_editor"], decision_input())


def test_a_revoked_decision_cannot_be_published_or_edited(record, staff, decision_input):
    decision = record(publish=True)
    services.revoke_decision(staff["reviewer"], decision.id, "经行政复议决定撤销")

    with pytest.raises(InvalidTransition):
        services.publish_decision(staff["reviewer"], decision.id)
    with pytest.raises(InvalidTransition):
        services.update_decision(staff["editor"], decision.id, decision_input())


def test_the_audit_log_never_keeps_the_party_id_number(record, staff):
    decision = record(publish=True)
    services.revoke_decision(staff["reviewer"], decision.id, "撤销")

    logged = " ".join(str(e.after) + str(e.before) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("enforcement.%"))))
    assert "enforcement.create" in [e.action for e in db.session.scalars(sa.select(AuditEvent))]
    assert ID_NUMBER not in logged


def test_correcting_the_decision_date_moves_the_deadline_and_is_audited(record, staff,
                                                                       decision_input):
    decision = record()

    services.update_decision(staff["editor"], decision.id,
                             decision_input(decided_on=date(2026, 3, 5)))

    assert decision.publish_due == date(2026, 3, 16)  # Thu → 7 working days, weekend skipped
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "enforcement.edit")).one()
    assert event.after["before"]["decided_on"] == "2026-03-02"
    assert event.after["decided_on"] == "2026-03-05"


def test_a_deadline_that_has_passed_stays_when_the_date_is_corrected(record, staff, travel,
                                                                      decision_input):
    decision = record()  # decided 2026-03-02: due 2026-03-11
    travel.set(beijing(date(2026, 3, 13)))
    assert decision in queries.late_decisions([decision.organization.path], 2026)

    services.update_decision(staff["editor"], decision.id,
                             decision_input(decided_on=date(2026, 3, 10)))

    assert decision.decided_on == date(2026, 3, 10)
    assert decision.publish_due == date(2026, 3, 11)  # the missed day, not 03-19
    assert decision in queries.late_decisions([decision.organization.path], 2026)
    services.publish_decision(staff["reviewer"], decision.id)
    assert decision.is_late
