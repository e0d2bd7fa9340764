"""Dashboard tables as CSV and XLSX, written by `portal.spreadsheet` (so nothing typed into
the portal runs as a formula when the file is opened). Every export is itself an audit
event. Counts, hours and days are numbers, rates are numbers formatted as percentages, and
dates and times are dates and times (local), so a spreadsheet can sort and sum them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from portal import audit, spreadsheet
from portal.auth.permissions import require_any
from portal.errors import NotFound
from portal.extensions import db
from portal.inspection import dashboard, lists, supervision
from portal.inspection.stats import Figures
from portal.spreadsheet import Percent, Table
from portal.timeutil import to_local

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
TIMELINESS_HEADERS = ["分组", "件数", "已签收", "按时签收", "已答复", "按时答复", "答复按时率",
                      "签收用时中位数（小时）", "签收用时 90 分位（小时）",
                      "答复用时中位数（工作日）", "答复用时 90 分位（工作日）",
                      "当前超期", "即将到期"]
SUPERVISION_HEADERS = ["督办事项", "被督办单位", "督办人", "督办时间", "答复期限", "答复时间",
                       "答复情况", "督办要求", "答复内容"]


def _local(moment: datetime | None) -> datetime | None:
    """A stored UTC time as the local wall-clock time a spreadsheet cell holds."""
    return None if moment is None else to_local(moment).replace(tzinfo=None)


def _number(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def timeliness_rows(rows: list[Figures]) -> list[list]:
    return [[r.label, r.total, r.signed, r.signed_on_time, r.replied, r.replied_on_time,
             None if r.on_time_rate is None else Percent(r.on_time_rate),
             _number(r.median_sign_hours), _number(r.p90_sign_hours),
             _number(r.median_reply_days), _number(r.p90_reply_days), r.overdue, r.due_soon]
            for r in rows]


def _timeliness(grouping: str, paths: list[str], year: int) -> Table:
    board = dashboard.timeliness(paths, year)
    rows = timeliness_rows([*board.tables[grouping], board.total])
    return Table(f"{year}年留言办理时效（{dashboard.GROUPINGS[grouping]}）",
                 TIMELINESS_HEADERS, rows)


def _late_disclosures(paths: list[str], year: int) -> Table:
    rows = [[d.title, d.publisher_name, d.formed_on, d.publish_due,
             _local(d.first_published_at) or "未发布", d.days_late, d.status_label]
            for d in lists.late_disclosures(paths, year)]
    return Table(f"{year}年超期公开的政府信息", ["标题", "发布机构", "信息形成日期",
                                              "应公开日期", "实际发布", "超期天数", "当前状态"],
                 rows)


def _village_lapses(paths: list[str], year: int) -> Table:
    rows = [[lapse.village.name, lapse.category.label, lapse.subject, lapse.due,
             lapse.kind.label, lapse.days]
            for lapse in lists.village_lapses(paths)]
    return Table("村务未按期公开", ["村", "类别", "期间/事项", "应公开日期", "情况", "天数"], rows)


def _supervision(paths: list[str], year: int) -> Table:
    rows = [[n.subject, n.organization.full_name, n.issued_by.display_name,
             _local(n.issued_at), n.answer_due_on, _local(n.answered_at) or "未答复",
             {True: "按时", False: "超期", None: "超期未答复" if n.is_overdue else "待答复"}[
                 n.answered_on_time], n.content, n.answer]
            for n in supervision.notices_in(paths, year)]
    return Table(f"{year}年督办情况", SUPERVISION_HEADERS, rows)


BUILDERS: dict[str, Callable[[list[str], int], Table]] = {
    **{f"timeliness-{grouping}": partial(_timeliness, grouping)
       for grouping in dashboard.GROUPINGS},
    "late-disclosures": _late_disclosures,
    "village-lapses": _village_lapses,
    "supervision": _supervision,
}
TABLE_NAMES = tuple(BUILDERS)


def build(name: str, paths: list[str], year: int) -> Table:
    """The named dashboard table, computed afresh (exports never trust a cached page).
    Raises NotFound for a name not in TABLE_NAMES."""
    if name not in BUILDERS:
        raise NotFound("没有这张表。")
    return BUILDERS[name](paths, year)


def export(actor, name: str, year: int, fmt: str) -> tuple[bytes, str, str]:
    """One dashboard table as a file: (content, mimetype, file name). Requires
    `inspector` or `admin`; the export is recorded in the audit log."""
    require_any(actor, dashboard.INSPECT_ROLES, None, action="inspection.export")
    if fmt not in FORMATS:
        raise NotFound("只能导出 CSV 或 XLSX。")
    table = build(name, dashboard.scope_paths(actor), year)
    content = spreadsheet.table_csv(table) if fmt == "csv" else spreadsheet.xlsx_bytes(table)
    audit.record(actor, "inspection.export", None,
                 after={"table": name, "year": year, "format": fmt, "rows": len(table.rows)})
    db.session.commit()
    return content, FORMATS[fmt], f"{table.title}.{fmt}"


