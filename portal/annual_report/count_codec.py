"""A year's count (tables 三 and 四, the balance check, the fees) as JSON text and back,
so the workers of one host share one computation (`portal.inspection.shared`): counting a
county's 依申请公开 takes seconds at a million work orders, and five workers each doing it
at once took every core and most of a gigabyte between them.

Every field comes back as it went in, in the same order, so a count read from the file
is equal to the one computed (checked by `tests/annual_report/test_count_codec.py`).
"""

from __future__ import annotations

import json
from decimal import Decimal

from portal.annual_report.fees import FeeFigures
from portal.annual_report.figures import (
    AppealFact,
    AppealTable,
    ApplicationTable,
    BalanceCheck,
    Mismatch,
    Placement,
)
from portal.annual_report.models import AppealKind, AppealResult
from portal.inspection.snapshot import Codec


def dumps(count) -> str:
    applications, appeals, fees = count.applications, count.appeals, count.fees
    return json.dumps({
        "applications": {
            "counts": applications.counts,
            "unclassified": list(applications.unclassified),
            "placements": [[p.number, p.column, p.intake, p.settle]
                           for p in applications.placements]},
        "check": [[m.column, m.received, m.settled] for m in count.check.mismatches],
        "appeals": {
            "counts": [[kind.value, [[result.value, n] for result, n in cells.items()]]
                       for kind, cells in appeals.counts.items()],
            "cases": [[case.kind.value, case.result.value, case.case_id, case.description]
                      for case in appeals.cases]},
        "carried_in_from": count.carried_in_from,
        "missed": list(count.missed),
        "fees": [fees.notices, str(fees.notices_amount), fees.paid, str(fees.paid_amount),
                 fees.lapsed],
    }, ensure_ascii=False)


def loads(text: str):
    from portal.annual_report.assembly import Count

    data = json.loads(text)
    applications = ApplicationTable(
        {row: dict(cells) for row, cells in data["applications"]["counts"].items()},
        list(data["applications"]["unclassified"]),
        tuple(Placement(*row) for row in data["applications"]["placements"]))
    appeals = AppealTable(
        {AppealKind(kind): {AppealResult(result): n for result, n in cells}
         for kind, cells in data["appeals"]["counts"]},
        tuple(AppealFact(AppealKind(kind), AppealResult(result), case_id, description)
              for kind, result, case_id, description in data["appeals"]["cases"]))
    notices, notices_amount, paid, paid_amount, lapsed = data["fees"]
    return Count(applications, BalanceCheck(tuple(Mismatch(*row) for row in data["check"])),
                 appeals, carried_in_from=data["carried_in_from"],
                 missed=tuple(data["missed"]),
                 fees=FeeFigures(notices, Decimal(notices_amount), paid, Decimal(paid_amount),
                                 lapsed))


COUNT = Codec(dumps, loads)
