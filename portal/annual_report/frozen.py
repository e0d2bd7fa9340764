"""The frozen report: what 定稿 stores, as JSON in `AnnualReport.frozen`, and reading it back.

Format 1, one object:

    {"format": 1,
     "counted_at": "2027-01-18T02:00:00+00:00",        # when the figures were counted (UTC)
     "carried_in_from": 2025 | null,                     # the frozen year 二 was taken from
     "missed": ["2026-000031", …],     # received in that year, not counted by it: 本年新收
     "narrative": {"overview": …, "problems": …, "other_matters": …},
     "manual": {"rules_issued": 0, …, "fee_amount": "0.35"},      # table 二 as filed
     "overrides": {"penalty_decisions": 31},   # figures typed over the registers' counts
     "applications": {                                             # table 三
        "counts": {"new": {"citizen": 5, …, "total": 25}, …},    # every row, totals too
        "ledger": [["2026-000012", "citizen", "new", "grant"], …]},
        # each application counted: 受理编号, column, row it came in by, row it left by
     "appeals": {                                                  # table 四
        "counts": {"review": {"upheld": 1, …}, …},
        "ledger": [[7, "review", "pending", "登记号 7（2026-05-06 行政复议）"], …]},
     "check": "通过",                                              # the 勾稽关系 at 定稿
     "fees": {"notices": 2, "notices_amount": "1100.00", "paid": 1,  # 信息处理费 of the
              "paid_amount": "1100.00", "lapsed": 1}}                 # year (absent: older)

The ledgers are what make a later reconciliation name the applications and cases behind a
difference. `digest` is the SHA-256 of the object's canonical JSON; the 定稿's audit event
carries it, so the stored snapshot can be checked against the tamper-evident log.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from portal.annual_report.carryover import FrozenYear
from portal.annual_report.figures import (
    AppealFact,
    AppealTable,
    ApplicationTable,
    Placement,
)
from portal.annual_report.models import AppealKind, AppealResult

FORMAT = 1


def snapshot_of(*, narrative: dict[str, str], manual: dict, applications: ApplicationTable,
                appeals: AppealTable, check: str, counted_at: datetime,
                carried_in_from: int | None, missed: tuple[str, ...],
                fees: dict | None = None, overrides: dict | None = None) -> dict:
    """The JSON object 定稿 stores (format above)."""
    return {
        "format": FORMAT,
        "counted_at": counted_at.isoformat(),
        "carried_in_from": carried_in_from,
        "missed": list(missed),
        "narrative": dict(narrative),
        "manual": dict(manual),
        "overrides": dict(overrides or {}),
        "applications": {
            "counts": applications.counts,
            "ledger": [[p.number, p.column, p.intake, p.settle]
                       for p in sorted(applications.placements, key=lambda p: p.number)],
        },
        "appeals": {
            "counts": {kind.value: {result.value: n for result, n in cells.items()}
                       for kind, cells in appeals.counts.items()},
            "ledger": [[case.case_id, case.kind.value, case.result.value, case.description]
                       for case in appeals.cases],
        },
        "check": check,
        "fees": fees,
    }


def digest(snapshot: dict) -> str:
    canonical = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def placements(snapshot: dict) -> tuple[Placement, ...]:
    return tuple(Placement(*row) for row in snapshot["applications"]["ledger"])


def applications_from(snapshot: dict) -> ApplicationTable:
    """Table 三 as filed: the stored counts, with the ledger behind them."""
    counts = {row: dict(cells) for row, cells in snapshot["applications"]["counts"].items()}
    return ApplicationTable(counts, [], placements(snapshot))


def appeals_from(snapshot: dict) -> AppealTable:
    cases = tuple(AppealFact(AppealKind(kind), AppealResult(result), case_id, description)
                  for case_id, kind, result, description in snapshot["appeals"]["ledger"])
    counts = {AppealKind(kind): {AppealResult(result): n for result, n in cells.items()}
              for kind, cells in snapshot["appeals"]["counts"].items()}
    return AppealTable(counts, cases)


def frozen_year(snapshot: dict, year: int) -> FrozenYear:
    return FrozenYear(year, {p.number: p for p in placements(snapshot)})
