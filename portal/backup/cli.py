"""`flask --app portal backup PATH` and `flask --app portal restore PATH`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.backup.operations import check_archive, create_backup, restore_backup
from portal.errors import DomainError


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """备份数据库和全部上传文件到一个归档文件（网站运行中也可执行）。"""
    try:
        manifest = create_backup(path)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    uploads = len(manifest.upload_members)
    click.echo(f"备份完成：{path}")
    click.echo(f"  数据库：{manifest.engine}，表结构版本 {manifest.schema_revision}")
    click.echo(f"  上传文件：{uploads} 个")
    click.echo(f"  审计链：{manifest.audit_events} 条记录，链头 {manifest.audit_head}")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="不再询问确认。")
@click.option("--force", is_flag=True, help="目标数据库已有数据时仍然覆盖。")
@with_appcontext
def restore_command(path: Path, yes: bool, force: bool) -> None:
    """从备份归档恢复数据库和上传文件（请先停止网站），然后检查完整性和审计链。"""
    try:
        manifest = check_archive(path)
        click.echo(f"备份文件校验通过：{manifest.created_at} 的 {manifest.engine} 备份，"
                   f"{len(manifest.upload_members)} 个上传文件。")
        if not yes:
            click.confirm("恢复将覆盖当前数据库和上传目录中的同名文件，确定继续吗？", abort=True)
        report = restore_backup(path, force=force)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"数据库完整性检查：{report.integrity}")
    click.echo(f"审计链校验：{'完好' if report.audit_ok else '异常'}，{report.audit_message}")
    if report.missing_files:
        click.echo(f"警告：{len(report.missing_files)} 个附件记录在备份中没有对应文件，"
                   f"如 {report.missing_files[0]}", err=True)
    if manifest.schema_revision != _code_revision():
        click.echo(f"备份的表结构版本为 {manifest.schema_revision}，当前程序为 {_code_revision()}："
                   "请运行 flask --app portal db upgrade。")
    if not report.ok:
        click.echo("恢复后的检查未通过。", err=True)
        raise SystemExit(1)
    click.echo("恢复完成。")


def _code_revision() -> str:
    """The newest migration this code ships."""
    from portal.schema import code_head

    return code_head()
