"""Table 三 counted from the applications, the check, the scope of a report, table 二's
hand-entered figures and the deadline."""

from datetime import date

import pytest

from portal.annual_report import services
from portal.annual_report.figures import COLUMNS, OUTCOME_CODES
from portal.errors import NotFound, PermissionDenied, ValidationError
from portal.extensions import db
from tests.inquiries.timetravel import beijing

#                  自然人 商业 科研 公益 法律 其他 总计
EXPECTED_2026 = {
    "new":         [5, 5, 4, 4, 3, 4, 25],  # D (21) + J1 + E1 + E2 + E3
    "carried_in":  [1, 1, 1, 0, 1, 0, 4],  # B1 B2 B3 C (J2 was answered in 2025)
    "grant":       [2, 1, 0, 0, 0, 0, 3],  # D + B1 + J1's first reply
    "partial":     [0, 2, 0, 0, 0, 0, 2],  # D + B2 (J2's second handling is no new case)
    "deny-1":      [0, 0, 1, 0, 0, 0, 1],
    "deny-2":      [0, 0, 0, 1, 0, 0, 1],
    "deny-3":      [0, 0, 0, 0, 1, 0, 1],
    "deny-4":      [0, 0, 0, 0, 1, 1, 2],  # D + B3 (received 23:50 on 31 Dec, Beijing)
    "deny-5":      [1, 0, 0, 0, 0, 0, 1],
    "deny-6":      [0, 1, 0, 0, 0, 0, 1],  # D (J1's second handling is not counted)
    "deny-7":      [0, 0, 1, 0, 0, 0, 1],
    "deny-8":      [0, 0, 0, 1, 0, 0, 1],
    "unable-1":    [0, 0, 0, 0, 1, 0, 1],  # answered by the 财政所 after a transfer
    "unable-2":    [0, 0, 0, 0, 0, 1, 1],
    "unable-3":    [1, 0, 0, 0, 0, 0, 1],
    "reject-1":    [0, 1, 0, 0, 0, 0, 1],
    "reject-2":    [0, 0, 1, 0, 0, 0, 1],
    "reject-3":    [0, 0, 0, 1, 0, 0, 1],
    "reject-4":    [0, 0, 0, 0, 1, 0, 1],
    "reject-5":    [0, 0, 0, 0, 0, 1, 1],
    "other-1":     [1, 0, 0, 0, 0, 0, 1],
    "other-2":     [0, 1, 0, 0, 0, 0, 1],
    "other-3":     [0, 0, 1, 0, 0, 0, 1],
    "answered_total": [5, 6, 4, 3, 4, 3, 25],
    "carried_out": [1, 0, 1, 1, 0, 1, 4],  # C, E1, E2 (23:30 on 31 Dec), E3 (answered 2027)
}  # fmt: skip


def test_table_three_counts_the_year_by_hand(year_2026, staff):
    report = services.get_report(staff["inspector"], 2026)

    assert report.organization.slug == "shuangta"
    assert {row: report.applications.row(row) for row in EXPECTED_2026} == EXPECTED_2026
    assert report.check.passed and report.check.summary == "通过"
    assert report.applications.unclassified == []


def test_every_row_and_column_is_in_the_expected_table():
    assert set(EXPECTED_2026) == {"new", "carried_in", "answered_total", "carried_out",
                                  *OUTCOME_CODES}
    assert len(COLUMNS) == 7


def test_previous_year_carries_over_what_this_year_carried_in(year_2026, staff):
    previous = services.get_report(staff["inspector"], 2025)
    current = services.get_report(staff["inspector"], 2026)

    assert previous.check.passed
    assert previous.applications.row("carried_out") == current.applications.row("carried_in")
    # A and J2 were answered in 2025; J2's reopening in 2026 leaves its 2025 reply counted.
    assert previous.applications.row("grant")[-1] == 2


def test_reopened_application_counts_once_with_its_first_reply(year_2026, staff):
    report = services.get_report(staff["inspector"], 2026)
    counted = sum(report.applications.value(code, "total") for code in OUTCOME_CODES)
    answered_in_2026 = 25  # 21 (D) + B1 B2 B3 + J1, each once
    assert counted == answered_in_2026


def test_county_report_covers_both_towns(year_2026, staff, orgs):
    report = services.get_report(staff["county_inspector"], 2026)

    assert report.organization == orgs["county"]
    assert report.applications.row("new")[-1] == 25 + 1  # G, in 花园乡
    assert report.applications.row("grant")[-1] == 3 + 1
    assert report.check.passed


def test_department_report_covers_only_what_it_holds(year_2026, staff):
    report = services.get_report(staff["inspector"], 2026, "shuangta-finance")

    assert report.applications.row("new") == [0, 0, 0, 0, 1, 0, 1]
    assert report.applications.row("unable-1") == [0, 0, 0, 0, 1, 0, 1]
    assert report.check.passed


def test_empty_year_is_all_zeros_and_balanced(orgs, staff, travel):
    report = services.get_report(staff["inspector"], 2026)

    for row in EXPECTED_2026:
        assert report.applications.row(row) == [0] * 7
    assert report.appeals.all_cells() == [0] * 15
    assert set(report.manual.values()) == {0}
    assert report.check.passed
    assert report.narrative == {"overview": "", "problems": "", "other_matters": ""}
    assert report.stored is None


def test_answer_without_outcome_fails_the_check_and_is_named(applications, staff):
    applications.receive("X", applications.travel.to(date(2026, 3, 2)), "research")
    applications.answer("X", "grant", applications.travel.to(date(2026, 3, 3)))
    inquiry = applications.made["X"]
    inquiry.outcome = ""  # e.g. an application migrated from the old system
    db.session.commit()

    report = services.get_report(staff["inspector"], 2026)

    assert not report.check.passed
    assert [m.column for m in report.check.mismatches] == ["research", "total"]
    assert "科研机构（一 + 二 = 1，三（七） + 四 = 0）" in report.check.summary
    assert report.applications.unclassified == [inquiry.number]


# --- which report, for whom -----------------------------------------------------------------

def test_reader_of_another_town_cannot_see_this_one(staff, travel):
    with pytest.raises(PermissionDenied) as error:
        services.get_report(staff["other_reviewer"], 2026, "shuangta")
    assert error.value.action == "annual_report.view"  # the error handler audits it


def test_other_towns_reviewer_sees_own_town_by_default(staff, orgs, travel):
    report = services.get_report(staff["other_reviewer"], 2026)
    assert report.organization == orgs["other_town"]


def test_editor_may_not_read_the_report(staff, travel):
    with pytest.raises(PermissionDenied):
        services.get_report(staff["editor"], 2026)


def test_visible_organizations_follow_the_grants(staff, orgs, travel):
    slugs = [o.slug for o in services.visible_organizations(staff["inspector"])]
    assert slugs[0] == "shuangta" and "huayuan" not in slugs and "minquan" not in slugs
    county = services.visible_organizations(staff["county_inspector"])
    assert len(county) == 5  # the county, two towns, two offices: villages report nothing
    assert not {"shuangta-cun", "wangtang"} & {o.slug for o in county}


@pytest.mark.parametrize("year", ["2007", "2028", "20x6", "", "２０２６"])
def test_year_must_be_a_reportable_year(staff, travel, year):
    with pytest.raises(ValidationError, match="年度") as error:
        services.get_report(staff["inspector"], year)
    assert "2008 年至 2027 年" in error.value.message


def test_unknown_organization(staff, travel):
    with pytest.raises(NotFound):
        services.get_report(staff["inspector"], 2026, "nowhere")


# --- deadline ---------------------------------------------------------------------------------

def test_deadline_is_january_31_of_the_next_year(staff, travel):
    report = services.get_report(staff["inspector"], 2026)
    assert report.deadline == date(2027, 1, 31)
    assert not report.past_deadline and report.days_to_deadline == 16

    travel.to(date(2027, 2, 1))
    assert services.get_report(staff["inspector"], 2026).past_deadline


@pytest.mark.parametrize(("slug", "due"), [
    ("minquan", date(2027, 3, 31)),  # 县级人民政府: 3 月 31 日 (条例第四十九条)
    ("shuangta", date(2027, 1, 31)),  # 乡镇: 1 月 31 日
    ("shuangta-finance", date(2027, 1, 31)),
    ("shuangta-cun", date(2027, 1, 31)),
])
def test_deadline_depends_on_the_level(staff, travel, slug, due):
    report = services.get_report(staff["county_inspector"], 2026, slug)
    assert report.deadline == due


def test_county_deadline_counts_down_to_march_31(staff, travel):
    report = services.get_report(staff["county_inspector"], 2026, "minquan")
    assert report.days_to_deadline == 75  # 16 days of January, 28 of February, 31 of March
    assert report.deadline_rule == "县级人民政府的年度报告于次年 3 月 31 日前公布"


def test_deadline_is_configurable_per_level(app, staff, travel):
    app.config["ANNUAL_REPORT_DEADLINE_TOWN"] = "01-15"
    app.config["ANNUAL_REPORT_DEADLINE_COUNTY"] = "03-15"
    assert services.get_report(staff["inspector"], 2026).deadline == date(2027, 1, 15)
    assert services.get_report(staff["county_inspector"], 2026, "minquan").deadline == \
        date(2027, 3, 15)
    assert services.get_report(staff["inspector"], 2026, "shuangta-finance").deadline == \
        date(2027, 1, 31)


def test_a_reopened_handling_is_not_a_new_application(applications, staff, travel):
    """重新办理 is handled as a separate work order linked to the original
    (`reopened_from_id`); table 三 counts the original application once, with its own
    reply, and never the linked handling."""
    a = applications
    a.receive("O", beijing(date(2026, 3, 2)))
    a.answer("O", "grant", beijing(date(2026, 3, 9)))
    a.receive("P", beijing(date(2026, 6, 1)), "commercial")
    a.answer("P", "deny-4", beijing(date(2026, 6, 10)))
    a.receive("O-again", beijing(date(2026, 4, 1)))
    a.made["O-again"].reopened_from_id = a.made["O"].id
    a.receive("P-again", beijing(date(2026, 12, 30)), "commercial")  # open at year end
    a.made["P-again"].reopened_from_id = a.made["P"].id
    db.session.commit()
    a.answer("O-again", "partial", beijing(date(2026, 4, 20)))
    travel.to(date(2027, 1, 15))

    report = services.get_report(staff["inspector"], 2026)
    assert report.applications.row("new") == [1, 1, 0, 0, 0, 0, 2]
    assert report.applications.row("grant") == [1, 0, 0, 0, 0, 0, 1]
    assert report.applications.row("deny-4") == [0, 1, 0, 0, 0, 0, 1]
    assert report.applications.row("partial") == [0] * 7
    assert report.applications.row("carried_out") == [0] * 7
    assert report.check.passed
    assert services.get_report(staff["inspector"], 2027).applications.row("carried_in") \
        == [0] * 7
