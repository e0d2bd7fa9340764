"""The report as files: XLSX in the layout of 国办公开办函〔2021〕30号, CSV with one figure a
line, and a standalone HTML page (the same markup as the web page, without the site around
it). Each says whether the figures are frozen (定稿) and carries the reconciliation note of
a frozen report. Pure rendering: the services check permission and audit the export. The
spreadsheets are written through `portal.spreadsheet`, so no text of the report runs as a
formula."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import render_template
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from portal import spreadsheet
from portal.annual_report.figures import (
    APPEAL_COLUMN_LABELS,
    APPLICANT_COLUMNS,
    CHECK_NOTE,
    COLUMN_LABELS,
    COLUMNS,
    NARRATIVE_SECTIONS,
    ORGANIZATION_COLUMNS,
    PROACTIVE_BLOCKS,
    application_layout,
)
from portal.annual_report.models import AppealKind
from portal.timeutil import format_local

if TYPE_CHECKING:
    from portal.annual_report.assembly import Report

MANUAL_NOTE = ("（本表数据由本机关填报；行政许可、行政处罚、行政强制的决定数量取自"
               "行政执法公示登记，人工修正的注明）")
APPEAL_GROUPS = (("行政复议", (AppealKind.REVIEW,)),
                 ("行政诉讼", (AppealKind.LITIGATION_DIRECT, AppealKind.LITIGATION_AFTER_REVIEW)))
APPEAL_SUBHEADINGS = {AppealKind.LITIGATION_DIRECT: "未经复议直接起诉",
                      AppealKind.LITIGATION_AFTER_REVIEW: "复议后起诉"}


def template_context(report: Report) -> dict:
    """What `annual_report/_report.html` needs besides the report."""
    return {"report": report, "layout": application_layout(), "columns": COLUMNS,
            "column_labels": COLUMN_LABELS, "organization_columns": ORGANIZATION_COLUMNS,
            "blocks": PROACTIVE_BLOCKS, "check_note": CHECK_NOTE, "manual_note": MANUAL_NOTE,
            "sections": NARRATIVE_SECTIONS, "appeal_groups": APPEAL_GROUPS,
            "appeal_subheadings": APPEAL_SUBHEADINGS,
            "appeal_column_labels": APPEAL_COLUMN_LABELS}


def to_html(report: Report) -> bytes:
    return render_template("annual_report/document.html", **template_context(report)).encode()


def state_line(report: Report) -> str:
    """Whether the figures are frozen, in one line."""
    if not report.is_frozen:
        return (f"报告状态：{report.status.label}（按 {format_local(report.counted_at)} "
                "的数据统计，定稿前会随数据变化）")
    stored = report.stored
    submitted = f"，{stored.submitted_on.isoformat()} 报送" if stored.submitted_on else ""
    return (f"报告状态：{report.status.label}（{format_local(stored.finalized_at)} 定稿"
            f"{submitted}；以下为定稿时的数字；定稿数据摘要 SHA-256 {report.digest}）")


def carry_lines(report: Report) -> list[str]:
    """Where 二、上年结转 came from, and the applications counted new because of it."""
    lines = []
    if report.carried_in_from:
        lines.append(f"“二、上年结转政府信息公开申请数量”取自已定稿的 {report.carried_in_from} "
                     "年度报告的“四、结转下年度继续办理”。")
    if report.missed:
        year = report.carried_in_from
        lines.append(f"以下申请受理于 {year} 年，但未计入已定稿的 {year} 年度报告，"
                     f"计入本年新收：{'、'.join(report.missed)}。")
    return lines


def reconciliation_lines(report: Report) -> list[str]:
    """The 对账说明 of a frozen report, a line per differing row; none for a draft."""
    note = report.reconciliation
    if note is None:
        return []
    when = format_local(note.recounted_at)
    if note.matches:
        return [f"按 {when} 的数据重新统计，与定稿数字一致。"]
    return [f"按 {when} 的数据重新统计，与定稿数字有以下差异（定稿数字不因此改变）：",
            *(difference.text for difference in note.differences)]


# --- CSV --------------------------------------------------------------------------------------

def csv_rows(report: Report) -> list[list]:
    """One figure a line, the figure as a number."""
    rows: list[list] = [["表", "项目", "列", "数值"], ["", "报告状态", "", state_line(report)]]
    for block in PROACTIVE_BLOCKS:
        for label, keys in block.rows:
            rows += [["二", f"{block.provision}·{label}",
                      heading + ("（人工修正）" if report.overridden(key) else ""),
                      report.manual[key]]
                     for key, heading in zip(keys, block.headings, strict=True)]
    for laid in application_layout():
        spec = laid.spec
        name = "·".join(part for part in (spec.section, spec.group, spec.label) if part)
        rows += [["三", name, COLUMN_LABELS[column],
                  report.applications.value(spec.key, column)] for column in COLUMNS]
    rows.append(["三", "勾稽关系校验", "", report.check.summary])
    rows += [["三", "说明", "", line] for line in carry_lines(report)]
    for kind in AppealKind:
        rows += [["四", kind.label, heading, value]
                 for heading, value in zip(APPEAL_COLUMN_LABELS, report.appeals.cells(kind),
                                           strict=True)]
    if report.fees is not None:
        fees = report.fees
        rows += [["六", f"信息处理费·{label}", "", value] for label, value in (
            ("发出收费通知（件）", fees.notices),
            ("收费通知金额（元）", f"{fees.notices_amount:.2f}"),
            ("实际收取（件）", fees.paid), ("实际收取金额（元）", f"{fees.paid_amount:.2f}"),
            ("逾期未缴费终止办理（件）", fees.lapsed))]
    rows += [["", "对账说明", "", line] for line in reconciliation_lines(report)]
    return rows


def to_csv(report: Report) -> bytes:
    return spreadsheet.csv_bytes(csv_rows(report))


# --- XLSX -------------------------------------------------------------------------------------

THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="EEF1F5")
WIDE = 15  # table 四 is the widest: fifteen value columns


class _Sheet:
    """Writes blocks one under another; `row` is the next free row."""

    def __init__(self, sheet) -> None:
        self.sheet = sheet
        self.row = 1

    def cell(self, row: int, col: int, value, *, to: tuple[int, int] | None = None,
             head: bool = False, boxed: bool = True, wrap: bool = True):
        cell = spreadsheet.put(self.sheet, row, col, value)
        last_row, last_col = to or (row, col)
        if (last_row, last_col) != (row, col):
            self.sheet.merge_cells(start_row=row, start_column=col, end_row=last_row,
                                   end_column=last_col)
        cell.alignment = Alignment(wrap_text=wrap, vertical="center",
                                   horizontal="center" if head else None)
        if head:
            cell.font = Font(bold=True)
            cell.fill = HEAD_FILL
        if boxed:
            for r in range(row, last_row + 1):
                for c in range(col, last_col + 1):
                    self.sheet.cell(row=r, column=c).border = BOX
        return cell

    def line(self, text: str, *, bold: bool = False, size: int = 11) -> None:
        cell = self.cell(self.row, 1, text, to=(self.row, WIDE), boxed=False)
        cell.font = Font(bold=bold, size=size)
        self.row += 1

    def paragraphs(self, text: str) -> None:
        lines = [line for line in text.splitlines() if line.strip()] or ["（未填写）"]
        for line in lines:
            self.line(line)
            self.sheet.row_dimensions[self.row - 1].height = 15 * (1 + len(line) // 80)

    def gap(self) -> None:
        self.row += 1


def _proactive(out: _Sheet, report: Report) -> None:
    for block in PROACTIVE_BLOCKS:
        r = out.row
        out.cell(r, 1, block.provision, to=(r, 4), head=True)
        out.cell(r + 1, 1, "信息内容", head=True)
        single = len(block.headings) == 1
        for i, heading in enumerate(block.headings):
            out.cell(r + 1, 2 + i, heading, to=(r + 1, 4) if single else None, head=True)
        r += 2
        for label, keys in block.rows:
            out.cell(r, 1, label + ("（人工修正）" if any(map(report.overridden, keys)) else ""))
            for i, key in enumerate(keys):
                out.cell(r, 2 + i, report.manual[key], to=(r, 4) if single else None)
            r += 1
        out.row = r


def _applications(out: _Sheet, report: Report) -> None:
    r, first_value = out.row, 4
    total_col = first_value + len(APPLICANT_COLUMNS)
    out.cell(r, 1, CHECK_NOTE, to=(r + 2, 3), head=True)
    out.cell(r, first_value, "申请人情况", to=(r, total_col), head=True)
    out.cell(r + 1, first_value, APPLICANT_COLUMNS["citizen"], to=(r + 2, first_value),
             head=True)
    out.cell(r + 1, first_value + 1, "法人或其他组织", to=(r + 1, total_col - 1), head=True)
    out.cell(r + 1, total_col, COLUMN_LABELS["total"], to=(r + 2, total_col), head=True)
    for i, label in enumerate(ORGANIZATION_COLUMNS.values()):
        out.cell(r + 2, first_value + 1 + i, label, head=True)
    r += 3
    for laid in application_layout():
        spec = laid.spec
        if not spec.section:
            out.cell(r, 1, spec.label, to=(r, 3))
        else:
            if laid.section_span:
                out.cell(r, 1, spec.section, to=(r + laid.section_span - 1, 1))
            if laid.group_span:
                out.cell(r, 2, spec.group, to=(r + laid.group_span - 1, 2))
            if not spec.group:
                out.cell(r, 2, spec.label, to=(r, 3))
            else:
                out.cell(r, 3, spec.label)
        for i, value in enumerate(report.applications.row(spec.key)):
            out.cell(r, first_value + i, value)
        r += 1
    out.row = r


def _appeals(out: _Sheet, report: Report) -> None:
    r, col = out.row, 1
    for heading, kinds in APPEAL_GROUPS:
        width = 5 * len(kinds)
        out.cell(r, col, heading, to=(r, col + width - 1), head=True)
        for kind in kinds:
            if kind in APPEAL_SUBHEADINGS:
                out.cell(r + 1, col, APPEAL_SUBHEADINGS[kind], to=(r + 1, col + 4), head=True)
                for i, label in enumerate(APPEAL_COLUMN_LABELS):
                    out.cell(r + 2, col + i, label, head=True)
            else:
                for i, label in enumerate(APPEAL_COLUMN_LABELS):
                    out.cell(r + 1, col + i, label, to=(r + 2, col + i), head=True)
            for i, value in enumerate(report.appeals.cells(kind)):
                out.cell(r + 3, col + i, value)
            col += 5
    out.row = r + 4


def to_xlsx(report: Report) -> bytes:
    writer = spreadsheet.XlsxWriter()
    sheet = writer.sheet("年度报告")
    for col, width in zip(range(1, WIDE + 1), (18, 18, 34, *([10] * (WIDE - 3))), strict=True):
        sheet.column_dimensions[get_column_letter(col)].width = width
    out = _Sheet(sheet)
    out.line(report.title, bold=True, size=14)
    out.line(state_line(report))
    out.gap()
    out.line(NARRATIVE_SECTIONS["overview"], bold=True)
    out.paragraphs(report.narrative["overview"])
    out.gap()
    out.line("二、主动公开政府信息情况", bold=True)
    out.line(MANUAL_NOTE)
    _proactive(out, report)
    out.gap()
    out.line("三、收到和处理政府信息公开申请情况", bold=True)
    _applications(out, report)
    out.line(f"勾稽关系校验：{report.check.summary}")
    for line in carry_lines(report):
        out.line(line)
    out.gap()
    out.line("四、政府信息公开行政复议、行政诉讼情况", bold=True)
    _appeals(out, report)
    if report.reconciliation is not None:
        out.gap()
        out.line("对账说明", bold=True)
        out.paragraphs("\n".join(reconciliation_lines(report)))
    for key in ("problems", "other_matters"):
        out.gap()
        out.line(NARRATIVE_SECTIONS[key], bold=True)
        if key == "other_matters" and report.fees is not None:
            out.line(f"信息处理费：{report.fees.text}")
        out.paragraphs(report.narrative[key])
    out.gap()
    out.line(f"生成时间：{format_local(report.generated_at)}（北京时间）")
    return writer.to_bytes()
