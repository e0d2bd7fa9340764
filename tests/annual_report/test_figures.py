"""The pure computation: counting rules at the year's edges, the check, table 二's input,
table 四 and the deadline."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal.annual_report import figures
from portal.annual_report.figures import (
    AppealFact,
    ApplicationFact,
    ApplicationTable,
    check_balance,
    clean_manual_figures,
    count_appeals,
    count_applications,
    deadline_for,
    with_totals,
)
from portal.annual_report.models import AppealKind, AppealResult
from portal.errors import ValidationError
from portal.inquiries.outcomes import OUTCOMES
from tests.inquiries.timetravel import beijing


def fact(received: datetime, replied: datetime | None = None, outcome: str = "grant",
         column: str = "citizen") -> ApplicationFact:
    return ApplicationFact("2026-000001", column, received, replied, outcome)


def test_every_outcome_code_has_exactly_one_row():
    assert sorted(figures.OUTCOME_CODES) == sorted(OUTCOMES)
    keys = [row.key for row in figures.APPLICATION_ROWS]
    assert len(keys) == len(set(keys)) == len(OUTCOMES) + 4


def test_rows_follow_the_official_wording():
    labels = {row.key: row.label for row in figures.APPLICATION_ROWS}
    assert labels["new"] == "一、本年新收政府信息公开申请数量"
    assert labels["carried_in"] == "二、上年结转政府信息公开申请数量"
    assert labels["partial"] == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert labels["deny-3"] == "3.危及“三安全一稳定”"
    assert labels["other-2"] == ("2.申请人逾期未按收费通知要求缴纳费用、"
                                 "行政机关不再处理其政府信息公开申请")
    assert labels["answered_total"] == "（七）总计"
    assert labels["carried_out"] == "四、结转下年度继续办理"
    assert list(figures.COLUMN_LABELS.values()) == [
        "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def test_layout_spans_merge_the_section_and_groups():
    spans = {laid.spec.key: (laid.section_span, laid.group_span)
             for laid in figures.application_layout()}
    assert spans["grant"] == (len(OUTCOMES) + 1, 0)  # 三、本年度办理结果 down to （七）
    assert spans["deny-1"] == (0, 8)
    assert spans["unable-1"] == (0, 3)
    assert spans["reject-1"] == (0, 5)
    assert spans["other-1"] == (0, 3)
    assert spans["deny-2"] == (0, 0)


def test_year_runs_in_beijing_time():
    start, end = figures.year_bounds(2026)
    assert start == datetime(2025, 12, 31, 16, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 16, tzinfo=UTC)


@pytest.mark.parametrize(("received", "replied", "row"), [
    # received at the first second of the year: new, answered
    (beijing(date(2026, 1, 1), 0, 0), beijing(date(2026, 1, 2)), "new"),
    # received at the last second of 2025, answered at the first second of 2026: carried in
    (beijing(date(2025, 12, 31), 23, 59, 59), beijing(date(2026, 1, 1), 0, 0), "carried_in"),
])
def test_edges_of_the_year(received, replied, row):
    table = count_applications([fact(received, replied)], 2026)
    assert table.value(row, "citizen") == 1
    assert table.value("grant", "citizen") == 1
    assert check_balance(table).passed


def test_answered_at_the_last_second_of_the_previous_year_is_not_carried_in():
    answered = beijing(date(2025, 12, 31), 23, 59, 59)
    table = count_applications([fact(beijing(date(2025, 12, 1)), answered)], 2026)
    assert table.row("carried_in") == [0] * 7 and table.row("grant") == [0] * 7


def test_answered_at_midnight_beijing_counts_next_year():
    received, answered = beijing(date(2026, 12, 30)), beijing(date(2027, 1, 1), 0, 0)
    table = count_applications([fact(received, answered)], 2026)
    assert table.value("carried_out", "citizen") == 1
    assert table.value("answered_total", "citizen") == 0


def test_unknown_organization_type_counts_as_other():
    assert figures.applicant_column("organization", "") == "other"
    assert figures.applicant_column("organization", "legal_services") == "legal_services"
    assert figures.applicant_column(None, None) == "citizen"


def test_check_names_every_column_that_does_not_balance():
    counts = with_totals({row.key: dict.fromkeys(figures.COLUMNS, 0)
                          for row in figures.APPLICATION_ROWS})
    counts["new"]["citizen"] = 3
    counts["grant"]["citizen"] = 2
    counts["new"]["commercial"] = 1
    counts["carried_out"]["commercial"] = 1
    check = check_balance(ApplicationTable(with_totals(counts)))

    assert not check.passed
    assert [(m.column, m.received, m.settled) for m in check.mismatches] == [
        ("citizen", 3, 2), ("total", 4, 3)]
    assert check.summary == ("不通过：自然人（一 + 二 = 3，三（七） + 四 = 2）；"
                             "总计（一 + 二 = 4，三（七） + 四 = 3）")


def test_balanced_hand_made_table_passes():
    counts = {row.key: dict.fromkeys(figures.COLUMNS, 0) for row in figures.APPLICATION_ROWS}
    counts["carried_in"]["research"] = 2
    counts["reject-2"]["research"] = 1
    counts["carried_out"]["research"] = 1
    assert check_balance(ApplicationTable(with_totals(counts))).passed


def test_appeals_table_has_the_templates_fifteen_cells():
    table = count_appeals([
        AppealFact(AppealKind.REVIEW, AppealResult.UPHELD),
        AppealFact(AppealKind.REVIEW, AppealResult.PENDING),
        AppealFact(AppealKind.LITIGATION_AFTER_REVIEW, AppealResult.CORRECTED),
    ])
    assert table.all_cells() == [1, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1]


def test_manual_figures_blank_is_zero_and_amount_keeps_its_decimals():
    cleaned = clean_manual_figures({"normative_issued": " 3 ", "fee_amount": "12.50"})
    assert cleaned["normative_issued"] == 3 and cleaned["rules_issued"] == 0
    assert cleaned["fee_amount"] == "12.5"
    assert figures.manual_figures(cleaned)["fee_amount"] == Decimal("12.5")
    assert figures.manual_figures(None)["penalty_decisions"] == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("penalty_decisions", "-1", "不小于 0 的整数"),
    ("penalty_decisions", "1.5", "不小于 0 的整数"),
    ("penalty_decisions", "３", "不小于 0 的整数"),
    ("penalty_decisions", "99999999", "数值过大"),
    ("fee_amount", "abc", "不小于 0 的数字"),
    ("fee_amount", "-0.5", "不小于 0 的数字"),
    ("fee_amount", "NaN", "不小于 0 的数字"),
    ("fee_amount", "1.00001", "四位小数"),
])
def test_manual_figures_are_checked(field, value, message):
    with pytest.raises(ValidationError, match=message) as error:
        clean_manual_figures({field: value})
    assert error.value.field == field


def test_deadline_setting():
    assert deadline_for(2026, "01-31") == date(2027, 1, 31)
    assert deadline_for(2026, "3-1") == date(2027, 3, 1)
    with pytest.raises(ValueError, match="MM-DD"):
        deadline_for(2026, "01/31")
    with pytest.raises(ValueError, match="ANNUAL_REPORT_DEADLINE_COUNTY"):
        deadline_for(2026, "02-30", "ANNUAL_REPORT_DEADLINE_COUNTY")
