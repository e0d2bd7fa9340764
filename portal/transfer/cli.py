"""`flask disclosures import` and `flask export`, as the server's command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from portal.auth.system import SYSTEM
from portal.errors import DomainError
from portal.transfer import dataset
from portal.transfer.export import SUMS, export_public_records
from portal.transfer.history import import_history

TITLES = {part.name: part.title for part in dataset.PARTS}

disclosures_cli = AppGroup("disclosures", help="政府信息公开：从原网站导入历史信息。")


@disclosures_cli.command("import")
@click.argument("table", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--files", "files_dir", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="存放正文文件和附件的文件夹")
@click.option("--dry-run", is_flag=True, help="只检查并逐行报告，不写入")
def import_command(table: Path, files_dir: Path, dry_run: bool) -> None:
    """导入原网站已发布的历史信息（元数据表 .csv 或 .xlsx，加一个文件夹的正文和附件）。

    保留原发布日期、发文字号和索引号，不经审核直接发布；任何一行被拒绝时什么也不写入。"""
    kind = table.suffix.lower().lstrip(".")
    if kind not in ("csv", "xlsx"):
        raise click.ClickException("元数据表应为 .csv 或 .xlsx 文件。")
    try:
        result = import_history(SYSTEM, table.read_bytes(), kind, files_dir,
                                source=table.name, dry_run=dry_run)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    for problem in result.problems:
        click.echo(problem, err=True)
    for row in result.rows:
        _report(row, result.index_numbers.get(row.number))
    created = len(result.rows) - len(result.refused)
    summary = f"共 {len(result.rows)} 行：可导入 {created} 条，拒绝 {len(result.refused)} 条"
    if not result.ok:
        click.echo(f"{summary}。未写入任何内容。", err=True)
        sys.exit(1)
    if dry_run:
        click.echo(f"{summary}。试运行，未写入任何内容。")
    else:
        click.echo(f"已导入 {created} 条历史信息，已发布并编入站内搜索。")


def _report(row, index_number: str | None) -> None:
    if row.problems:
        click.echo(f"第 {row.number} 行  拒绝  {row.title[:40]}", err=True)
        for problem in row.problems:
            click.echo(f"    {problem}", err=True)
        return
    files = f"  {len(row.attachments)} 个附件" if row.attachments else ""
    click.echo(f"第 {row.number} 行  创建  索引号 {index_number}{files}  {row.title[:40]}")
    for note in row.notes:
        click.echo(f"    注意：{note}")


@click.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--resume", is_flag=True, help="继续上次中断的导出，已完成的部分不再重写")
@with_appcontext
def export_command(folder: Path, resume: bool) -> None:
    """导出全部公开记录到目录：JSON 和 CSV、附件、重新生成的财务表和 SHA256SUMS 清单。"""
    base = current_app.config.get("SITE_URL")
    if not base:
        click.echo("提示：未设置 PORTAL_SITE_URL，数据中的网址以 http://localhost/ 开头。",
                   err=True)
    with current_app.test_request_context("/", base_url=base or "http://localhost/"):
        try:
            result = export_public_records(
                SYSTEM, folder, resume=resume,
                on_part=lambda name: click.echo(f"正在导出{TITLES[name]}……"))
        except DomainError as error:
            raise click.ClickException(error.message) from error
    if result.already_complete:
        click.echo(f"{folder} 中的导出已经完成，没有需要继续的部分。")
        return
    if result.skipped:
        click.echo("已完成、未重写的部分：" + "、".join(TITLES[name] for name in result.skipped))
    for missing in result.missing:
        click.echo(f"警告：附件文件已从服务器磁盘丢失，未能导出：{missing}", err=True)
    counts = "、".join(f"{TITLES[name]} {count}" for name, count in result.counts.items())
    click.echo(f"已导出到 {folder}：{counts}。用 sha256sum -c {SUMS} 校验。")


@click.command("open-data")
@with_appcontext
def open_data_command() -> None:
    """生成当前公开内容的开放数据包（/open-data/；后台 worker 每分钟也会检查）。"""
    from portal.transfer import open_data

    package = open_data.refresh()
    if package is None:
        raise click.ClickException("另一个进程正在生成开放数据包，或内容版本无法读取；请稍后再试。")
    counts = "、".join(f"{TITLES[name]} {count}" for name, count in package.counts.items())
    click.echo(f"开放数据包已就绪（截至 {package.as_of or '—'}）：{counts}。")
