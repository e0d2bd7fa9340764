"""Finance statements (财务收支明细): a clerk's .xlsx or .csv becomes exact records and
totals, or a list of every place to fix, each naming its row and column."""

from __future__ import annotations

import io
import pickle
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from portal.errors import ValidationError
from portal.privacy import PersonalDataKind, id_check_char
from portal.villages import finance
from portal.villages.finance import (
    NO_HEADER,
    NO_RECORDS,
    NO_TOTALS,
    TOO_LARGE,
    UNREADABLE,
    FinanceTableError,
    Statement,
    mask_statement,
    parse_statement,
    scan_statement,
)

TITLE = ["双塔村2026年10月财务收支明细"]
HEADER = ["日期", "摘要", "收入", "支出", "备注"]
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[object]], *, encoding: str = "utf-8-sig",
              delimiter: str = ",") -> bytes:
    def field(value: object) -> str:
        text = "" if value is None else str(value)
        return f'"{text}"' if delimiter in text or '"' in text else text

    lines = [delimiter.join(field(value) for value in row) for row in rows]
    return "\r\n".join(lines).encode(encoding) + b"\r\n"


def statement(*records: list[object], totals: tuple[object, object] = (None, None),
              below: tuple[list[object], ...] = ()) -> list[list[object]]:
    """Title in row 1, header in row 2, records from row 3, the totals row, then `below`."""
    return [TITLE, HEADER, *records, [None, "合计", *totals], *below]


def refusal(data: bytes, kind: str = "xlsx", **options) -> FinanceTableError:
    with pytest.raises(FinanceTableError) as refused:
        parse_statement(data, kind, **options)
    return refused.value


def one_record(record: list[object]) -> FinanceTableError:
    return refusal(xlsx(statement(record)))


# ---- a valid statement -----------------------------------------------------------------


def test_xlsx_statement_parses_with_exact_decimal_totals():
    data = xlsx([
        TITLE,
        [],
        HEADER,
        [datetime(2026, 10, 5), "上级拨付办公经费", 1200.5, None, "镇财政所"],
        [datetime(2026, 10, 8), "村部电费", None, 86.3, ""],
        [],
        [date(2026, 10, 12), "集体土地租金", 3000, None, None],
        ["2026年10月20日", "道路维修材料", None, "￥1,150.25", "发票 3 张"],
        [None, "合计", 4200.5, 1236.55, None],
        ["制表人：李明", None, "审核人：王芳"],
    ])

    result = parse_statement(data, "xlsx", period=OCTOBER)

    assert isinstance(result, Statement)
    assert [(row.row_number, row.entry_date, row.item, row.income, row.expense, row.note)
            for row in result.rows] == [
        (4, date(2026, 10, 5), "上级拨付办公经费", Decimal("1200.50"), None, "镇财政所"),
        (5, date(2026, 10, 8), "村部电费", None, Decimal("86.30"), ""),
        (7, date(2026, 10, 12), "集体土地租金", Decimal("3000.00"), None, ""),
        (8, date(2026, 10, 20), "道路维修材料", None, Decimal("1150.25"), "发票 3 张"),
    ]
    assert result.total_income == Decimal("4200.50")
    assert result.total_expense == Decimal("1236.55")
    assert result.balance == Decimal("2963.95")


def test_float_cells_are_read_as_the_amounts_excel_shows():
    # 0.1 + 0.2 is 0.30000000000000004 as a float; the sheet shows and means 0.30.
    data = xlsx(statement(["2026-10-01", "利息", 0.1, None],
                          ["2026-10-02", "利息", 0.2, None],
                          totals=(0.1 + 0.2, None)))

    result = parse_statement(data, "xlsx")

    assert result.total_income == Decimal("0.30")
    assert result.total_expense == Decimal("0")
    assert all(isinstance(row.income, Decimal) for row in result.rows)


def test_header_is_found_by_synonyms_in_any_order_and_column():
    data = xlsx([
        TITLE,
        [None, "凭证号", " 支出金额(元) ", "项 目", "收入金额（元）", "记账日期"],
        [None, "记-01", None, "种粮补贴", "500", "2026-10-03"],
        [None, None, None, "合计", "500.00", None],
    ])

    result = parse_statement(data, "xlsx")

    assert [(row.item, row.income, row.note) for row in result.rows] == [
        ("种粮补贴", Decimal("500.00"), "")]


@pytest.mark.parametrize("cell", [
    "1,200.50", "¥1,200.50", "￥1200.5", "１２００.５０", "１，２００.５", " 1200.50元 ", 1200.5,
])
def test_amount_formats_are_accepted(cell):
    data = xlsx(statement(["2026-10-05", "补助", cell, None], totals=("1200.50", None)))

    assert parse_statement(data, "xlsx").rows[0].income == Decimal("1200.50")


@pytest.mark.parametrize("cell", [
    datetime(2026, 10, 5), date(2026, 10, 5), "2026-10-05", "2026/10/5", "2026年10月5日",
    "2026.10.5", "20261005", 20261005, "２０２６－１０－０５", "2026/10/5 0:00",
])
def test_date_formats_are_accepted(cell):
    data = xlsx(statement([cell, "补助", 10, None], totals=(10, None)))

    assert parse_statement(data, "xlsx").rows[0].entry_date == date(2026, 10, 5)


@pytest.mark.parametrize("empty", [0, "0.00", "-", " ¥-   ", None, ""])
def test_zero_or_dash_in_the_other_column_counts_as_empty(empty):
    data = xlsx(statement(["2026-10-05", "补助", "80", empty], totals=("80", empty)))

    row = parse_statement(data, "xlsx").rows[0]

    assert (row.income, row.expense) == (Decimal("80.00"), None)


def test_a_month_without_income_may_leave_its_total_blank():
    data = xlsx(statement(["2026-10-05", "电费", None, "86.30"], totals=(None, "86.30")))

    result = parse_statement(data, "xlsx")

    assert (result.total_income, result.total_expense) == (Decimal("0.00"), Decimal("86.30"))


def test_summary_rows_and_signatures_below_the_totals_are_ignored():
    data = xlsx(statement(["2026-10-05", "电费", None, "86.30"], totals=(None, "86.30"),
                          below=([None, "本年累计", "52,000.00", "31,400.00"],
                                 ["村务监督委员会：（签字）", None, None, None, "2026年10月31日"])))

    assert parse_statement(data, "xlsx").total_expense == Decimal("86.30")


# ---- CSV -------------------------------------------------------------------------------


def test_csv_in_utf8_with_bom_parses():
    rows = statement(["2026-10-05", "上级拨付办公经费", "1,200.50", ""],
                     ["2026/10/8", "村部电费", "", "86.30"], totals=("1,200.50", "86.30"))

    result = parse_statement(csv_bytes(rows), "csv", period=OCTOBER)

    assert [row.item for row in result.rows] == ["上级拨付办公经费", "村部电费"]
    assert result.rows[0].row_number == 3
    assert (result.total_income, result.total_expense) == (Decimal("1200.50"),
                                                           Decimal("86.30"))


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_csv_saved_by_chinese_excel_as_gb18030_parses(delimiter):
    rows = statement(["2026年10月5日", "𠀀村道路养护费", "", "￥300"], totals=("", "300"))
    data = csv_bytes(rows, encoding="gb18030", delimiter=delimiter)

    result = parse_statement(data, "csv")

    assert result.rows[0].item == "𠀀村道路养护费"
    assert result.total_expense == Decimal("300.00")


def test_csv_without_bom_parses():
    rows = statement(["20261005", "补助", "10", ""], totals=("10", ""))

    assert parse_statement(csv_bytes(rows, encoding="utf-8"), "csv").total_income == 10


# ---- row-level problems ----------------------------------------------------------------


@pytest.mark.parametrize(("record", "problem"), [
    (["2026-10-05", "补助", 12.345, None], "第 3 行“收入”：“12.345”最多两位小数。"),
    (["2026-10-05", "补助", "12.345", None], "第 3 行“收入”：“12.345”最多两位小数。"),
    (["2026-10-05", "补助", None, "-5"], "第 3 行“支出”：“-5”不能为负数。"),
    (["2026-10-05", "补助", None, -5], "第 3 行“支出”：“-5”不能为负数。"),
    (["2026-10-05", "补助", "一百元", None], "第 3 行“收入”：“一百元”不是有效金额。"),
    (["2026-10-05", "补助", "1,20,0", None], "第 3 行“收入”：“1,20,0”不是有效金额。"),
    (["2026-10-05", "补助", 1e13, None], "第 3 行“收入”：“10000000000000”超过金额上限。"),
    (["2026-02-30", "补助", 10, None], "第 3 行“日期”：“2026-02-30”不是有效日期。"),
    (["10月5日", "补助", 10, None], "第 3 行“日期”：“10月5日”不是有效日期。"),
    ([46300, "补助", 10, None], "第 3 行“日期”：“46300”不是有效日期。"),
    ([None, "补助", 10, None], "第 3 行“日期”：不能为空。"),
    (["2026-10-05", "  ", 10, None], "第 3 行“摘要”：不能为空。"),
    (["2026-10-05", "补助", None, None], "第 3 行：收入和支出不能同时为空。"),
    (["2026-10-05", "补助", 10, 10], "第 3 行：收入和支出只能填一项。"),
    (["2026-10-05", "补" * 201, 10, None],
     "第 3 行“摘要”：超过 200 个字符（现有 201 个），请精简。"),
    (["2026-10-05", "补助", 10, None, "注" * 201],
     "第 3 行“备注”：超过 200 个字符（现有 201 个），请精简。"),
], ids=["float-decimals", "text-decimals", "negative-text", "negative-number", "words",
        "bad-separators", "too-large", "no-such-day", "no-year", "serial-number", "no-date",
        "no-item", "no-amount", "both-amounts", "long-item", "long-note"])
def test_each_row_problem_names_row_and_column(record, problem):
    refused = one_record(record)

    assert refused.problems == [problem]
    assert refused.message == "财务表有 1 处错误，请修改后重新导入。"


def test_date_outside_the_notice_period_is_refused():
    data = xlsx(statement(["2026-09-30", "补助", 10, None], totals=(10, None)))

    refused = refusal(data, period=OCTOBER)

    assert refused.problems == [
        "第 3 行“日期”：2026-09-30 不在公开期间 2026-10-01 至 2026-10-31 内。"]


def test_every_problem_is_reported_together_in_row_order():
    data = xlsx(statement(["2026-10-05", "补助", "12.345", None],
                          ["2026-10-06", "电费", None, None],
                          ["2026-13-01", "租金", 10, "5"],
                          ["2026-10-09", "材料费", None, 20]))

    refused = refusal(data)

    assert refused.problems == [
        "第 3 行“收入”：“12.345”最多两位小数。",
        "第 4 行：收入和支出不能同时为空。",
        "第 5 行“日期”：“2026-13-01”不是有效日期。",
    ]
    assert refused.message == "财务表有 3 处错误，请修改后重新导入。"
    assert isinstance(refused, ValidationError) and refused.field == "finance_file"


def test_problems_are_listed_up_to_fifty():
    rows = statement(*[["2026-10-05", "补助", None, None] for _ in range(80)])

    refused = refusal(csv_bytes(rows), "csv")

    assert len(refused.problems) == 50
    assert refused.problems[-1] == "第 52 行：收入和支出不能同时为空。"
    assert refused.message == "财务表有 50 处以上错误，请修改后重新导入。"


def test_more_than_two_thousand_records_are_refused():
    rows = statement(*[["2026-10-05", "补助", "1", ""] for _ in range(2001)],
                     totals=("2001", ""))

    refused = refusal(csv_bytes(rows), "csv")

    assert refused.problems == ["收支记录超过 2,000 行的上限，请按月拆分后分别导入。"]


def test_record_below_the_totals_row_is_not_silently_dropped():
    data = xlsx(statement(["2026-10-05", "补助", 10, None], totals=(10, None),
                          below=(["2026-10-06", "漏记的电费", None, 86.3],)))

    assert refusal(data).problems == ["第 5 行：收支记录在“合计”行之后，请移到“合计”行之前。"]


# ---- totals and structure --------------------------------------------------------------


def test_totals_that_differ_from_the_sum_are_refused_with_the_difference():
    data = xlsx(statement(["2026-10-05", "材料费", None, 1000],
                          ["2026-10-06", "人工费", None, "150"],
                          ["2026-10-07", "补助", 500, None],
                          totals=(500, "1,200.00")))

    refused = refusal(data)

    assert refused.problems == ["合计行“支出”为 1,200.00，各行之和为 1,150.00，相差 50.00。"]


def test_blank_total_with_records_is_refused():
    data = xlsx(statement(["2026-10-05", "补助", 10, None], totals=(None, None)))

    assert refusal(data).problems == [
        "合计行“收入”为空，各行之和为 10.00"
        "（如填的是公式，请在 Excel 或 WPS 中打开并保存后再导入）。"]


def test_invalid_total_is_named():
    data = xlsx(statement(["2026-10-05", "补助", 10, None], totals=("十元", None)))

    assert refusal(data).problems == ["合计行“收入”：“十元”不是有效金额。"]


def test_missing_totals_row_is_refused():
    data = xlsx([TITLE, HEADER, ["2026-10-05", "补助", 10, None]])

    assert refusal(data).problems == [NO_TOTALS] == ["缺少“合计”行。"]


def test_sheet_without_header_is_refused():
    data = xlsx([TITLE, ["时间", "内容", "金额"], ["2026-10-05", "补助", 10]])

    refused = refusal(data)

    assert refused.message == NO_HEADER == "找不到表头（需要：日期、摘要、收入、支出）。"
    assert refused.problems == [NO_HEADER]


def test_statement_without_records_is_refused():
    data = xlsx([TITLE, HEADER, [], [None, "合计", 0, 0]])

    assert refusal(data).problems == [NO_RECORDS] == ["没有任何收支记录。"]


@pytest.mark.parametrize(("data", "kind"), [
    (b"<!DOCTYPE html><html><body>financial report</body></html>", "xlsx"),
    (b"PK\x03\x04 broken archive", "xlsx"),
    (b"", "xlsx"),
    ("日期,摘要".encode("utf-16"), "csv"),
    (b"\x81\x30\xff\xfe\x80", "csv"),
], ids=["html-renamed", "corrupt-zip", "empty", "utf16-csv", "undecodable-csv"])
def test_content_that_is_not_a_readable_table_is_refused(data, kind):
    refused = refusal(data, kind)

    assert refused.message == UNREADABLE
    assert refused.message.startswith("无法读取该表格文件")


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")

    assert refusal(buffer.getvalue()).message == UNREADABLE


def test_workbook_expanding_beyond_the_limit_is_refused_before_loading(monkeypatch):
    data = xlsx(statement(["2026-10-05", "补助", 10, None], totals=(10, None)))
    monkeypatch.setattr(finance, "MAX_EXPANDED_BYTES", 1000)

    assert refusal(data).message == TOO_LARGE


# ---- personal data ---------------------------------------------------------------------


def _id_number() -> str:
    first17 = "41042119800101123"
    return first17 + id_check_char(first17)


def test_personal_data_in_cells_is_found_with_row_and_column_and_masked():
    id_number = _id_number()
    data = xlsx(statement(["2026-10-05", f"发放低保金（张三，{id_number}）", None, 600],
                          ["2026-10-06", "维修费", None, 200, "联系人 13812345678"],
                          totals=(None, 800)))
    result = parse_statement(data, "xlsx")

    found = scan_statement(result)

    assert [(f.row_number, f.column, f.finding.kind) for f in found] == [
        (3, "摘要", PersonalDataKind.ID_NUMBER), (4, "备注", PersonalDataKind.MOBILE)]
    assert found[0].message == "第 3 行“摘要”有身份证号（410421********" + id_number[-4:] \
        + "），请遮盖后再公开。"

    masked = mask_statement(result)

    assert masked.rows[0].item == f"发放低保金（张三，410421********{id_number[-4:]}）"
    assert masked.rows[1].note == "联系人 138****5678"
    assert scan_statement(masked) == []
    assert (masked.total_expense, masked.rows[0].expense) == (result.total_expense,
                                                              Decimal("600.00"))
    assert id_number in result.rows[0].item  # the original is left unchanged


def test_a_refusal_survives_the_trip_from_the_budgeted_child():
    error = one_record([date(2026, 10, 5), "", "abc", None, ""])

    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is FinanceTableError
    assert (copy.problems, copy.message, copy.field) == (error.problems, error.message,
                                                         "finance_file")
