"""Saving the narrative and the 手工填报 figures: who may, what is kept, what is audited."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.annual_report import services
from portal.annual_report.models import AnnualReport
from portal.audit.models import AuditEvent
from portal.errors import PermissionDenied, ValidationError
from portal.extensions import db

TEXT = {"overview": "2026 年，双塔镇坚持以公开为常态。\n全年主动公开信息 120 条。",
        "problems": "公开栏更新不够及时。", "other_matters": "本年度未收取信息处理费。",
        "normative_issued": "2", "normative_in_force": "15", "penalty_decisions": "31",
        "fee_amount": "0.35"}


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_reviewer_or_admin_saves_the_report(staff, travel, role):
    record = services.save_report(staff[role], 2026, None, TEXT)

    assert record.year == 2026 and record.organization.slug == "shuangta"
    report = services.get_report(staff["inspector"], 2026)
    assert report.narrative["problems"] == "公开栏更新不够及时。"
    assert report.manual["normative_in_force"] == 15
    assert report.manual["fee_amount"] == Decimal("0.35")
    assert report.manual["rules_issued"] == 0
    assert report.stored.updated_by == staff[role]


def test_every_save_is_audited_with_what_changed(staff, travel):
    services.save_report(staff["reviewer"], 2026, None, TEXT)
    services.save_report(staff["reviewer"], 2026, None, {**TEXT, "penalty_decisions": "32"})
    services.save_report(staff["reviewer"], 2026, None, {**TEXT, "penalty_decisions": "32"})

    first, second, third = _events("annual_report.save")
    assert first.actor_id == staff["reviewer"].id
    assert first.after["overview"].startswith("2026 年") and first.after["year"] == 2026
    assert second.before == {"penalty_decisions": 31}
    assert second.after == {"organization": "shuangta", "year": 2026, "penalty_decisions": 32}
    assert third.before == {} and third.object_id == second.object_id
    assert db.session.scalar(select(db.func.count()).select_from(AnnualReport)) == 1


def test_one_report_per_organization_and_year(staff, travel):
    services.save_report(staff["admin"], 2026, "shuangta-finance", TEXT)
    services.save_report(staff["admin"], 2025, None, TEXT)
    assert services.get_report(staff["inspector"], 2026).stored is None
    assert services.get_report(staff["inspector"], 2026, "shuangta-finance").stored


@pytest.mark.parametrize("role", ["inspector", "handler", "county_inspector"])
def test_readers_cannot_edit(staff, travel, role):
    with pytest.raises(PermissionDenied) as error:
        services.save_report(staff[role], 2026, None, TEXT)
    assert error.value.action == "annual_report.save"


def test_reviewer_of_another_town_cannot_edit_this_one(staff, travel):
    with pytest.raises(PermissionDenied):
        services.save_report(staff["other_reviewer"], 2026, "shuangta", TEXT)


def test_bad_figure_names_its_field_and_saves_nothing(staff, travel):
    with pytest.raises(ValidationError) as error:
        services.save_report(staff["reviewer"], 2026, None, {**TEXT, "licensing_decisions": "x"})
    assert error.value.field == "licensing_decisions"
    assert "行政许可·本年处理决定数量" in error.value.message
    db.session.rollback()
    assert db.session.scalars(select(AnnualReport)).all() == []


def test_narrative_rejects_control_characters(staff, travel):
    with pytest.raises(ValidationError) as error:
        services.save_report(staff["reviewer"], 2026, None, {**TEXT, "overview": "坏\x00字"})
    assert error.value.field == "overview"


def test_cannot_write_a_report_for_a_future_year(staff, travel):
    with pytest.raises(ValidationError, match="2008 年至 2027 年"):
        services.save_report(staff["reviewer"], 2028, None, TEXT)
