"""Every CSV and XLSX file the portal writes, written so that opening it runs nothing.

Excel and WPS treat a cell that starts with `=`, `+`, `-` or `@` as a formula, and a formula
can fetch URLs or start programs (CSV injection, CWE-1236); OWASP and ASVS 5.0 (V1.2.10) also
list a leading tab, carriage return and NUL. Following that guidance, a text cell whose first
character — or first after leading whitespace — is one of those, or the full-width or small
form of a sign (＝ ＋ － ＠ ﹦ ﹢ ﹣ ﹫, what a Chinese input method types, and which a
spreadsheet may take for the ASCII sign), gets a leading single quote: it then shows as
text, and stays text when edited.

Only text is changed. Numbers (int, float, Decimal), dates, booleans and None are written as
they are, so a negative number stays a number; a rate is a `Percent`, a number in XLSX with a
percent format and "85.7%" in CSV. In XLSX every text cell is also typed as a string, never
a formula, and characters XML cannot hold are dropped first.

CSV is UTF-8 with a BOM (so Excel reads Chinese correctly) and CRLF line ends. Nothing else
in the portal creates a CSV writer or an openpyxl Workbook: exports build rows or `Table`s
and hand them here, or lay out a sheet cell by cell through `put`.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS = frozenset("=+-@\t\r\0＝＋－＠﹦﹢﹣﹫")
PASS_THROUGH = (int, float, Decimal, date, time)  # bool is an int; datetime a date
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MIN_WIDTH = 10
MAX_WIDTH = 60


@dataclass(frozen=True)
class Percent:
    """A rate (0.857): a number formatted 0.0% in XLSX, the text "85.7%" in CSV."""

    fraction: float

    def __str__(self) -> str:
        return f"{self.fraction:.1%}"


@dataclass(frozen=True)
class Table:
    """One sheet: a bold title line, a bold header row, then the rows."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    sheet_name: str = "数据"


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet program could read `text` as a formula."""
    return text[:1] in FORMULA_TRIGGERS or text.lstrip()[:1] in FORMULA_TRIGGERS


def neutralize(value):
    """The value to write into a cell: text that could be read as a formula with a leading
    `'`, other text as it is; numbers, dates, booleans, None and `Percent` unchanged;
    anything else as its (neutralized) text."""
    if value is None or isinstance(value, (*PASS_THROUGH, Percent)):
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if looks_like_formula(text) else text


# --- CSV --------------------------------------------------------------------------------------

def _csv_text(value) -> str:
    value = neutralize(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """The rows as a CSV file: UTF-8 with BOM, CRLF, every cell neutralized."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([_csv_text(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_piece(rows: list[Sequence[object]], first: bool) -> bytes:
    """`rows` as part of a CSV file written in pieces: the BOM only on the first."""
    content = csv_bytes(rows)
    return content if first else content[len("\ufeff".encode()):]


def table_csv(table: Table) -> bytes:
    """A `Table` as CSV: the title on the first line, then the headers and the rows."""
    return csv_bytes([[table.title], table.headers, *table.rows])


# --- XLSX -------------------------------------------------------------------------------------

def put(sheet: Worksheet, row: int, column: int, value) -> Cell:
    """Write one value into a cell, inert: text neutralized and typed as a string, a
    `Percent` as a number with a percent format, a date or a (naive, local) datetime as such
    with a date format, numbers as numbers. Returns the cell for styling."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, Percent):
        cell.value = value.fraction
        cell.number_format = PERCENT_FORMAT
    elif value is None or isinstance(value, PASS_THROUGH):
        cell.value = value
        if isinstance(value, datetime):
            cell.number_format = DATETIME_FORMAT
        elif isinstance(value, date):
            cell.number_format = DATE_FORMAT
    else:  # control characters go first: "\x01=1" must not become a bare "=1"
        cell.value = neutralize(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        cell.data_type = "s"
    return cell


def display_width(value) -> int:
    """Columns a value takes on screen: CJK and full-width characters count two."""
    text = _csv_text(value)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


class XlsxWriter:
    """One XLSX file in the making: sheets laid out with `put`, or whole `Table`s."""

    def __init__(self) -> None:
        self._book = Workbook()
        self._unused: Worksheet | None = self._book.active

    def sheet(self, name: str) -> Worksheet:
        if self._unused is not None:
            sheet, self._unused = self._unused, None
            sheet.title = name
            return sheet
        return self._book.create_sheet(name)

    def table(self, table: Table) -> Worksheet:
        """A sheet with the table's title (bold, larger), bold headers, the rows, and each
        column as wide as its widest header or value, within MIN_WIDTH..MAX_WIDTH."""
        sheet = self.sheet(table.sheet_name)
        put(sheet, 1, 1, table.title).font = Font(bold=True, size=13)
        for column, header in enumerate(table.headers, start=1):
            put(sheet, 2, column, header).font = Font(bold=True)
        for row, values in enumerate(table.rows, start=3):
            for column, value in enumerate(values, start=1):
                put(sheet, row, column, value)
        for column, header in enumerate(table.headers, start=1):
            widest = max([display_width(header),
                          *(display_width(row[column - 1]) for row in table.rows)])
            sheet.column_dimensions[get_column_letter(column)].width = \
                min(MAX_WIDTH, max(MIN_WIDTH, widest))
        return sheet

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self._book.save(buffer)
        return buffer.getvalue()


def xlsx_bytes(*tables: Table) -> bytes:
    """The tables as an XLSX file, one sheet each (see `XlsxWriter.table`)."""
    writer = XlsxWriter()
    for table in tables:
        writer.table(table)
    return writer.to_bytes()
