"""Which state of an annual report follows which, who may move it, and what a refusal says.

    编制中 (draft) ──定稿──▶ 已定稿 (finalized) ──报送──▶ 已报送 (submitted)
         ▲                      │
         └──────退回修改─────────┘   (admin only, with a reason; 已报送 is final)

Narrative and figures are edited only in 编制中; a frozen report is corrected by reopening
it (while 已定稿) or, once 已报送, in the next year's report.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.annual_report.models import AnnualReport, ReportStatus
from portal.auth.models import Role
from portal.timeutil import format_day

EDIT_ROLES = (Role.ADMIN, Role.REVIEWER)


@dataclass(frozen=True)
class Transition:
    source: ReportStatus
    target: ReportStatus
    label: str
    roles: tuple[Role, ...]


TRANSITIONS = {
    "finalize": Transition(ReportStatus.DRAFT, ReportStatus.FINALIZED, "定稿", EDIT_ROLES),
    "submit": Transition(ReportStatus.FINALIZED, ReportStatus.SUBMITTED, "报送", EDIT_ROLES),
    "reopen": Transition(ReportStatus.FINALIZED, ReportStatus.DRAFT, "退回修改", (Role.ADMIN,)),
}

NEXT_YEAR = "如需更正，请在下一年度报告中说明，与现有数据的差异见本报告的“对账说明”。"


def status_of(record: AnnualReport | None) -> ReportStatus:
    return record.status if record is not None else ReportStatus.DRAFT


def _day(record: AnnualReport, attribute: str) -> str:
    value = getattr(record, attribute)
    return f"于 {format_day(value)} " if value is not None else ""


def refusal(action: str, record: AnnualReport | None) -> str | None:
    """Why `record`'s state does not allow `action`, or None when it does."""
    status = status_of(record)
    if status is TRANSITIONS[action].source:
        return None
    if status is ReportStatus.SUBMITTED:
        return {"finalize": "该年度报告已报送，不能再次定稿。",
                "submit": f"该年度报告已{_day(record, 'submitted_on')}报送。",
                "reopen": "该年度报告已报送，不能退回修改；" + NEXT_YEAR}[action]
    if status is ReportStatus.FINALIZED:
        return f"该年度报告已{_day(record, 'finalized_at')}定稿。"
    return {"submit": "该年度报告尚未定稿，请先定稿再报送。",
            "reopen": "该年度报告尚未定稿，无需退回修改。"}[action]


def edit_refusal(record: AnnualReport | None) -> str | None:
    """Why the narrative and figures of `record` cannot be edited, or None when they can."""
    status = status_of(record)
    if status is ReportStatus.FINALIZED:
        return "该年度报告已定稿，不能修改；如需更正请由系统管理员退回修改，改正后重新定稿。"
    if status is ReportStatus.SUBMITTED:
        return "该年度报告已定稿并报送，不能修改；" + NEXT_YEAR
    return None
