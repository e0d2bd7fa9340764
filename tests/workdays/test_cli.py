"""`flask workdays add` and `flask workdays is-working`."""

from __future__ import annotations

from datetime import date

import pytest

from portal.auth.models import Role
from portal.workdays import services


@pytest.fixture
def admin(make_user, orgs):
    return make_user("admin", (Role.ADMIN, orgs["county"]))


def run(runner, *args: str):
    return runner.invoke(args=["workdays", *args])


def test_add_across_national_day_2026(runner):
    result = run(runner, "add", "2026-09-30", "20")
    assert result.exit_code == 0, result.output
    assert result.output == "2026-11-03\n"


def test_add_into_an_unannounced_year_is_marked_provisional(runner):
    result = run(runner, "add", "2026-12-25", "10")
    assert result.exit_code == 0, result.output
    assert result.output == "2027-01-11 provisional\n"


def test_add_zero_days_returns_the_start(runner):
    assert run(runner, "add", "2026-10-01", "0").output == "2026-10-01\n"


def test_add_uses_the_admins_overrides_and_confirmations(runner, admin):
    services.set_override(admin, date(2026, 10, 10), False, "")
    services.confirm_year(admin, 2027, "")
    assert run(runner, "add", "2026-09-30", "3").output == "2026-10-12\n"
    assert run(runner, "add", "2026-12-25", "10").output == "2027-01-11\n"


@pytest.mark.parametrize("bad", ["2026-13-01", "2026/09/30", "tomorrow"])
def test_a_bad_date_is_a_usage_error_in_chinese(runner, bad):
    result = run(runner, "add", bad, "20")
    assert result.exit_code == 2
    assert f"“{bad}”不是有效的日期" in result.output
    assert "YYYY-MM-DD" in result.output


def test_a_negative_count_is_a_usage_error(runner):
    result = run(runner, "add", "2026-09-30", "--", "-3")
    assert result.exit_code == 2
    assert "工作日数不能为负数" in result.output


def test_a_count_that_is_not_a_number_is_a_usage_error(runner):
    result = run(runner, "add", "2026-09-30", "twenty")
    assert result.exit_code == 2
    assert "不是整数" in result.output


@pytest.mark.parametrize(("day", "expected"), [
    ("2026-10-10", "2026-10-10 working"),  # Saturday, 调休上班
    ("2026-10-08", "2026-10-08 working"),
    ("2026-10-07", "2026-10-07 holiday"),
    ("2027-02-08", "2027-02-08 holiday provisional"),  # 春节 fallback
    ("2027-02-09", "2027-02-09 working provisional"),
])
def test_is_working(runner, day, expected):
    result = run(runner, "is-working", day)
    assert result.exit_code == 0, result.output
    assert result.output == expected + "\n"


def test_is_working_sees_an_override(runner, admin):
    services.set_override(admin, date(2027, 2, 9), False, "春节补假")
    assert run(runner, "is-working", "2027-02-09").output == "2027-02-09 holiday provisional\n"


def test_is_working_rejects_a_bad_date(runner):
    result = run(runner, "is-working", "2026-02-30")
    assert result.exit_code == 2
    assert "不是有效的日期" in result.output
