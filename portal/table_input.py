"""Tables that people hand in to be imported (the organization tree, historical documents'
metadata): a CSV file or the first sheet of an XLSX workbook.

Decisions:
- CSV is read as UTF-8 (with or without BOM) or, failing that, GB18030, which is what
  Excel and WPS on Chinese Windows save; a comma-separated file only.
- The first non-blank row is the header; every later non-blank row is a record, keyed by
  the header's names (trimmed) and numbered as a spreadsheet numbers its rows, so a message
  can say “第 5 行”. A cell with a line break inside quotes still counts from its first line.
- Values are trimmed text; an XLSX cell keeps its date, datetime or number. A text cell
  that `portal.spreadsheet` protected from formula injection (a leading `'` before `=`,
  `+`, `-`, `@` …) is read back without that quote, so exported tables import unchanged.
- Header problems (a missing, unknown or repeated column) are found before any row is
  read, each named; limits keep a stray huge file from holding the process.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from portal.errors import ValidationError
from portal.spreadsheet import looks_like_formula

ENCODINGS = ("utf-8-sig", "gb18030")
MAX_ROWS = 50_000
MAX_CELL_CHARS = 1_000_000


class TableError(ValidationError):
    """The file as a whole cannot be read as a table."""


@dataclass(frozen=True)
class Record:
    """One row of the table: its number in the file and its cells by column name."""

    number: int
    values: dict[str, object]

    def text(self, column: str) -> str:
        value = self.values.get(column)
        return "" if value is None else str(value).strip()


@dataclass
class Table:
    headers: list[str]
    records: list[Record] = field(default_factory=list)

    def has(self, column: str) -> bool:
        return column in self.headers


def header_problems(headers: Sequence[str], *, known: Iterable[str],
                    required: Iterable[str]) -> list[str]:
    """What is wrong with a header row: missing required columns, unknown or repeated
    names (a typo must not make a column silently ignored)."""
    known = list(known)
    problems = [f"第 1 行（表头）：缺少必需的列“{name}”。" for name in required
                if name not in headers]
    for name in headers:
        if name and name not in known:
            problems.append(f"第 1 行（表头）：未知的列“{name}”。可用的列：{'、'.join(known)}。")
    repeated = sorted({name for name in headers if name and headers.count(name) > 1})
    problems += [f"第 1 行（表头）：列“{name}”出现了不止一次。" for name in repeated]
    return problems


def read_table(data: bytes, kind: str) -> Table:
    """The table in `data`, a "csv" or "xlsx" file. Raises TableError."""
    rows = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    table: Table | None = None
    for number, cells in rows:
        values = [_cell(value) for value in cells]
        if all(value in ("", None) for value in values):
            continue
        if table is None:
            table = Table([str(value or "").strip() for value in values])
            continue
        if len(table.records) >= MAX_ROWS:
            raise TableError(f"表格超过 {MAX_ROWS:,} 行，请拆分后分批导入。")
        named = dict(zip(table.headers, values, strict=False))
        extra = [value for value in values[len(table.headers):] if value not in ("", None)]
        if extra:
            raise TableError(f"第 {number} 行的单元格比表头多（多出“{str(extra[0])[:20]}”），"
                             "请检查是否有未加引号的逗号。")
        table.records.append(Record(number, named))
    if table is None:
        raise TableError("表格是空的：没有表头，也没有数据。")
    return table


def _cell(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("'") and looks_like_formula(value[1:]):
            value = value[1:]
        if len(value) > MAX_CELL_CHARS:
            raise TableError(f"有单元格超过 {MAX_CELL_CHARS:,} 个字符。")
    return "" if value is None else value


def decode_text(data: bytes) -> str:
    """Text in one of ENCODINGS; TableError naming them otherwise."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("无法识别文件编码：请保存为 UTF-8 或 GB18030（GBK）编码的 CSV 文件。")


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[object]]]:
    text = decode_text(data)
    if "\x00" in text:
        raise TableError("文件中含有空字符，不是文本格式的 CSV 文件。")
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for cells in reader:
            yield start, list(cells)
            start = reader.line_num + 1
    except csv.Error as error:
        raise TableError(f"第 {start} 行附近的 CSV 格式有误（{error}），"
                         "请检查引号是否成对。") from error


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[object]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as error:
        raise TableError("无法读取该 XLSX 文件，请确认文件未损坏（.xls 请先另存为 .xlsx）。") \
            from error
    try:
        sheet = book.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 100:
                raise TableError(f"表格超过 {MAX_ROWS:,} 行，请拆分后分批导入。")
            yield number, list(cells)
    finally:
        book.close()
