"""`flask --app portal backup PATH` and `flask --app portal restore PATH`."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.backup import retention
from portal.backup.operations import check_archive, create_backup, restore_backup
from portal.errors import DomainError
from portal.timeutil import utcnow

STAGES = {"database": "数据库", "uploads": "上传文件", "verify": "校验"}


def megabytes(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB"


class Progress:
    """Prints each stage's counts and bytes as they go: at most once a second, and
    always at a stage's last step."""

    def __init__(self, every: float = 1.0) -> None:
        self.every, self.last = every, 0.0

    def __call__(self, stage: str, done: int, total: int, written: int) -> None:
        now = time.monotonic()
        finished = total and done == total
        if not finished and now - self.last < self.every:
            return
        self.last = now
        count = f"{done}/{total} 个" if total > 1 or stage == "uploads" else ""
        if stage == "verify":
            count = f"{done} 个条目"
        click.echo(f"  {STAGES[stage]}：{count}{'，' if count else ''}{megabytes(written)}")


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--keep-days", type=click.IntRange(min=1), default=None,
              help="PATH 为目录时：备份成功后删除该目录中早于这么多天的备份（只删本命令命名的 "
                   "portal-日期-时间.tar.gz）。")
@with_appcontext
def backup_command(path: Path, keep_days: int | None) -> None:
    """备份数据库和全部上传文件到一个归档文件（网站运行中也可执行）。PATH 为目录时，
    归档命名为 portal-<UTC 日期>-<时间>.tar.gz。"""
    folder = path if path.is_dir() else None
    if keep_days is not None and folder is None:
        raise click.UsageError("--keep-days 须与一个已存在的目录一起使用，例如 "
                               "flask --app portal backup /var/backups/portal --keep-days 14")
    now = utcnow()
    target = folder / retention.archive_name(now) if folder else path
    click.echo(f"开始备份到 {target}")
    try:
        manifest = create_backup(target, Progress())
    except DomainError as error:
        raise click.ClickException(error.message) from error
    uploads = len(manifest.upload_members)
    click.echo(f"备份完成：{target}（{megabytes(target.stat().st_size)}）")
    click.echo(f"  数据库：{manifest.engine}，表结构版本 {manifest.schema_revision}")
    click.echo(f"  上传文件：{uploads} 个")
    click.echo(f"  审计链：{manifest.audit_events} 条记录，链头 {manifest.audit_head}")
    if manifest.tree_head:
        click.echo(f"  签名树头：{manifest.tree_head['tree_size']} 个叶子，"
                   f"根 {manifest.tree_head['root_hash']}")
    if folder is not None and keep_days is not None:
        old = retention.expired(folder, keep_days, now, keep=target)
        for archive in old:
            archive.unlink()
            click.echo(f"已删除超过 {keep_days} 天的备份：{archive.name}")
        click.echo(f"保留期 {keep_days} 天：删除 {len(old)} 个旧备份。")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="不再询问确认。")
@click.option("--force", is_flag=True, help="目标数据库已有数据时仍然覆盖。")
@with_appcontext
def restore_command(path: Path, yes: bool, force: bool) -> None:
    """从备份归档恢复数据库和上传文件（请先停止网站），然后检查完整性和审计链。"""
    try:
        click.echo(f"校验备份文件 {path}")
        manifest = check_archive(path, Progress())
        click.echo(f"备份文件校验通过：{manifest.created_at} 的 {manifest.engine} 备份，"
                   f"{len(manifest.upload_members)} 个上传文件。")
        if not yes:
            click.confirm("恢复将覆盖当前数据库和上传目录中的同名文件，确定继续吗？", abort=True)
        click.echo("开始恢复")
        report = restore_backup(path, force=force, progress=Progress())
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
