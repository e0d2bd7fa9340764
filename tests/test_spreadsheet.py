"""The shared CSV/XLSX writer: every text cell inert, numbers and dates kept as such."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal import spreadsheet
from portal.spreadsheet import Percent, Table, csv_bytes, neutralize, xlsx_bytes

# What Excel and WPS read as the start of a formula (or of a cell split into one), in ASCII,
# full-width and small forms.
TRIGGERS = set("=+-@\t\r\0＝＋－＠﹦﹢﹣﹫")
HOSTILE = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1+1",
           " =1+1", "\u3000＠A1", "\n-1", "﹦1", "\0=1"]


def looks_like_formula(text: str) -> bool:
    return text[:1] in TRIGGERS or text.lstrip()[:1] in TRIGGERS


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_gets_a_leading_quote(text):
    assert neutralize(text) == "'" + text


@pytest.mark.parametrize("text", ["双塔镇", "", "   ", "2026-03", "'=1", "a=1", "66.7%",
                                  "（一）主动公开", "1-2"])
def test_safe_text_is_unchanged(text):
    assert neutralize(text) == text


@pytest.mark.parametrize("value", [-5, 0, 3, -1.5, 2.25, Decimal("-12.5"), True, False, None,
                                   date(2026, 4, 10), datetime(2026, 4, 10, 9, 30),
                                   Percent(0.5)])
def test_numbers_dates_booleans_and_none_pass_unchanged(value):
    assert neutralize(value) is value


def test_other_values_are_written_as_neutralized_text():
    class Odd:
        def __str__(self) -> str:
            return "=1+1"

    assert neutralize(Odd()) == "'=1+1"


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_no_neutralized_text_looks_like_a_formula(text):
    result = neutralize(text)
    assert not looks_like_formula(result)
    assert result == ("'" + text if looks_like_formula(text) else text)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(TRIGGERS - set("\t\r\0"))),
       st.text(alphabet=" \u3000\n", max_size=3), st.text(max_size=10))
def test_a_trigger_after_any_leading_whitespace_is_neutralized(trigger, blank, rest):
    """Tab, CR and NUL count only first (after other blanks, tab and CR are blanks too)."""
    assert neutralize(blank + trigger + rest) == "'" + blank + trigger + rest


def _csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_a_bom_crlf_and_inert_cells():
    data = csv_bytes([["标题", "件数", "比率", "日期", "空"],
                      ["=1+1", 3, Percent(2 / 3), date(2026, 4, 10), None],
                      ["－2", -4, Decimal("12.5"), datetime(2026, 4, 10, 9, 5), ""]])
    assert data.endswith(b"\r\n") and data.count(b"\r\n") == 3
    assert _csv(data) == [["标题", "件数", "比率", "日期", "空"],
                          ["'=1+1", "3", "66.7%", "2026-04-10", ""],
                          ["'－2", "-4", "12.5", "2026-04-10 09:05", ""]]


def _book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def test_xlsx_writes_text_as_strings_and_numbers_rates_dates_as_such():
    table = Table(title="=标题", headers=["名称", "件数", "按时率", "应公开日期", "金额"],
                  rows=[["=cmd|' /C calc'!A0", 4, Percent(0.857), date(2026, 4, 10),
                         Decimal("12.5")],
                        ["@SUM(A1)", -2, None, None, 1.5]])
    sheet = _book(xlsx_bytes(table)).active
    assert sheet.title == "数据"
    assert sheet["A1"].value == "'=标题" and sheet["A1"].font.bold
    assert [c.value for c in sheet[2]] == table.headers and sheet["B2"].font.bold
    assert sheet["A3"].value == "'=cmd|' /C calc'!A0" and sheet["A3"].data_type == "s"
    assert sheet["B3"].value == 4 and sheet["B4"].value == -2
    assert sheet["C3"].value == pytest.approx(0.857) and sheet["C3"].number_format == "0.0%"
    assert sheet["D3"].value == datetime(2026, 4, 10) and sheet["D3"].number_format == "yyyy-mm-dd"
    assert sheet["E3"].value == 12.5 and sheet["E4"].value == 1.5
    assert sheet["C4"].value is None
    assert sheet.column_dimensions["A"].width >= 10
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_xlsx_one_sheet_per_table_and_widths_follow_the_longest_cell():
    long_text = "请于三日内答复" * 20
    first = Table(title="甲", headers=["督办要求"], rows=[[long_text]], sheet_name="甲表")
    second = Table(title="乙", headers=["件数"], rows=[[1]], sheet_name="乙表")
    book = _book(xlsx_bytes(first, second))
    assert book.sheetnames == ["甲表", "乙表"]
    assert 10 < book["甲表"].column_dimensions["A"].width <= spreadsheet.MAX_WIDTH
    assert book["乙表"].column_dimensions["A"].width == 10


def test_put_writes_one_inert_cell_into_a_laid_out_sheet():
    writer = spreadsheet.XlsxWriter()
    sheet = writer.sheet("年度报告")
    cell = spreadsheet.put(sheet, 3, 2, "+1+1")
    assert cell.value == "'+1+1" and cell.data_type == "s"
    spreadsheet.put(sheet, 4, 2, "text with a \x07 bell")
    book = _book(writer.to_bytes())
    assert book.sheetnames == ["年度报告"]
    assert book.active["B3"].value == "'+1+1"
    assert book.active["B4"].value == "text with a  bell"


def test_control_characters_are_dropped_before_the_check():
    sheet = spreadsheet.XlsxWriter().sheet("x")
    assert spreadsheet.put(sheet, 1, 1, "\x01=1+1").value == "'=1+1"
