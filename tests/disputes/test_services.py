"""The ledger's rules: who may file and work a dispute, the status table, refusals that
save nothing, and the days a village missed its check."""

from datetime import date

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.disputes import queries, services
from portal.disputes.models import DailyCheck, Dispute, DisputeStatus
from portal.errors import Conflict, InvalidTransition, PermissionDenied, ValidationError
from portal.extensions import db
from tests.disputes.conftest import check


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_dispute_goes_from_screening_through_mediation_to_resolution(record, staff):
    dispute = record()
    assert dispute.status is DisputeStatus.SCREENING
    services.mediate(staff["grid_a"], dispute.id)
    services.resolve(staff["grid_a"], dispute.id, services.CloseInput(date(2026, 3, 9),
                                                                      "双方签订调解协议。"))
    assert dispute.status is DisputeStatus.RESOLVED
    assert dispute.days_to_close == 7


def test_only_the_governance_center_hands_a_dispute_up(record, staff):
    dispute = record()
    services.mediate(staff["grid_a"], dispute.id)
    with pytest.raises(PermissionDenied):
        services.escalate(staff["grid_a"], dispute.id,
                          services.CloseInput(date(2026, 3, 9), "县综治中心"))
    services.escalate(staff["center"], dispute.id,
                      services.CloseInput(date(2026, 3, 9), "移交县人民法院诉调对接中心"))
    assert dispute.status is DisputeStatus.ESCALATED


def test_a_dispute_cannot_be_resolved_before_mediation(record, staff):
    dispute = record()
    with pytest.raises(InvalidTransition):
        services.resolve(staff["grid_a"], dispute.id,
                         services.CloseInput(date(2026, 3, 9), "已化解"))


def test_grid_workers_keep_their_own_village_only(record, staff, dispute_input, orgs):
    with pytest.raises(PermissionDenied):
        services.create_dispute(staff["grid_b"], dispute_input())
    with pytest.raises(PermissionDenied):
        services.create_dispute(staff["other_center"], dispute_input())
    with pytest.raises(PermissionDenied):
        services.create_dispute(staff["editor"], dispute_input())
    dispute = record()
    with pytest.raises(PermissionDenied):
        services.mediate(staff["grid_b"], dispute.id)
    assert [d.id for d in queries.ledger(staff["grid_b"], None).open] == []
    assert [d.id for d in queries.ledger(staff["center"], None).open] == [dispute.id]


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"village": None}, "village", "请选择所在村"),
    ({"reported_on": date(2026, 3, 11)}, "reported_on", "晚于今天"),
    ({"reported_on": None}, "reported_on", "请填写排查发现日期"),
    ({"parties": " "}, "parties", "请填写当事人"),
    ({"type": "feud"}, "type", "请选择纠纷类型"),
])
def test_bad_disputes_are_refused_in_chinese_and_nothing_is_saved(
        staff, dispute_input, changes, field, words):
    with pytest.raises(ValidationError) as refused:
        services.create_dispute(staff["center"], dispute_input(**changes))
    assert refused.value.field == field and words in refused.value.message
    db.session.rollback()
    assert _count(Dispute) == 0


def test_a_resolution_date_before_the_dispute_or_in_the_future_is_refused(record, staff):
    dispute = record()
    services.mediate(staff["grid_a"], dispute.id)
    for day, words in ((date(2026, 3, 1), "不能早于排查发现日期"), (date(2026, 3, 11), "晚于今天")):
        with pytest.raises(ValidationError, match=words):
            services.resolve(staff["grid_a"], dispute.id, services.CloseInput(day, "化解"))
        db.session.rollback()
    assert db.session.get(Dispute, dispute.id).status is DisputeStatus.MEDIATING


def test_a_village_files_one_check_a_day_never_in_the_future(staff, orgs):
    check(staff, orgs["village_a"], date(2026, 3, 10))
    with pytest.raises(Conflict, match="已经报送"):
        check(staff, orgs["village_a"], date(2026, 3, 10))
    db.session.rollback()
    with pytest.raises(ValidationError, match="晚于今天"):
        check(staff, orgs["village_a"], date(2026, 3, 11))
    db.session.rollback()
    with pytest.raises(PermissionDenied):
        check(staff, orgs["village_b"], date(2026, 3, 10))
    db.session.rollback()
    with pytest.raises(ValidationError, match="请选择所在村"):
        check(staff, orgs["town"], date(2026, 3, 10), who="grid_a")
    db.session.rollback()
    assert _count(DailyCheck) == 1


def test_a_nil_report_cannot_deny_a_recorded_dispute(staff, orgs, record):
    check(staff, orgs["village_a"], date(2026, 3, 1))
    record(reported_on=date(2026, 3, 1))
    entry = db.session.scalar(sa.select(DailyCheck))
    assert entry.nil is False  # the day's nil report now says a dispute was found
    record(reported_on=date(2026, 3, 3))
    with pytest.raises(ValidationError, match="不能报送零报告"):
        check(staff, orgs["village_a"], date(2026, 3, 3))
    db.session.rollback()
    check(staff, orgs["village_a"], date(2026, 3, 3), result="found")


def test_missing_checks_are_counted_from_a_villages_first_report(staff, orgs):
    for day in (date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 8)):
        check(staff, orgs["village_a"], day)
    villages = [orgs["village_a"], orgs["village_b"]]

    gaps = queries.missing_checks(villages, date(2026, 3, 1), date(2026, 3, 31))

    assert [(g.village.name, g.day.day) for g in gaps] == [("双塔村", 7), ("双塔村", 9)]
    assert queries.never_filed(villages) == [orgs["village_b"]]
    assert queries.unfiled_today(villages) == villages


def test_the_audit_log_never_keeps_the_parties(record):
    record()
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action.like("dispute%"))).all()
    assert events
    for event in events:
        assert "张三丰" not in str(event.__dict__)


def test_an_open_dispute_is_corrected_a_closed_one_is_not(record, staff, dispute_input, orgs):
    dispute = record()
    services.update_dispute(staff["center"], dispute.id, dispute_input(
        type="land", village=orgs["village_b"], responsible="李主任"))
    assert (dispute.type.value, dispute.village.name, dispute.responsible) == (
        "land", "王堂村", "李主任")
    with pytest.raises(PermissionDenied):  # now in 王堂村
        services.update_dispute(staff["grid_a"], dispute.id, dispute_input())
    db.session.rollback()
    with pytest.raises(ValidationError, match="请选择所在村"):
        services.update_dispute(staff["center"], dispute.id, dispute_input(village=None))
    db.session.rollback()
    assert db.session.get(Dispute, dispute.id).village.name == "王堂村"
    closed = record(close="resolve")
    with pytest.raises(InvalidTransition):
        services.update_dispute(staff["grid_a"], closed.id, dispute_input())
