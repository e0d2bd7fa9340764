"""周汇报 and 月汇总, compiled from the ledger for the 综治中心: per village the checks filed,
nil reports and days missed, the disputes found, resolved, handed up and still open; per
type the same counts; and the days to resolution. Exported through `portal.spreadsheet`.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import or_, select

from portal import audit, spreadsheet
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.disputes.models import Dispute, DisputeStatus, DisputeType
from portal.disputes.queries import (
    checks_between,
    days,
    first_checks,
    missing_checks,
    villages_of,
)
from portal.errors import NotFound
from portal.extensions import db
from portal.timeutil import local_today

PERIODS = {"weekly": "周汇报", "monthly": "月汇总"}
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def period_bounds(period: str, anchor: date) -> tuple[date, date]:
    """The week (Monday to Sunday) or the calendar month holding `anchor`."""
    if period == "weekly":
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=6)
    if period == "monthly":
        start = anchor.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return start, following - timedelta(days=1)
    raise NotFound("没有这种汇总：可选周汇报（weekly）或月汇总（monthly）。")


@dataclass
class Row:
    label: str
    expected: int = 0  # days the village should have filed (since it joined the ledger)
    filed: int = 0
    nil: int = 0
    missing: int = 0
    found: int = 0
    resolved: int = 0
    escalated: int = 0
    open: int = 0
    close_days: list[int] = field(default_factory=list)

    @property
    def average_days(self) -> float | None:
        return round(statistics.mean(self.close_days), 1) if self.close_days else None


@dataclass
class Summary:
    period: str
    start: date
    end: date
    villages: list[Row]
    types: list[Row]
    total: Row
    never_filed: list[str]

    @property
    def title(self) -> str:
        return f"矛盾纠纷排查化解{PERIODS[self.period]}（{self.start.isoformat()} 至 " \
               f"{self.end.isoformat()}）"

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.total.close_days) if self.total.close_days else None


def _tally(row: Row, d: Dispute, start: date, end: date) -> None:
    if start <= d.reported_on <= end:
        row.found += 1
    if d.resolved_on is not None and start <= d.resolved_on <= end:
        if d.status is DisputeStatus.RESOLVED:
            row.resolved += 1
            row.close_days.append(d.days_to_close)
        elif d.status is DisputeStatus.ESCALATED:
            row.escalated += 1
    if d.reported_on <= end and (d.resolved_on is None or d.resolved_on > end):
        row.open += 1


def compile_summary(actor, period: str, anchor: date) -> Summary:
    """The report of the week or month holding `anchor`, over the villages of the actor's
    综治中心 grants. Requires `governance_center`."""
    start, end = period_bounds(period, anchor)
    require(actor, Role.GOVERNANCE_CENTER, None, action="dispute_reports.view")
    villages = villages_of(actor, (Role.GOVERNANCE_CENTER,))
    ids = [v.id for v in villages]
    last_day = min(end, local_today())
    filed = checks_between(ids, start, end)
    first = first_checks(ids)
    gaps = missing_checks(villages, start, end)
    rows = {v.id: Row(v.name) for v in villages}
    for village in villages:
        row = rows[village.id]
        if village.id in first and first[village.id] <= last_day:
            row.expected = len(days(max(start, first[village.id]), last_day))
    for check in filed.values():
        rows[check.village_id].filed += 1
        rows[check.village_id].nil += check.nil
    for gap in gaps:
        rows[gap.village.id].missing += 1
    types = {t: Row(t.label) for t in DisputeType}
    total = Row("合计")
    if ids:
        stmt = select(Dispute).where(
            Dispute.village_id.in_(ids), Dispute.reported_on <= end,
            or_(Dispute.resolved_on.is_(None), Dispute.resolved_on >= start))
        for d in db.session.scalars(stmt):
            for row in (rows[d.village_id], types[d.type], total):
                _tally(row, d, start, end)
    for row in rows.values():
        for name in ("expected", "filed", "nil", "missing"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return Summary(period, start, end, list(rows.values()),
                   [r for r in types.values() if r.found or r.resolved or r.escalated or r.open],
                   total, [v.name for v in villages if v.id not in first])


VILLAGE_HEADERS = ("村", "应报天数", "已报天数", "其中零报告", "漏报天数", "新排查纠纷",
                   "化解", "上交", "期末在办", "平均化解用时（天）")
TYPE_HEADERS = ("纠纷类型", "新排查纠纷", "化解", "上交", "期末在办", "平均化解用时（天）")


def tables(summary: Summary) -> list[spreadsheet.Table]:
    def village_row(r: Row) -> list:
        return [r.label, r.expected, r.filed, r.nil, r.missing, r.found, r.resolved,
                r.escalated, r.open, r.average_days]

    def type_row(r: Row) -> list:
        return [r.label, r.found, r.resolved, r.escalated, r.open, r.average_days]

    return [
        spreadsheet.Table(f"{summary.title} 按村", VILLAGE_HEADERS,
                          [*map(village_row, summary.villages), village_row(summary.total)],
                          sheet_name="按村"),
        spreadsheet.Table(f"{summary.title} 按类型", TYPE_HEADERS,
                          [*map(type_row, summary.types), type_row(summary.total)],
                          sheet_name="按类型"),
    ]


def export(actor, period: str, anchor: date, fmt: str) -> tuple[bytes, str, str]:
    """The report as a file: (content, mimetype, file name). Requires `governance_center`;
    every export is audited."""
    if fmt not in FORMATS:
        raise NotFound("只能导出 CSV 或 XLSX。")
    summary = compile_summary(actor, period, anchor)
    sheets = tables(summary)
    if fmt == "xlsx":
        content = spreadsheet.xlsx_bytes(*sheets)
    else:
        rows: list = []
        for table in sheets:
            rows += [[table.title], list(table.headers), *table.rows, []]
        content = spreadsheet.csv_bytes(rows)
    audit.record(actor, "dispute_reports.export", None,
                 after={"period": period, "start": summary.start, "end": summary.end,
                        "format": fmt})
    db.session.commit()
    return content, FORMATS[fmt], f"{summary.title}.{fmt}"
