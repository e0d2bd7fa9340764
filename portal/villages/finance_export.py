"""The finance table of a published notice as a file for residents, regenerated from the
rows with personal data masked — never the clerk's original upload, which may carry
columns (身份证号, 银行卡号, 电话) the notice does not show. CSV and XLSX through the one
inert spreadsheet writer (`portal.spreadsheet`)."""

from __future__ import annotations

from portal import spreadsheet
from portal.privacy import mask
from portal.villages.models import VillageNotice

HEADERS = ("日期", "摘要", "收入（元）", "支出（元）", "备注")
MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "csv": "text/csv; charset=utf-8"}


def statement_table(notice: VillageNotice) -> spreadsheet.Table:
    table = notice.finance_table
    rows = [[row.entry_date, mask(row.item), row.income, row.expense, mask(row.note)]
            for row in table.rows]
    rows.append(["合计", "", table.total_income, table.total_expense, ""])
    return spreadsheet.Table(title=f"{notice.village.full_name} {notice.title} 收支明细",
                             headers=HEADERS, rows=rows, sheet_name="收支明细")


def statement_file(notice: VillageNotice, fmt: str) -> tuple[bytes, str, str]:
    """(content, mimetype, file name) of the regenerated table in `fmt` (xlsx or csv)."""
    table = statement_table(notice)
    content = spreadsheet.xlsx_bytes(table) if fmt == "xlsx" else spreadsheet.table_csv(table)
    return content, MIMETYPES[fmt], f"{notice.title}收支明细.{fmt}"
