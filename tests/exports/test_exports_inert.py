"""Every CSV and XLSX file the portal hands out is inert: nothing a resident, a clerk or an
official typed can run as a formula when the file is opened in Excel or WPS.

Which routes are exports is read from the app's url_map, not from a list kept here, so a new
export route that this test does not fetch fails it. A route counts as an export when any of
these holds:
- its endpoint name or URL says export, download, csv or xlsx;
- it takes a format argument (`fmt`, `format`, …) that may be csv or xlsx (an `any(...)`
  converter limited to other formats, like Open311's json/xml, does not count);
- its view function's own code mentions csv, xlsx, the spreadsheet module, an export, or
  sets Content-Disposition.
Each export endpoint must have a fetcher in FETCHERS that downloads every table it offers in
every spreadsheet format, as a role the route admits. Behind that, no module but
`portal/spreadsheet.py` may create a CSV writer or an openpyxl Workbook, so whatever a route
returns was written cell by cell through `neutralize`.
"""

from __future__ import annotations

import csv
import inspect
import io
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
from flask import url_for
from werkzeug.routing.converters import AnyConverter

from portal.annual_report import services as annual_report
from portal.inspection import export
from tests.annual_report.conftest import read_xlsx
from tests.exports.conftest import HOSTILE, YEAR

TRIGGERS = set("=+-@\t\r\0＝＋－＠﹦﹢﹣﹫")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
SPREADSHEETS = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument"
                                           ".spreadsheetml.sheet"}
# The files that show what people typed; the others hold the portal's labels and figures.
USER_TEXT = {*((name, fmt) for fmt in SPREADSHEETS
               for name in ("timeliness-organization", "timeliness-handler", "late-disclosures",
                            "village-lapses", "supervision")),
             ("annual-report", "xlsx"),
             *((f"enforcement{who}-{kind}", "csv") for who in ("", "-platform")
               for kind in ("licensing", "penalty")),
             *(("village-finance", fmt) for fmt in SPREADSHEETS),
             *((f"disputes-{period}", fmt) for period in ("weekly", "monthly")
               for fmt in SPREADSHEETS)}


def looks_like_formula(text: str) -> bool:
    return text[:1] in TRIGGERS or text.lstrip()[:1] in TRIGGERS


# --- which routes are exports ---------------------------------------------------------------

NAME_WORDS = ("export", "download", "csv", "xlsx")
SOURCE_WORDS = re.compile(r"csv|xlsx|spreadsheet|export|content-disposition", re.IGNORECASE)


def _offers_a_spreadsheet_format(rule) -> bool:
    for argument, converter in rule._converters.items():
        named = "fmt" in argument or "format" in argument
        limited = isinstance(converter, AnyConverter) and not converter.items & set(SPREADSHEETS)
        if named and not limited:
            return True
    return False


def export_endpoints(app) -> set[str]:
    found = set()
    for rule in app.url_map.iter_rules():
        named = any(word in f"{rule.endpoint} {rule.rule}".lower() for word in NAME_WORDS)
        source = inspect.getsource(inspect.unwrap(app.view_functions[rule.endpoint]))
        if named or _offers_a_spreadsheet_format(rule) or SOURCE_WORDS.search(source):
            found.add(rule.endpoint)
    return found


# --- fetching every file of every export ----------------------------------------------------

Download = tuple[str, str, object]  # (what, format, response)


def _inspection_tables(client, world) -> list[Download]:
    files = []
    for name in export.TABLE_NAMES:
        for fmt in SPREADSHEETS:
            url = url_for("inspection.download", name=name, fmt=fmt, year=YEAR)
            files.append((name, fmt, client.get(url)))
    return files


def _annual_report(client, world) -> list[Download]:
    assert set(SPREADSHEETS) <= set(annual_report.FORMATS)
    url = url_for("annual_report.export", year=YEAR, org=world["town"].slug)
    return [("annual-report", fmt, client.post(url, data={"format": fmt}))
            for fmt in SPREADSHEETS]


def _village_finance(client, world) -> list[Download]:
    """Anyone may download a published finance table, so it is fetched signed out."""
    notice = world["finance_notice"]
    visitor = client.application.test_client()
    return [("village-finance", fmt, visitor.get(url_for(
        "villages.finance_file", slug=notice.village.slug, notice_id=notice.id, fmt=fmt)))
        for fmt in SPREADSHEETS]


def _open_data(client, world) -> list[Download]:
    """Every CSV of the public dataset (/open-data/), fetched signed out."""
    from portal.transfer import open_data

    visitor = client.application.test_client()
    names = sorted(f.name for f in open_data.current().files if f.name.endswith(".csv"))
    assert names
    return [(f"open-data-{name}", "csv", visitor.get(url_for("open_data.download", name=name)))
            for name in names]


def _signed_in(client, user):
    """A browser of its own, signed in as `user` through the login form."""
    browser = client.application.test_client()
    response = browser.post("/login", data={"username": user.username,
                                            "password": "Passw0rd!demo"})
    assert response.status_code == 302
    return browser


def _enforcement_public(client, world) -> list[Download]:
    """The public 双公示 files (natural persons masked), fetched signed out."""
    visitor = client.application.test_client()
    return [(f"enforcement-{kind}", "csv", visitor.get(url_for(
        "enforcement.decisions_csv", kind=kind))) for kind in ("licensing", "penalty")]


def _enforcement_platform(client, world) -> list[Download]:
    """The credit platform's files, as the editor who may download them."""
    editor = _signed_in(client, world["editor"])
    return [(f"enforcement-platform-{kind}", "csv", editor.get(url_for(
        "staff_enforcement.export", kind=kind))) for kind in ("licensing", "penalty")]


def _dispute_reports(client, world) -> list[Download]:
    """The 综治中心's weekly and monthly reports: one row per village, by its name."""
    center = _signed_in(client, world["center"])
    return [(f"disputes-{period}", fmt, center.get(url_for(
        "staff_disputes.export", period=period, fmt=fmt)))
        for period in ("weekly", "monthly") for fmt in SPREADSHEETS]


FETCHERS: dict[str, Callable[..., list[Download]]] = {
    "staff_disputes.export": _dispute_reports,
    "enforcement.decisions_csv": _enforcement_public,
    "staff_enforcement.export": _enforcement_platform,
    "inspection.download": _inspection_tables,
    "annual_report.export": _annual_report,
    "villages.finance_file": _village_finance,
    "open_data.download": _open_data,
}
# Downloads that are no spreadsheet: a JSON proof and a Python program, both written by the
# portal (hashes and code), with nothing a person typed.
NOT_SPREADSHEETS = {"inquiries.proof", "transparency.verifier"}


# --- reading the files back -----------------------------------------------------------------

def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode()), "no BOM: Excel would misread the Chinese"
    assert data.endswith(b"\r\n")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _csv_problems(rows: list[list[str]]) -> list[str]:
    return [repr(cell) for row in rows for cell in row
            if looks_like_formula(cell) and not PLAIN_NUMBER.fullmatch(cell)]


def _xlsx_problems(book) -> list[str]:
    problems = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    problems.append(f"{cell.coordinate} is a formula: {cell.value!r}")
                elif isinstance(cell.value, str) and looks_like_formula(cell.value):
                    problems.append(f"{cell.coordinate} starts like one: {cell.value!r}")
    return problems


def _texts(fmt: str, data: bytes) -> set[str]:
    if fmt == "csv":
        return {cell for row in _csv_rows(data) for cell in row}
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if isinstance(cell.value, str)}


def _lines(texts) -> set[str]:
    """XML turns a stored CR into LF when the workbook is read back."""
    return {text.replace("\r", "\n") for text in texts}


def _columns(sheet) -> dict[str, list]:
    """An inspection table's data by header (row 1 is the title, row 2 the headers)."""
    headers = [cell.value for cell in sheet[2]]
    rows = list(sheet.iter_rows(min_row=3))
    return {header: [row[i] for row in rows] for i, header in enumerate(headers)}


def _assert_inspection_numbers(name: str, sheet) -> None:
    columns = _columns(sheet)
    assert all(columns.values()), f"{name} has no data rows"
    counts = {"timeliness": ["件数", "已签收", "按时签收", "已答复", "按时答复", "当前超期",
                             "即将到期"],
              "late-disclosures": ["超期天数"], "village-lapses": ["天数"], "supervision": [],
              "village-finance": [],
              "disputes": ["应报天数", "已报天数", "其中零报告", "漏报天数", "新排查纠纷"]}
    dates = {"late-disclosures": ["信息形成日期", "应公开日期"], "village-lapses": ["应公开日期"],
             "supervision": ["督办时间", "答复期限"], "timeliness": [], "village-finance": [],
             "disputes": []}
    kind = name.split("-")[0] if name.startswith(("timeliness-", "disputes-")) else name
    for header in counts[kind]:
        assert all(type(cell.value) is int for cell in columns[header]), (name, header)
    for header in dates[kind]:
        assert all(isinstance(cell.value, datetime) for cell in columns[header]), (name, header)
    if kind == "supervision":  # a time, or the words saying there is none yet
        assert all(isinstance(cell.value, datetime) or cell.value == "未答复"
                   for cell in columns["答复时间"]), name
        assert any(isinstance(cell.value, datetime) for cell in columns["答复时间"]), name
    if kind == "timeliness":
        hours = [cell.value for cell in columns["签收用时中位数（小时）"] if cell.value is not None]
        assert all(isinstance(value, int | float) for value in hours), name
    if kind == "village-finance":
        amounts = [cell.value for cell in columns["收入（元）"] if cell.value is not None]
        assert amounts and all(isinstance(value, int | float) for value in amounts), name
    if kind == "timeliness":
        rates = [cell for cell in columns["答复按时率"] if cell.value is not None]
        assert rates and all(isinstance(cell.value, int | float) and "%" in cell.number_format
                             for cell in rates), name


def _assert_numbers(what: str, fmt: str, data: bytes) -> None:
    if fmt == "csv":
        rows = _csv_rows(data)
        if what.startswith("timeliness-"):
            assert all(row[1].isdigit() for row in rows[2:]), what
        return
    if what == "annual-report":
        three, four, sheet = read_xlsx(data)
        assert three and all(type(v) is int for row in three.values() for v in row)
        assert four[:5] == [0, 0, 0, 1, 1] and all(type(v) is int for v in four)
        assert 12 in [cell.value for row in sheet.iter_rows() for cell in row]  # rules_issued
    else:
        _assert_inspection_numbers(what, openpyxl.load_workbook(io.BytesIO(data)).active)


# --- the tests ------------------------------------------------------------------------------

def test_every_export_is_inert(app, client, login, hostile_world, inspector):
    endpoints = export_endpoints(app)
    uncovered = endpoints - set(FETCHERS) - NOT_SPREADSHEETS
    assert not uncovered, f"export routes this test does not download: {sorted(uncovered)}"
    login(inspector)
    problems, seen = [], set()
    with app.test_request_context():
        downloads = [d for endpoint in sorted(endpoints - NOT_SPREADSHEETS)
                     for d in FETCHERS[endpoint](client, hostile_world)]
    assert {what for what, _fmt, _r in downloads} >= {*export.TABLE_NAMES, "annual-report"}
    for what, fmt, response in downloads:
        assert response.status_code == 200, (what, fmt, response.status_code)
        assert response.mimetype == SPREADSHEETS[fmt], (what, fmt)
        if fmt == "csv":
            found = _csv_problems(_csv_rows(response.data))
        else:
            found = _xlsx_problems(openpyxl.load_workbook(io.BytesIO(response.data)))
        problems += [f"{what}.{fmt}: {problem}" for problem in found]
    assert not problems, "\n".join(problems)
    for what, fmt, response in downloads:
        texts = _texts(fmt, response.data)
        seen |= _lines(texts)
        if (what, fmt) in USER_TEXT:
            assert any(text.startswith("'") for text in texts), f"{what}.{fmt}: no user text"
        _assert_numbers(what, fmt, response.data)
    assert _lines("'" + text for text in HOSTILE) <= seen


def test_annual_report_command_writes_the_same_inert_files(runner, hostile_world, tmp_path):
    """`flask annual-report` is the one export without a route."""
    for fmt in SPREADSHEETS:
        target = tmp_path / f"report.{fmt}"
        result = runner.invoke(args=["annual-report", str(YEAR), "--format", fmt,
                                     "--org", hostile_world["town"].slug, "-o", str(target)])
        assert result.exit_code == 0, result.output
        data = target.read_bytes()
        if fmt == "csv":
            assert not _csv_problems(_csv_rows(data))
        else:
            assert not _xlsx_problems(openpyxl.load_workbook(io.BytesIO(data)))
            assert "'" + HOSTILE[0] in _texts(fmt, data)  # a narrative line, quoted
        _assert_numbers("annual-report", fmt, data)


def test_late_disclosure_titles_arrive_whole_and_quoted(client, login, hostile_world,
                                                        inspector):
    login(inspector)
    data = client.get(f"/inspect/export/late-disclosures.csv?year={YEAR}").data
    titles = [row[0] for row in _csv_rows(data)[2:]]
    assert sorted(titles) == sorted("'" + title for title in HOSTILE)


def test_supervision_export_has_the_notice_and_the_answer(client, login, hostile_world,
                                                          inspector):
    login(inspector)
    rows = _csv_rows(client.get(f"/inspect/export/supervision.csv?year={YEAR}").data)
    assert rows[1] == ["督办事项", "被督办单位", "督办人", "督办时间", "答复期限", "答复时间",
                       "答复情况", "督办要求", "答复内容"]
    by_subject = {row[0]: row for row in rows[2:]}
    assert by_subject["'" + HOSTILE[0]][7:] == ["'" + HOSTILE[1], "'" + HOSTILE[2]]
    assert by_subject["'" + HOSTILE[1]][7:] == ["'" + HOSTILE[2], ""]


def test_only_the_spreadsheet_module_writes_spreadsheets():
    root = Path(__file__).resolve().parents[2] / "portal"
    writer = re.compile(r"\bcsv\.(writer|DictWriter)\(|\bWorkbook\(")
    writers = sorted(str(path.relative_to(root)) for path in root.rglob("*.py")
                     if writer.search(path.read_text(encoding="utf-8")))
    assert writers == ["spreadsheet.py"]
