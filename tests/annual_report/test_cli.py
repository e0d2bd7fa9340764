"""`flask annual-report YEAR --format xlsx|html|csv [--org SLUG] [--output FILE]`."""

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.annual_report.conftest import read_xlsx
from tests.annual_report.test_report import EXPECTED_2026


def run(runner, *args: str):
    return runner.invoke(args=["annual-report", *args])


def test_html_goes_to_standard_output(year_2026, runner):
    result = run(runner, "2026", "--format", "html", "--org", "shuangta")

    assert result.exit_code == 0, result.output
    assert "<h1>双塔镇2026年政府信息公开工作年度报告</h1>" in result.output
    assert 'data-row="new" data-column="total">25<' in result.output
    assert "<strong>通过</strong>" in result.output
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "annual_report.export")).one()
    assert event.actor_name == "system" and event.client_addr == "cli"
    assert event.after["format"] == "html"


def test_xlsx_goes_to_a_named_file(year_2026, runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(runner, "2026", "--format", "xlsx", "--org", "shuangta")

    assert result.exit_code == 0, result.output
    path = tmp_path / "2026-shuangta-政府信息公开年度报告.xlsx"
    assert result.output == f"已写入 {path.name}\n"
    three, four, _sheet = read_xlsx(path.read_bytes())
    assert three["一、本年新收政府信息公开申请数量"] == EXPECTED_2026["new"]
    assert three["（七）总计"] == EXPECTED_2026["answered_total"]
    assert four == [0] * 15


def test_output_option_and_default_organization(year_2026, runner, tmp_path):
    target = tmp_path / "county.xlsx"
    result = run(runner, "2026", "--format", "xlsx", "--output", str(target))

    assert result.exit_code == 0, result.output
    three, _four, sheet = read_xlsx(target.read_bytes())
    assert sheet["A1"].value == "民权县2026年政府信息公开工作年度报告"
    assert three["一、本年新收政府信息公开申请数量"][-1] == 26  # both towns


def test_csv_to_standard_output(orgs, runner, travel):
    result = run(runner, "2025", "--format", "csv", "--org", "huayuan")
    assert result.exit_code == 0, result.output
    assert "三,四、结转下年度继续办理,总计,0" in result.output


def test_year_is_checked_with_a_chinese_message(orgs, runner, travel):
    for bad in ("2028", "1999", "二〇二六", "26x"):
        result = run(runner, bad)
        assert result.exit_code == 2
        assert "应为 2008 年至 2027 年之间的四位数年份" in result.output


def test_unknown_organization(orgs, runner, travel):
    result = run(runner, "2026", "--org", "nowhere")
    assert result.exit_code == 1
    assert "找不到代码为“nowhere”的单位" in result.output


def test_unknown_format(orgs, runner, travel):
    result = run(runner, "2026", "--format", "pdf")
    assert result.exit_code == 2


def test_narrative_that_looks_like_a_formula_stays_text(staff, runner, tmp_path):
    from portal.annual_report import services

    services.save_report(staff["reviewer"], 2026, None, {"overview": "=HYPERLINK(\"x\")"})
    target = tmp_path / "r.xlsx"
    assert run(runner, "2026", "--format", "xlsx", "--org", "shuangta",
               "-o", str(target)).exit_code == 0
    _three, _four, sheet = read_xlsx(target.read_bytes())
    cell = next(c for row in sheet.iter_rows() for c in row
                if c.value == "'=HYPERLINK(\"x\")")
    assert cell.data_type == "s"
