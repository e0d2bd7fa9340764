"""The text of PDF, DOCX and XLSX attachments, for the search index.

Runs while a publication is being saved, so it is bounded and never raises: a file
larger than `MAX_FILE_BYTES`, an archive that expands past `MAX_EXPANDED_BYTES`, more than
`MAX_CHARS` of text or more than `TIME_BUDGET_SECONDS` of work stop the extraction with
what was read so far; a damaged file gives "" and a warning in the log. Publication never
waits on a failure here.

PDF text comes from pypdf (pure Python), page by page; DOCX text from the `w:t` runs of
`word/document.xml`, paragraph by paragraph; XLSX text from openpyxl in read-only mode,
cell by cell. Other kinds (images, OFD, legacy DOC/XLS) are not read.
"""

from __future__ import annotations

import logging
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree import ElementTree

from portal.attachments.models import StoredFile
from portal.attachments.storage import stored_path

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_EXPANDED_BYTES = 50 * 1024 * 1024
MAX_CHARS = 50_000
MAX_PDF_PAGES = 300
MAX_SHEET_ROWS = 20_000
TIME_BUDGET_SECONDS = 5.0
WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

log = logging.getLogger(__name__)


class _TooLarge(Exception):
    pass


def _check_archive(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_EXPANDED_BYTES:
            raise _TooLarge(f"expands past {MAX_EXPANDED_BYTES} bytes")


def _pdf_pieces(path: Path) -> Iterator[str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    for number, page in enumerate(reader.pages):
        if number >= MAX_PDF_PAGES:
            return
        yield page.extract_text() or ""


def _docx_pieces(path: Path) -> Iterator[str]:
    _check_archive(path)
    with zipfile.ZipFile(path) as archive, archive.open("word/document.xml") as xml:
        runs: list[str] = []
        # expat (>= 2.4) caps entity expansion, ElementTree never fetches external entities,
        # and _check_archive bounded the expanded size above.
        for _event, element in ElementTree.iterparse(xml, events=("end",)):  # nosec B314
            if element.tag == f"{WORD_NS}t":
                runs.append(element.text or "")
            elif element.tag == f"{WORD_NS}p":
                yield "".join(runs)
                runs = []
                element.clear()
        yield "".join(runs)


def _xlsx_pieces(path: Path) -> Iterator[str]:
    import openpyxl

    _check_archive(path)
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            if not hasattr(sheet, "iter_rows"):
                continue
            rows = sheet.iter_rows(max_row=MAX_SHEET_ROWS, values_only=True)
            for row in rows:
                yield " ".join(str(value) for value in row if value not in (None, ""))
    finally:
        workbook.close()


EXTRACTORS: dict[str, Callable[[Path], Iterator[str]]] = {
    "pdf": _pdf_pieces, "docx": _docx_pieces, "xlsx": _xlsx_pieces,
}


def extract_text(stored: StoredFile) -> str:
    """The text of one attachment, at most MAX_CHARS characters; "" for kinds we do not
    read, for missing or oversized files and on any error (logged, never raised)."""
    pieces = EXTRACTORS.get(stored.kind)
    if pieces is None:
        return ""
    try:
        path = stored_path(stored.storage_name)
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            log.warning("attachment %s not indexed: missing or too large", stored.storage_name)
            return ""
        return _collect(pieces(path), stored.storage_name)
    except Exception:  # a damaged upload must not stop a publication
        log.warning("attachment %s not indexed: text extraction failed", stored.storage_name,
                    exc_info=True)
        return ""


def _collect(pieces: Iterator[str], name: str) -> str:
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    parts: list[str] = []
    total = 0
    for piece in pieces:
        text = " ".join(piece.split())
        if text:
            parts.append(text)
            total += len(text) + 1
        if total >= MAX_CHARS:
            break
        if time.monotonic() > deadline:
            log.warning("attachment %s indexed in part: time budget spent", name)
            break
    return " ".join(parts)[:MAX_CHARS]
