"""The pure rules: how a frozen year bounds the next ones, and how a reconciliation names a
difference. Times are Beijing times."""

from datetime import date

from portal.annual_report.carryover import FrozenYear, carry
from portal.annual_report.figures import (
    AppealFact,
    ApplicationFact,
    Placement,
    check_balance,
    count_appeals,
    count_applications,
)
from portal.annual_report.models import AppealKind, AppealResult
from portal.annual_report.reconcile import reconcile
from tests.inquiries.timetravel import beijing

FROZEN_2025 = FrozenYear(2025, {
    "A": Placement("A", "citizen", "new", "carried_out"),  # open at the end of 2025
    "B": Placement("B", "commercial", "new", "grant"),  # answered in 2025
    "C": Placement("C", "citizen", "carried_in", "carried_out"),
})


def fact(number, received, replied=None, outcome="grant", column="citizen"):
    return ApplicationFact(number, column, received, replied, outcome)


def test_the_year_after_carries_in_exactly_what_was_carried_out():
    facts = [
        # A: its applicant was corrected to a research institute after the 定稿
        fact("A", beijing(date(2025, 12, 20)), beijing(date(2026, 2, 2)), column="research"),
        # B: reopened in place, answered again in 2026 — settled in 2025 all the same
        fact("B", beijing(date(2025, 3, 1)), beijing(date(2026, 3, 3)), "partial",
             column="commercial"),
        # C: its reply was back-dated to 2025-12-30 after the 定稿: it counts in 2026
        fact("C", beijing(date(2024, 11, 1)), beijing(date(2025, 12, 30)), "deny-1"),
        fact("N", beijing(date(2026, 1, 5)), beijing(date(2026, 1, 20))),  # new in 2026
    ]
    carried = carry(facts, FROZEN_2025)
    table = count_applications(carried.facts, 2026)

    assert table.row("carried_in") == [2, 0, 0, 0, 0, 0, 2]  # A and C, as filed
    assert table.row("new") == [1, 0, 0, 0, 0, 0, 1]
    assert table.value("grant", "citizen") == 2  # A (filed column) and N
    assert table.value("deny-1", "citizen") == 1  # C, in the first year that can report it
    assert table.value("partial", "commercial") == 0  # B stays settled in 2025
    assert check_balance(table).passed
    assert carried.missed == []


def test_an_application_the_frozen_year_missed_is_new_the_year_after():
    facts = [
        # received on 2025-12-30, registered after the 定稿, still open
        fact("L", beijing(date(2025, 12, 30)), None),
        # missed too, but answered within 2025: that year's business only
        fact("M", beijing(date(2025, 12, 1)), beijing(date(2025, 12, 15))),
    ]
    carried = carry(facts, FROZEN_2025)
    table = count_applications(carried.facts, 2026)

    assert carried.missed == ["L"]
    assert table.row("new")[-1] == 1 and table.row("carried_out")[-1] == 1
    assert table.row("carried_in")[-1] == 0
    # two years on, L comes in as carried over like any open application
    assert count_applications(carried.facts, 2027).row("carried_in")[-1] == 1


def test_without_a_frozen_year_facts_are_unchanged():
    facts = [fact("A", beijing(date(2025, 12, 20)))]
    assert carry(facts, None).facts == facts


def test_reconciliation_of_a_changed_column_names_the_application():
    filed = count_applications([fact("A", beijing(date(2026, 3, 1)),
                                      beijing(date(2026, 3, 9)))], 2026)
    now = count_applications([fact("A", beijing(date(2026, 3, 1)), beijing(date(2026, 3, 9)),
                                   column="legal_services")], 2026)
    appeals = count_appeals([])
    note = reconcile((filed, appeals), (now, appeals), beijing(date(2027, 1, 20)))

    rows = {d.row: d for d in note.differences}
    assert set(rows) == {"一、本年新收政府信息公开申请数量", "三、本年度办理结果·（一）予以公开",
                         "三、本年度办理结果·（七）总计"}
    new = rows["一、本年新收政府信息公开申请数量"]
    assert [(c.column, c.delta) for c in new.cells] == [("自然人", -1), ("法律服务机构", 1)]
    assert new.causes == ("A",)  # the 总计 column did not move


def test_reconciliation_of_table_four_names_the_case():
    filed = count_appeals([AppealFact(AppealKind.REVIEW, AppealResult.PENDING, 3, "登记号 3")])
    now = count_appeals([AppealFact(AppealKind.REVIEW, AppealResult.CORRECTED, 3, "登记号 3"),
                         AppealFact(AppealKind.LITIGATION_DIRECT, AppealResult.PENDING, 4,
                                    "登记号 4")])
    table = count_applications([], 2026)
    note = reconcile((table, filed), (table, now), beijing(date(2027, 1, 20)))

    assert [(d.row, d.causes) for d in note.differences] == [
        ("行政复议", ("登记号 3",)), ("行政诉讼（未经复议直接起诉）", ("登记号 4",))]
    assert note.differences[0].text == ("表四“行政复议”：结果纠正 已报 0、重算 1（+1），"
                                        "尚未审结 已报 1、重算 0（-1）；涉及案件：登记号 3。")
