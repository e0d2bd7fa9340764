"""The text of PDF, OFD, DOCX, XLSX and CSV attachments, piece by piece, each piece with
where it is in the file: for the search index and for the personal-data scan.

Pieces: a PDF or OFD page ("第 3 页"), a DOCX paragraph or table cell ("第 12 段"), a
spreadsheet cell ("工作表“名单”第 5 行 C 列", "第 5 行 C 列" for CSV). A spreadsheet cell's text is
read together with its column's heading (the first row with two or more filled cells):
"银行账号：6222…" (`Piece.in_context`) — a column headed 身份证号 or 银行账号 is what tells a
bare number for what it is.

Bounded, because it runs while staff wait: a file larger than `MAX_FILE_BYTES`, an
archive that expands past `MAX_EXPANDED_BYTES`, more than the caller's character limit or
more than `TIME_BUDGET_SECONDS` of work stop the reading. `read` reports whether the whole
file was read (`Reading.complete`): the scan must not call a half-read file clean. Other
kinds (images, legacy DOC/XLS) have no readable text here.

Every piece is folded (`portal.textnorm.fold`: NFKC and the CJK radicals PDF writers
put in place of 民, 长, 见, 门, 页), so the index and the scan read what the page shows.
PDF text comes from pypdf (pure Python); OFD text from its pages' TextCode elements
(portal.attachments.ofd); DOCX text from the `w:t` runs of
`word/document.xml`; XLSX from openpyxl in read-only mode; CSV decoded as UTF-8 or
GB18030.
"""

from __future__ import annotations

import csv
import io
import logging
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from openpyxl.utils import get_column_letter

from portal.attachments import ofd
from portal.attachments.models import StoredFile
from portal.attachments.storage import TEXT_ENCODINGS, stored_path
from portal.textnorm import fold

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_EXPANDED_BYTES = 50 * 1024 * 1024
MAX_CHARS = 50_000
MAX_PDF_PAGES = 300
MAX_SHEET_ROWS = 20_000
TIME_BUDGET_SECONDS = 5.0
WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Piece:
    """Some text and where it is in the file, in words a clerk can follow; a spreadsheet
    cell also carries its column's heading."""

    where: str
    text: str
    heading: str = ""

    @property
    def in_context(self) -> str:
        """The text as the scan reads it: "银行账号：6222…"."""
        return f"{self.heading}：{self.text}" if self.heading else self.text


@dataclass
class Reading:
    """What was read of a file, and whether that was all of it."""

    pieces: list[Piece] = field(default_factory=list)
    complete: bool = True
    problem: str = ""

    @property
    def text(self) -> str:
        return " ".join(piece.text for piece in self.pieces)


class _TooLarge(Exception):
    pass


def _check_archive(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_EXPANDED_BYTES:
            raise _TooLarge(f"expands past {MAX_EXPANDED_BYTES} bytes")


def _pdf_pieces(path: Path) -> Iterator[Piece]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    for number, page in enumerate(reader.pages, start=1):
        if number > MAX_PDF_PAGES:
            raise _TooLarge(f"more than {MAX_PDF_PAGES} pages")
        yield Piece(f"第 {number} 页", page.extract_text() or "")


def _ofd_pieces(path: Path) -> Iterator[Piece]:
    _check_archive(path)
    for number, text in ofd.page_texts(path):
        if number > MAX_PDF_PAGES:
            raise _TooLarge(f"more than {MAX_PDF_PAGES} pages")
        yield Piece(f"第 {number} 页", text)


def _docx_pieces(path: Path) -> Iterator[Piece]:
    _check_archive(path)
    with zipfile.ZipFile(path) as archive, archive.open("word/document.xml") as xml:
        runs: list[str] = []
        number = 0
        # expat (>= 2.4) caps entity expansion, ElementTree never fetches external entities,
        # and _check_archive bounded the expanded size above.
        for _event, element in ElementTree.iterparse(xml, events=("end",)):  # nosec B314
            if element.tag == f"{WORD_NS}t":
                runs.append(element.text or "")
            elif element.tag == f"{WORD_NS}p":
                number += 1
                yield Piece(f"第 {number} 段", "".join(runs))
                runs = []
                element.clear()
        if runs:
            yield Piece(f"第 {number + 1} 段", "".join(runs))


def _cells(rows: Iterator[tuple], where: Callable[[int, int], str]) -> Iterator[Piece]:
    """Cell pieces, each with its column's heading in front once a heading row is seen."""
    headings: dict[int, str] = {}
    for row_number, row in enumerate(rows, start=1):
        if row_number > MAX_SHEET_ROWS:
            raise _TooLarge(f"more than {MAX_SHEET_ROWS} rows")
        texts = ["" if value is None else str(value).strip() for value in row]
        for column, value in enumerate(texts, start=1):
            if value:
                heading = headings.get(column, "")
                yield Piece(where(row_number, column), value,
                            heading if heading != value else "")
        if not headings and sum(1 for value in texts if value) >= 2:
            headings = {column: value for column, value in enumerate(texts, start=1) if value}


def _xlsx_pieces(path: Path) -> Iterator[Piece]:
    import openpyxl

    _check_archive(path)
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            if not hasattr(sheet, "iter_rows"):
                continue
            name = sheet.title

            def where(row: int, column: int, name=name) -> str:
                return f"工作表“{name}”第 {row} 行 {get_column_letter(column)} 列"

            yield from _cells(sheet.iter_rows(values_only=True), where)
    finally:
        workbook.close()


def _csv_pieces(path: Path) -> Iterator[Piece]:
    data = path.read_bytes()
    for encoding in TEXT_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise ValueError("not text in a known encoding")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], ",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(io.StringIO(text, newline=""), dialect)
    yield from _cells(rows, lambda row, column: f"第 {row} 行 {get_column_letter(column)} 列")


EXTRACTORS: dict[str, Callable[[Path], Iterator[Piece]]] = {
    "pdf": _pdf_pieces, "ofd": _ofd_pieces, "docx": _docx_pieces, "xlsx": _xlsx_pieces,
    "csv": _csv_pieces,
}


def read(stored: StoredFile, *, max_chars: int = MAX_CHARS) -> Reading:
    """The text of one attachment, piece by piece; never raises. `complete` is False when
    a limit stopped the reading, the file is missing or damaged, or the kind has no
    readable text; `problem` then says why (in Chinese, for the person checking).

    The reading runs in a child process with the import budget (portal.bounded): a PDF
    or workbook built to make its parser spin or fill the memory costs the worker
    nothing but the wait."""
    from portal import bounded

    if stored.kind not in EXTRACTORS:
        return Reading(complete=False, problem="图片或旧版 Office 文件，无法自动读取文字")
    path = stored_path(stored.storage_name)
    if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
        log.warning("attachment %s not read: missing or too large", stored.storage_name)
        return Reading(complete=False, problem="文件缺失或过大，未能读取")
    try:
        reading = bounded.run(read_path, stored.kind, str(path), stored.storage_name,
                              max_chars, budget=bounded.Budget.for_imports())
    except bounded.BudgetExceeded as exceeded:
        log.warning("attachment %s not read: %s", stored.storage_name, exceeded)
        return Reading(complete=False, problem=f"文件过于复杂，{exceeded.reason('读取')}")
    except bounded.ChildFailed:
        log.warning("attachment %s not read: the reader died", stored.storage_name)
        return Reading(complete=False, problem="文件已损坏或格式无法识别，未能读取文字")
    if reading.problem:  # the child's own log may go nowhere; say it here too
        log.warning("attachment %s not read completely: %s", stored.storage_name,
                    reading.problem)
    return reading


def read_path(kind: str, path: str, name: str, max_chars: int) -> Reading:
    """`read` for a file on disk, in this process (the child `read` starts)."""
    try:
        return _collect(EXTRACTORS[kind](Path(path)), name, max_chars)
    except _TooLarge:
        return Reading(complete=False, problem="文件页数、行数或解压后内容超过检查上限")
    except Exception:  # a damaged upload must not stop a publication
        log.warning("attachment %s not read: text extraction failed", name, exc_info=True)
        return Reading(complete=False, problem="文件已损坏或格式无法识别，未能读取文字")


def _collect(pieces: Iterator[Piece], name: str, max_chars: int) -> Reading:
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    reading = Reading()
    total = 0
    try:
        for piece in pieces:
            text = " ".join(fold(piece.text).split())
            if text:
                reading.pieces.append(Piece(piece.where, text, piece.heading))
                total += len(text) + 1
            if total >= max_chars:
                reading.complete, reading.problem = False, "文字过多，只读取了一部分"
                break
            if time.monotonic() > deadline:
                log.warning("attachment %s read in part: time budget spent", name)
                reading.complete, reading.problem = False, "读取超时，只读取了一部分"
                break
    except _TooLarge:
        reading.complete = False
        reading.problem = "文件页数、行数或解压后内容超过检查上限"
    return reading


def extract_text(stored: StoredFile) -> str:
    """The text of one attachment for the search index, at most MAX_CHARS characters; ""
    for kinds without readable text, for missing or oversized files and on any error."""
    return read(stored).text[:MAX_CHARS]
