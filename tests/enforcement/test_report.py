"""Table 二 of the annual report fills itself from the registers; a typed figure overrides
the count, is kept and audited; a blank field goes back to the count."""

from datetime import date

import sqlalchemy as sa

from portal.annual_report import services as reports
from portal.audit.models import AuditEvent
from portal.enforcement import services
from portal.extensions import db


def test_table_two_counts_the_years_decisions_except_revoked_ones(record, staff):
    record(publish=True)
    record(document_number="双塔综执罚〔2026〕2号")  # recorded, not yet public: still decided
    revoked = record(document_number="双塔综执罚〔2026〕3号", publish=True)
    services.revoke_decision(staff["reviewer"], revoked.id, "经行政复议决定撤销")
    record(document_number="双塔许〔2026〕1号", kind="licensing", title="许可决定书",
           fine_amount="")
    record(document_number="双塔综执罚〔2025〕9号", decided_on=date(2025, 12, 30))

    report = reports.get_report(staff["reviewer"], 2026)

    assert report.manual["penalty_decisions"] == 2
    assert report.manual["licensing_decisions"] == 1
    assert report.manual["enforcement_decisions"] == 0
    assert not report.overridden("penalty_decisions")


def test_a_typed_figure_overrides_the_count_and_is_audited(record, staff, client, login):
    record(publish=True)

    reports.save_report(staff["reviewer"], 2026, None, {"penalty_decisions": "5"})
    report = reports.get_report(staff["reviewer"], 2026)
    assert report.manual["penalty_decisions"] == 5 and report.overridden("penalty_decisions")
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "annual_report.save")).one()
    assert event.before == {"penalty_decisions": None}
    assert event.after["penalty_decisions"] == 5

    login(staff["reviewer"])
    html = client.get("/inspect/annual-report/2026").get_data(as_text=True)
    assert "人工修正，登记数 1" in html

    reports.save_report(staff["reviewer"], 2026, None, {"penalty_decisions": ""})
    report = reports.get_report(staff["reviewer"], 2026)
    assert report.manual["penalty_decisions"] == 1 and not report.overridden(
        "penalty_decisions")
