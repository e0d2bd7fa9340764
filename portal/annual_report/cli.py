"""`flask annual-report YEAR`: write an organization's 政府信息公开工作年度报告.

HTML and CSV go to standard output unless `--output` names a file; XLSX goes to a file named
like `2026-shuangta-政府信息公开年度报告.xlsx` in the current directory unless `--output`
says otherwise (`--output -` for standard output). The export is audited like one from the
page, with the command line as the actor.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.annual_report.services import FORMATS, export_report, validate_year
from portal.auth.system import SYSTEM
from portal.errors import DomainError


class ReportYear(click.ParamType):
    name = "YEAR"

    def convert(self, value, param, ctx) -> int:
        try:
            return validate_year(value)
        except DomainError as error:
            self.fail(error.message, param, ctx)


@click.command("annual-report")
@click.argument("year", type=ReportYear())
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="html",
              show_default=True, help="输出格式。")
@click.option("--org", "slug", default=None, metavar="SLUG",
              help="单位英文标识，如 shuangta；默认为组织树的最上级单位。")
@click.option("--output", "-o", default=None, metavar="FILE",
              help="输出文件；“-”表示标准输出。")
@with_appcontext
def annual_report_command(year: int, fmt: str, slug: str | None, output: str | None) -> None:
    """输出 YEAR 年度的政府信息公开工作年度报告（国办公开办函〔2021〕30号格式）。"""
    try:
        file = export_report(SYSTEM, year, slug, fmt)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    if output == "-" or (output is None and fmt != "xlsx"):
        click.echo(file.content, nl=False)  # bytes: written to the binary stream as they are
        return
    path = Path(output or file.filename)
    try:
        path.write_bytes(file.content)
    except OSError as error:
        raise click.ClickException(f"无法写入 {path}：{error.strerror}") from error
    click.echo(f"已写入 {path}")
