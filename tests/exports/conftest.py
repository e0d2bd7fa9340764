"""A world where every text field a person can fill in is hostile: organization and user
names, disclosure and village notice titles, 督办 subjects, requirements and answers, the
annual report's narrative and the appeal notes. Built through the services, then the text
is stored exactly as given (see `_raw`)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.annual_report import appeals
from portal.annual_report import services as annual_report
from portal.annual_report.models import AnnualReport, InfoAppeal
from portal.attachments.models import StoredFile
from portal.auth.models import Role
from portal.disclosures import services as disclosures
from portal.disclosures.models import Category, Disclosure
from portal.extensions import db
from portal.inspection import supervision
from portal.inspection.models import SupervisionNotice
from portal.timeutil import local_today
from portal.timeutil import utcnow as local_now_utc
from portal.villages.models import (
    FinanceRow,
    FinanceTable,
    NoticeCategory,
    NoticeStatus,
    VillageNotice,
)
from portal.villages.schedule import default_rules
from tests.inquiries.conftest import (  # noqa: F401 (fixtures year_of_work builds on)
    application_input,
    handlers,
    inquiry_input,
    submit,
)
from tests.inspection.conftest import inspector, travel, year_of_work  # noqa: F401

HOSTILE = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1+1"]
YEAR = 2026


def _raw(obj, **fields) -> None:
    """Store text exactly as given, whatever the forms would have trimmed or refused: an
    export must be safe for every value the database can hold."""
    for name, value in fields.items():
        setattr(obj, name, value)
    db.session.commit()


def _hostile(i: int) -> str:
    return HOSTILE[i % len(HOSTILE)]


def _seed_names(orgs, handlers, inspector) -> None:
    _raw(orgs["town"], name=HOSTILE[0], formal_name=HOSTILE[0])
    _raw(orgs["finance"], name=HOSTILE[1])
    _raw(orgs["village_a"], name=HOSTILE[2])
    _raw(orgs["village_b"], name=HOSTILE[3])
    _raw(handlers["handler"], display_name=HOSTILE[4])
    _raw(handlers["finance_handler"], display_name=HOSTILE[5])
    _raw(inspector, display_name=HOSTILE[6])


def _seed_late_disclosures(orgs, editor, reviewer) -> list[Disclosure]:
    made = []
    for i, title in enumerate(HOSTILE):
        draft = disclosures.create_draft(editor, disclosures.DisclosureInput(
            organization=orgs["town"], category=Category.RESULT, title=f"迟发的文件 {i}",
            body_html="<p>正文</p>", formed_on=local_today() - timedelta(days=60)))
        disclosures.submit(editor, draft.id)
        disclosures.approve(reviewer, draft.id)
        made.append(disclosures.publish(editor, draft.id))
        _raw(made[-1], title=title)
    return made


def _seed_village_lapses(orgs, clerk) -> None:
    db.session.add_all(default_rules(orgs["village_a"], date(YEAR, 1, 1)))
    for i, title in enumerate(HOSTILE):
        db.session.add(VillageNotice(
            village_id=orgs["village_b"].id, category=NoticeCategory.PROJECT, title=title,
            period_start=date(YEAR, 3, 1), period_end=date(YEAR, 3, 31), is_major=True,
            occurred_on=date(YEAR, 3, 2 + i), status=NoticeStatus.DRAFT, author_id=clerk.id))
    db.session.commit()


def _seed_finance_notice(orgs, clerk) -> VillageNotice:
    """A published finance notice whose table rows say hostile things (the public file is
    regenerated from them)."""
    notice = VillageNotice(
        village_id=orgs["village_b"].id, category=NoticeCategory.FINANCE, title="财务公开",
        period_start=date(YEAR, 3, 1), period_end=date(YEAR, 3, 31),
        status=NoticeStatus.PUBLISHED, author_id=clerk.id, published_at=local_now_utc())
    source = StoredFile(storage_name=f"{'0' * 32}.csv", display_name="原始.csv", kind="csv",
                        content_type="text/csv", size=1, sha256="0" * 64)
    notice.finance_table = FinanceTable(
        source_file=source, total_income=Decimal("100.00"), total_expense=Decimal("0.00"),
        rows=[FinanceRow(position=i, entry_date=date(YEAR, 3, 1 + i), item=text,
                         income=Decimal("1.00"), expense=None, note=_hostile(i + 1))
              for i, text in enumerate(HOSTILE)])
    db.session.add(notice)
    db.session.commit()
    return notice


def _seed_enforcement(orgs, editor, reviewer) -> None:
    """A published licence and penalty whose every typed field is hostile (the 双公示 files,
    public and for the credit platform, are written from them)."""
    from portal.enforcement import registry
    from portal.enforcement import services as enforcement

    body = registry.create_body(editor, registry.BodyInput(
        organization=orgs["town"], name="综合行政执法", kind="statutory", duties="执法。",
        contact="0370-8123456"))
    decided = local_today() - timedelta(days=1)
    for i, (kind, number, code) in enumerate([
            ("penalty", "执罚〔2026〕1号", "11010519491231002X"),
            ("licensing", "执许〔2026〕1号", "11010519491231002X")]):
        decision = enforcement.create_decision(editor, enforcement.DecisionInput(
            body=body, kind=kind, document_number=number, title="决定书",
            party_kind="natural", party_name="张三", party_code=code, basis="依据",
            content="内容", facts="事实", decided_on=decided,
            fine_amount="0.1" if kind == "penalty" else ""))
        enforcement.publish_decision(reviewer, decision.id)
        _raw(decision, title=_hostile(i), party_name=_hostile(i + 1), basis=_hostile(i + 2),
             content=_hostile(i + 3), facts=_hostile(i + 4), document_number=_hostile(i + 5))
    _raw(body, name=HOSTILE[6])


def _seed_supervision(orgs, inspector, handler, clerk, inquiry) -> None:
    due = local_today() + timedelta(days=5)
    notice = supervision.issue_for_inquiry(inspector, inquiry.id, "请说明超期原因。", due)
    supervision.answer(handler, notice.id, "已办理。")
    _raw(notice, content=HOSTILE[5], answer=HOSTILE[6])
    for i, subject in enumerate(HOSTILE):
        notice = supervision.issue_for_village(inspector, orgs["village_b"], f"事项 {i}",
                                               "请公开。", due)
        if i % 2 == 0:
            supervision.answer(clerk, notice.id, "已公开。")
        _raw(notice, subject=subject, content=_hostile(i + 1),
             answer=_hostile(i + 2) if i % 2 == 0 else "")


def _seed_annual_report(orgs, reviewer, handler) -> None:
    annual_report.save_report(reviewer, YEAR, orgs["town"].slug,
                              {"overview": "概述", "problems": "问题", "other_matters": "其他",
                               "rules_issued": "12"})
    record = db.session.scalars(db.select(AnnualReport)).one()
    _raw(record, overview="\n".join(HOSTILE), problems=" ".join(HOSTILE),
         other_matters=HOSTILE[2])
    appeal = appeals.record_appeal(handler, appeals.AppealInput(
        organization=orgs["town"].slug, kind="review", result="pending",
        filed_on=date(YEAR, 3, 1), note="复议"))
    _raw(db.session.get(InfoAppeal, appeal.id), note=HOSTILE[0])


@pytest.fixture
def hostile_world(year_of_work, orgs, handlers, inspector, make_user):
    editor = make_user("hostile-editor", (Role.EDITOR, orgs["town"]))
    clerk = make_user("hostile-clerk", (Role.VILLAGE_CLERK, orgs["village_b"]))
    _seed_names(orgs, handlers, inspector)
    _seed_late_disclosures(orgs, editor, handlers["reviewer"])
    _seed_village_lapses(orgs, clerk)
    _seed_supervision(orgs, inspector, handlers["handler"], clerk, year_of_work["D"])
    _seed_annual_report(orgs, handlers["reviewer"], handlers["handler"])
    finance = _seed_finance_notice(orgs, clerk)
    _seed_enforcement(orgs, editor, handlers["reviewer"])
    center = make_user("hostile-center", (Role.GOVERNANCE_CENTER, orgs["town"]))
    assert db.session.scalar(db.select(db.func.count()).select_from(SupervisionNotice)) == 8
    return {"town": orgs["town"], "finance_notice": finance, "editor": editor,
            "center": center}
