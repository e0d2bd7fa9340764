"""Fixtures for the annual report: staff of 双塔镇 and 花园乡, a controllable clock, and a
year's worth of 依申请公开 applications around 2026 built through the real services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pytest

from portal.auth.models import Role
from portal.inquiries import reopening, submission, tracking, workflow
from portal.inquiries.models import Inquiry, InquiryType, Rating
from tests.inquiries.conftest import application_input, inquiry_input, submit  # noqa: F401
from tests.inquiries.timetravel import TimeMachine, beijing, cheap_password_hashing

INFO = InquiryType.INFO_REQUEST
CREDIT_CODE = "91411421MA40T1234X"


@pytest.fixture(autouse=True)
def _fast_users(monkeypatch):
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def travel(app, monkeypatch):
    """Now: 2027-01-15 10:00 Beijing, while the 2026 reports are being written."""
    machine = TimeMachine(monkeypatch)
    machine.to(date(2027, 1, 15))
    return machine


@pytest.fixture
def staff(orgs, make_user):
    town, other = orgs["town"], orgs["other_town"]
    return {
        "handler": make_user("handler", (Role.HANDLER, town)),
        "finance_handler": make_user("finance", (Role.HANDLER, orgs["finance"])),
        "reviewer": make_user("reviewer", (Role.REVIEWER, town)),
        "admin": make_user("town-admin", (Role.ADMIN, town)),
        "inspector": make_user("inspector", (Role.INSPECTOR, town)),
        "county_inspector": make_user("county-inspector", (Role.INSPECTOR, orgs["county"])),
        "editor": make_user("editor", (Role.EDITOR, town)),
        "other_reviewer": make_user("other-reviewer", (Role.REVIEWER, other)),
        "other_handler": make_user("other-handler", (Role.HANDLER, other)),
    }


@dataclass
class Applications:
    """Builds applications at chosen Beijing times; remembers them by a short name."""

    travel: TimeMachine
    submit: object
    application_input: object
    staff: dict
    orgs: dict
    made: dict[str, Inquiry] = field(default_factory=dict)

    def receive(self, name: str, at: datetime, column: str = "citizen",
                town: str = "town") -> Inquiry:
        self.travel.set(at)
        if column == "citizen":
            application = self.application_input()
        else:
            application = self.application_input(
                applicant_kind="organization", organization_type=column, id_type="",
                id_number="", organization_code=CREDIT_CODE, legal_representative="张三")
        inquiry = self.submit(type=INFO, organization=self.orgs[town], village=None,
                              title=f"申请公开 {name}", application=application).inquiry
        self.made[name] = inquiry
        return inquiry

    def answer(self, name: str, outcome: str, at: datetime, handler: str = "handler") -> None:
        self.travel.set(at)
        inquiry, actor = reopening.latest_handling(self.made[name]), self.staff[handler]
        if inquiry.status.value in ("received", "returned"):
            workflow.sign(actor, inquiry.id)
        workflow.reply(actor, inquiry.id, "经查，答复如下。", outcome=outcome)

    def reopen(self, name: str, at: datetime) -> None:
        self.travel.set(at)
        inquiry = self.made[name]
        submission.rate(inquiry.id, Rating.UNSATISFIED, "答复不完整")
        submission.reopen(inquiry.id, "请提供完整信息。")


@pytest.fixture
def applications(travel, submit, application_input, staff, orgs):
    return Applications(travel, submit, application_input, staff, orgs)


# One application received in 2026 and answered in 2026 for every outcome code, spread over
# the applicant columns (written out so the expected table can be counted by hand).
EVERY_OUTCOME = [
    ("grant", "citizen"), ("partial", "commercial"), ("deny-1", "research"),
    ("deny-2", "public_welfare"), ("deny-3", "legal_services"), ("deny-4", "other"),
    ("deny-5", "citizen"), ("deny-6", "commercial"), ("deny-7", "research"),
    ("deny-8", "public_welfare"), ("unable-1", "legal_services"), ("unable-2", "other"),
    ("unable-3", "citizen"), ("reject-1", "commercial"), ("reject-2", "research"),
    ("reject-3", "public_welfare"), ("reject-4", "legal_services"), ("reject-5", "other"),
    ("other-1", "citizen"), ("other-2", "commercial"), ("other-3", "research"),
]


@pytest.fixture
def year_2026(applications, orgs, staff, travel, submit):
    """双塔镇's applications around 2026 (see test_report.py for the table they make)."""
    a = applications
    # A: received and answered in 2025 — in neither count of 2026.
    a.receive("A", beijing(date(2025, 6, 10)))
    a.answer("A", "grant", beijing(date(2025, 6, 20)))
    # B: received in 2025, answered in 2026 — 上年结转, then a result.
    a.receive("B1", beijing(date(2025, 12, 25)))
    a.receive("B2", beijing(date(2025, 12, 30), 23, 30), "commercial")
    a.receive("B3", beijing(date(2025, 12, 31), 23, 50), "legal_services")  # UTC: 15:50
    a.answer("B1", "grant", beijing(date(2026, 1, 5)))
    a.answer("B2", "partial", beijing(date(2026, 1, 8)))
    a.answer("B3", "deny-4", beijing(date(2026, 1, 12)))
    # C: received in 2025 and still open — carried in and carried out.
    a.receive("C", beijing(date(2025, 11, 20)), "research")
    # J2: answered in 2025, reopened and answered again in 2026 — counts once, in 2025, with
    # its first reply: the second handling is no new application.
    a.receive("J2", beijing(date(2025, 10, 9)))
    a.answer("J2", "grant", beijing(date(2025, 10, 20)))
    a.reopen("J2", beijing(date(2026, 1, 6)))
    a.answer("J2", "partial", beijing(date(2026, 2, 3)))
    # D: every outcome, received and answered in 2026; unable-1 via the 财政所 (transfer).
    for n, (code, column) in enumerate(EVERY_OUTCOME):
        received = date(2026, 2 + n // 4, 2 + n % 4 * 5)
        a.receive(code, beijing(received), column)
        if code == "unable-1":
            workflow.transfer(staff["handler"], a.made[code].id, orgs["finance"], "财政所掌握")
            a.answer(code, code, beijing(received, 15), handler="finance_handler")
        else:
            a.answer(code, code, beijing(received, 15))
    # J1: answered, reopened and answered again within 2026 — counted once, with its first
    # reply; the second handling's result is no new figure.
    a.receive("J1", beijing(date(2026, 3, 2)), "commercial")
    a.answer("J1", "grant", beijing(date(2026, 3, 20)))
    a.reopen("J1", beijing(date(2026, 4, 1)))
    a.answer("J1", "deny-6", beijing(date(2026, 4, 20)))
    # E: received in 2026, not answered by the end of the year.
    a.receive("E1", beijing(date(2026, 12, 20)), "public_welfare")
    a.receive("E2", beijing(date(2026, 12, 31), 23, 30))
    a.receive("E3", beijing(date(2026, 11, 2)), "other")
    a.answer("E3", "grant", beijing(date(2027, 1, 6)))
    # F: 00:10 on 1 January 2027 in Beijing is still 2026 in UTC — a 2027 application.
    a.receive("F", beijing(date(2027, 1, 1), 0, 10))
    # G: another town's application; only the county's report counts it.
    a.receive("G", beijing(date(2026, 5, 6)), town="other_town")
    a.answer("G", "grant", beijing(date(2026, 5, 20)), handler="other_handler")
    # I: a 咨询 is no information application.
    travel.set(beijing(date(2026, 6, 1)))
    submit(type=InquiryType.CONSULT, token=tracking.new_submission_token())
    travel.to(date(2027, 1, 15))
    return a


def read_xlsx(content: bytes) -> tuple[dict[str, list], list, object]:
    """(table 三 by row label, table 四's fifteen cells, the sheet) of an exported workbook."""
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    three = {}
    for row in rows:
        labels = [value for value in row[:3] if isinstance(value, str)]
        if labels and all(isinstance(value, int) for value in row[3:10]):
            three[labels[-1]] = list(row[3:10])
    review_header = next(i for i, row in enumerate(rows) if row[0] == "行政复议")
    return three, list(rows[review_header + 3][:15]), sheet
