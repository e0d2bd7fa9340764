"""Village income/expense statements (财务收支明细) read from .xlsx or .csv.

Pure functions, no Flask and no database. The notice service stores the upload with
`save_upload(..., kinds=("xlsx", "csv"))`, which confirms what the content really is,
passes the bytes and that kind to `parse_statement`, shows `FinanceTableError.problems`
on the form, and blocks publication while `scan_statement` finds personal data.

Decisions:
- Layout: within the first 20 rows, a header row naming 日期, 摘要 (项目, 事项), 收入
  (收入金额), 支出 (支出金额) and optionally 备注 (说明), in any order and columns; spaces
  and a "(元)" unit are ignored. Rows above it (the title) and other columns (凭证号,
  余额) are ignored. Blank rows are skipped. The first row whose 摘要 or 日期 reads 合计
  (总计, 本月合计, 本期合计) holds the declared totals; below it, signature lines are
  ignored, but a row with a date or an amount is an error: it would be silently lost.
  Summary rows below it (本年累计) are ignored.
- Amounts are Decimal, never float. Numeric xlsx cells arrive as float and are read at 15
  significant digits, Excel's own precision: a formula's 3.3000000000000003 is 3.3, a
  typed 12.345 is still refused. Text may carry ¥/￥, thousands separators, full-width
  digits and a trailing 元. 0, and the "-" Excel's accounting format writes for it, count
  as an empty cell: templates fill the unused column that way.
- Dates: date cells, or text 2026-10-05, 2026/10/5, 2026.10.5, 2026年10月5日, 20261005
  (a time after it is ignored). A bare number that is not eight digits (a serial number
  that lost its date format) is refused rather than guessed.
- All problems are collected, up to 50, each naming the spreadsheet row and column. The
  totals are compared only when every row is valid: a sum over a partly read table would
  add a misleading difference.
- Limits: 2,000 records, 200 characters per text cell; at most 20,000 sheet rows are read
  and an xlsx may expand to at most 50 MB, so a formatted-but-empty sheet or a ZIP bomb
  cannot hold a worker. Even within them a sheet of wide rows takes openpyxl seconds, so
  the import runs `parse_statement` in a child with a time and memory budget
  (portal.bounded), and running out of memory there is left for the budget to report.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
import unicodedata
import zipfile
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Literal

import openpyxl

from portal.errors import ValidationError
from portal.privacy import Finding, mask, scan

MAX_RECORDS = 2000
MAX_TEXT_LENGTH = 200
MAX_PROBLEMS = 50
HEADER_SEARCH_ROWS = 20
MAX_SHEET_ROWS = 20_000
ROWS_CHECKED_AFTER_TOTALS = 200
MAX_EXPANDED_BYTES = 50 * 1024 * 1024
MAX_AMOUNT = Decimal("999999999999.99")  # Numeric(14, 2) in finance_rows
CENT = Decimal("0.01")

UNREADABLE = ("无法读取该表格文件：请确认它是未损坏的 .xlsx 或 .csv 文件"
              "（.xls 或 WPS 表格请先“另存为”.xlsx 格式）。")
TOO_LARGE = "无法读取该表格文件：解压后内容过大，请删除无关的工作表或拆分后重新导入。"
TOO_COMPLEX = "该表格文件过于复杂，{reason}。请删除无关的工作表和格式，或按月拆分后再导入。"
NO_HEADER = "找不到表头（需要：日期、摘要、收入、支出）。"
NO_RECORDS = "没有任何收支记录。"
NO_TOTALS = "缺少“合计”行。"
TOO_MANY_RECORDS = f"收支记录超过 {MAX_RECORDS:,} 行的上限，请按月拆分后分别导入。"

DATE, ITEM, INCOME, EXPENSE, NOTE = "日期", "摘要", "收入", "支出", "备注"
REQUIRED_COLUMNS = (DATE, ITEM, INCOME, EXPENSE)
HEADER_NAMES = {
    "日期": DATE, "记账日期": DATE, "发生日期": DATE,
    "摘要": ITEM, "项目": ITEM, "事项": ITEM, "收支项目": ITEM, "收支事项": ITEM,
    "收入": INCOME, "收入金额": INCOME,
    "支出": EXPENSE, "支出金额": EXPENSE,
    "备注": NOTE, "说明": NOTE,
}
TOTAL_LABELS = frozenset({"合计", "总计", "本月合计", "本期合计"})
# Summary rows that may follow the totals row (本年累计) and carry amounts of their own.
_SUMMARY_LABEL = re.compile(r"[合累总小]计")
_UNIT_SUFFIX = re.compile(r"\((?:单位:?)?(?:人民币)?元\)$")
_PLACEHOLDERS = frozenset({"-", "--", "—", "——", "/"})
_AMOUNT_TEXT = re.compile(r"(?P<sign>-)?(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?P<fraction>\.\d+)?元?")
_DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"(\d{4})\s*(年)\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?"),
    re.compile(r"(\d{4})()(\d{2})(\d{2})"),
)

Cells = Sequence[object]
RawRows = Iterator[tuple[int, Cells]]
RowReader = Generator[tuple[int, Cells], None, None]


class FinanceTableError(ValidationError):
    """A statement that cannot be imported. `message` is a short summary; `problems`
    lists every place to fix, each naming its row and column."""

    def __init__(self, problems: list[str], summary: str | None = None):
        super().__init__(summary or problems[0], field="finance_file")
        self.problems = problems


@dataclass(frozen=True)
class StatementRow:
    """One record; `row_number` is the spreadsheet row it came from (for messages)."""

    entry_date: date
    item: str
    income: Decimal | None
    expense: Decimal | None
    note: str = ""
    row_number: int = 0


@dataclass(frozen=True)
class Statement:
    """The records and the declared totals, which equal the sums of the records."""

    rows: list[StatementRow]
    total_income: Decimal
    total_expense: Decimal

    @property
    def balance(self) -> Decimal:
        return self.total_income - self.total_expense


@dataclass(frozen=True)
class CellFinding:
    """Personal data in one cell: where it is, and what `portal.privacy.scan` found."""

    row_number: int
    column: str
    finding: Finding

    @property
    def message(self) -> str:
        return (f"第 {self.row_number} 行“{self.column}”有{self.finding.kind.label}"
                f"（{self.finding.masked}），请遮盖后再公开。")


def parse_statement(data: bytes, kind: Literal["xlsx", "csv"], *,
                    period: tuple[date, date] | None = None) -> Statement:
    """Read and check a statement whose content kind the storage layer has confirmed.

    With `period`, every date must lie within it (the notice's 公开期间). Raises
    FinanceTableError listing every problem found (up to 50).
    """
    if kind not in ("xlsx", "csv"):
        raise ValueError(f"not a statement kind: {kind!r}")
    if period is not None and period[0] > period[1]:
        raise ValueError(f"period ends before it starts: {period!r}")
    raw = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    try:
        columns = _find_header(raw)
        if columns is None:
            raise FinanceTableError([NO_HEADER])
        return _StatementReader(columns, period).read(raw)
    finally:
        raw.close()


def scan_statement(statement: Statement) -> list[CellFinding]:
    """Personal data in the 摘要 and 备注 cells, in row order, for marking the places."""
    return [CellFinding(row.row_number, column, finding)
            for row in statement.rows
            for column, text in ((ITEM, row.item), (NOTE, row.note))
            for finding in scan(text)]


def mask_statement(statement: Statement) -> Statement:
    """A copy with personal data in 摘要 and 备注 masked (`138****1234`)."""
    rows = [replace(row, item=mask(row.item), note=mask(row.note)) for row in statement.rows]
    return replace(statement, rows=rows)


# ---- reading the file ------------------------------------------------------------------


def _unreadable(message: str = UNREADABLE) -> FinanceTableError:
    return FinanceTableError([message])


def _xlsx_rows(data: bytes) -> RowReader:
    """(row number, values) of the workbook's active sheet, gaps filled with empty rows."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_EXPANDED_BYTES:
                raise _unreadable(TOO_LARGE)  # before openpyxl loads the shared strings
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (FinanceTableError, MemoryError):  # out of memory is the budget's to report
        raise
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise _unreadable() from error
    try:
        sheet = workbook.active
        if not hasattr(sheet, "reset_dimensions"):  # a chart sheet is active
            sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the stored size is often wrong; read what is there
        rows = sheet.iter_rows(min_row=1, max_row=MAX_SHEET_ROWS, values_only=True)
        yield from enumerate(rows, start=1)
    except MemoryError:
        raise
    except Exception as error:  # damage often shows only while reading the sheet
        raise _unreadable() from error
    finally:
        workbook.close()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise _unreadable()


def _csv_rows(data: bytes) -> RowReader:
    """(record number, values) of a CSV file, separated by comma, tab or semicolon: the
    first separator with which a header row is found, else comma."""
    text = _decode(data)

    def records(delimiter: str) -> RawRows:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return enumerate(itertools.islice(reader, MAX_SHEET_ROWS), start=1)

    try:
        delimiter = next((d for d in (",", "\t", ";") if _find_header(records(d))), ",")
        yield from records(delimiter)
    except csv.Error as error:
        raise _unreadable() from error


# ---- header ----------------------------------------------------------------------------


def _header_name(value: object) -> str:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
    return _UNIT_SUFFIX.sub("", text)


def _find_header(raw: RawRows) -> dict[str, int] | None:
    """Column positions by name, from the first row naming all required columns among
    the first HEADER_SEARCH_ROWS; consumes `raw` up to and including that row."""
    for _, values in itertools.islice(raw, HEADER_SEARCH_ROWS):
        columns: dict[str, int] = {}
        for position, value in enumerate(values):
            name = HEADER_NAMES.get(_header_name(value)) if value is not None else None
            if name is not None:
                columns.setdefault(name, position)
        if all(name in columns for name in REQUIRED_COLUMNS):
            return columns
    return None


# ---- cells -----------------------------------------------------------------------------


class _CellError(Exception):
    """What is wrong with one cell; the reader adds row and column."""


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: object) -> str:
    """The cell as the clerk sees it, for messages."""
    if isinstance(value, float):
        return format(value, ".15g")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else str(value)
    return str(value).strip()


def _label(value: object) -> str:
    return "" if value is None else re.sub(r"\s+", "", str(value))


def _text(value: object) -> str:
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _shown(value)
    if len(text) > MAX_TEXT_LENGTH:
        raise _CellError(f"超过 {MAX_TEXT_LENGTH} 个字符（现有 {len(text)} 个），请精简。")
    return text


def _amount(value: object) -> Decimal | None:
    """The amount in a cell, None when blank; refuses anything but a non-negative amount
    with at most two decimals."""
    if _blank(value):
        return None
    shown = _shown(value)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _CellError(f"“{shown}”不是有效金额。")
    if isinstance(value, float) and not math.isfinite(value):
        raise _CellError(f"“{shown}”不是有效金额。")
    amount = Decimal(shown) if isinstance(value, int | float) else _amount_from_text(value)
    if amount is None:
        return None
    if amount < 0:
        raise _CellError(f"“{shown}”不能为负数。")
    if amount > MAX_AMOUNT:
        raise _CellError(f"“{shown}”超过金额上限。")
    if amount != amount.quantize(CENT):
        raise _CellError(f"“{shown}”最多两位小数。")
    return amount.quantize(CENT)


def _amount_from_text(value: str) -> Decimal | None:
    text = unicodedata.normalize("NFKC", value).replace("\u2212", "-")
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"^(-?)¥", r"\1", text)
    if text in _PLACEHOLDERS:
        return None
    match = _AMOUNT_TEXT.fullmatch(text)
    if match is None:
        raise _CellError(f"“{value.strip()}”不是有效金额。")
    sign, whole, fraction = match.group("sign", "whole", "fraction")
    return Decimal(f"{sign or ''}{whole.replace(',', '')}{fraction or ''}")


def _date(value: object) -> date:
    if _blank(value):
        raise _CellError("不能为空。")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int | str) and not isinstance(value, bool):
        text = unicodedata.normalize("NFKC", str(value)).strip()
        for pattern in _DATE_PATTERNS:
            if match := pattern.fullmatch(text):
                year, _, month, day = match.groups()
                try:
                    return date(int(year), int(month), int(day))
                except ValueError:
                    break
    raise _CellError(f"“{_shown(value)}”不是有效日期。")


# ---- the statement ---------------------------------------------------------------------


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


@dataclass
class _StatementReader:
    """Reads the rows below the header, collecting problems instead of stopping."""

    columns: dict[str, int]
    period: tuple[date, date] | None
    rows: list[StatementRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    records: int = 0

    def read(self, raw: RawRows) -> Statement:
        totals: tuple[int, Cells] | None = None
        for number, values in raw:
            if self._is_blank(values):
                continue
            if self._is_totals(values):
                totals = (number, values)
                self._check_rows_after_totals(raw)
                break
            self.records += 1
            if self.records > MAX_RECORDS:
                self.problems.append(TOO_MANY_RECORDS)
                break
            self._add_row(number, values)
            if len(self.problems) >= MAX_PROBLEMS:
                break
        return self._finish(totals)

    def _cell(self, values: Cells, column: str) -> object:
        position = self.columns.get(column)
        return values[position] if position is not None and position < len(values) else None

    def _is_blank(self, values: Cells) -> bool:
        return all(_blank(self._cell(values, column)) for column in self.columns)

    def _is_totals(self, values: Cells) -> bool:
        return any(_label(self._cell(values, column)) in TOTAL_LABELS
                   for column in (ITEM, DATE))

    def _check(self, number: int, column: str, parse, values: Cells):
        try:
            return parse(self._cell(values, column))
        except _CellError as error:
            self.problems.append(f"第 {number} 行“{column}”：{error}")
            return None

    def _add_row(self, number: int, values: Cells) -> None:
        known = len(self.problems)
        entry_date = self._check(number, DATE, _date, values)
        item = self._check(number, ITEM, _text, values)
        if item == "":
            self.problems.append(f"第 {number} 行“{ITEM}”：不能为空。")
        income = self._check(number, INCOME, _amount, values)
        expense = self._check(number, EXPENSE, _amount, values)
        note = self._check(number, NOTE, _text, values)
        if entry_date is not None and self.period is not None:
            self._check_period(number, entry_date)
        if len(self.problems) == known:
            income, expense = income or None, expense or None  # 0 counts as empty
            if income is None and expense is None:
                self.problems.append(f"第 {number} 行：收入和支出不能同时为空。")
            elif income is not None and expense is not None:
                self.problems.append(f"第 {number} 行：收入和支出只能填一项。")
            else:
                self.rows.append(StatementRow(entry_date, item, income, expense, note, number))

    def _check_period(self, number: int, entry_date: date) -> None:
        start, end = self.period
        if not start <= entry_date <= end:
            self.problems.append(
                f"第 {number} 行“{DATE}”：{entry_date.isoformat()} 不在公开期间 "
                f"{start.isoformat()} 至 {end.isoformat()} 内。")

    def _check_rows_after_totals(self, raw: RawRows) -> None:
        """Signature lines may follow the totals; records would be silently lost."""
        for number, values in itertools.islice(raw, ROWS_CHECKED_AFTER_TOTALS):
            if any(_SUMMARY_LABEL.search(_label(self._cell(values, column)))
                   for column in (ITEM, DATE)):
                continue
            if self._looks_like_record(values):
                self.problems.append(
                    f"第 {number} 行：收支记录在“合计”行之后，请移到“合计”行之前。")

    def _looks_like_record(self, values: Cells) -> bool:
        for column, parse in ((DATE, _date), (INCOME, _amount), (EXPENSE, _amount)):
            try:
                if parse(self._cell(values, column)):
                    return True
            except _CellError:
                pass
        return False

    def _finish(self, totals: tuple[int, Cells] | None) -> Statement:
        stopped = len(self.problems) >= MAX_PROBLEMS or self.records > MAX_RECORDS
        if not stopped and not self.problems and not self.rows:
            raise FinanceTableError([NO_RECORDS])
        declared = (None, None)
        if totals is not None:
            declared = self._declared_totals(totals[1])
        elif not stopped:
            self.problems.append(NO_TOTALS)
        if self.problems:
            raise self._error(stopped)
        total_income, total_expense = declared
        return Statement(self.rows, total_income, total_expense)

    def _declared_totals(self, values: Cells) -> tuple[Decimal | None, Decimal | None]:
        """The totals row's amounts, checked against the sums when every row was valid."""
        rows_valid = not self.problems
        found = []
        for column, attribute in ((INCOME, "income"), (EXPENSE, "expense")):
            try:
                declared = _amount(self._cell(values, column))
            except _CellError as error:
                self.problems.append(f"合计行“{column}”：{error}")
                found.append(None)
                continue
            summed = sum((getattr(row, attribute) or Decimal(0) for row in self.rows),
                         Decimal("0.00"))
            if rows_valid and declared is None and summed:
                self.problems.append(f"合计行“{column}”为空，各行之和为 {_money(summed)}"
                                     "（如填的是公式，请在 Excel 或 WPS 中打开并保存后再导入）。")
            elif rows_valid and declared is not None and declared != summed:
                self.problems.append(
                    f"合计行“{column}”为 {_money(declared)}，各行之和为 {_money(summed)}，"
                    f"相差 {_money(abs(declared - summed))}。")
            found.append(summed if declared is None else declared)
        return found[0], found[1]

    def _error(self, stopped: bool) -> FinanceTableError:
        problems = self.problems[:MAX_PROBLEMS]
        # Reading stopped at the cap: there may be more ("以上" includes the number).
        more = "以上" if stopped and len(problems) == MAX_PROBLEMS else ""
        summary = f"财务表有 {len(problems)} 处{more}错误，请修改后重新导入。"
        return FinanceTableError(problems, summary)
