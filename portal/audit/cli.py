from pathlib import Path

import click
from flask.cli import AppGroup

from portal.audit.services import head_hash, verify_chain
from portal.database import read_only
from portal.timeutil import utcnow

audit_cli = AppGroup("audit", help="审计日志：校验哈希链、导出链头。")


@audit_cli.command("verify")
@click.option("--expect-head", default=None, help="先前导出的链头哈希；用于发现截断或改写。")
@click.option("--heads", "heads_dir", type=click.Path(file_okay=False, exists=True),
              default=None, help="自己留存的树头下载（heads*.json）所在目录，一并核对。")
def verify_command(expect_head: str | None, heads_dir: str | None) -> None:
    """重新计算整条哈希链，再按 Merkle 树和全部已签名树头（及自己留存的树头）核对每一条记录；
    完好时退出码为 0，否则为 1 并指出第一处异常。"""
    with read_only():  # the site keeps writing while a long chain is checked
        verdict = verify_chain(expect_head=expect_head)
        if not verdict.ok:
            where = f"第一条异常记录 #{verdict.first_bad_id}" if verdict.first_bad_id else "链尾"
            click.echo(f"审计链异常：{where}，{verdict.reason}（此前 {verdict.count} 条完好）",
                       err=True)
            raise SystemExit(1)
        problem, summary = verify_tree(heads_dir)
    if problem:
        click.echo(f"审计日志异常：{problem}", err=True)
        raise SystemExit(1)
    click.echo(f"审计链完好：共 {verdict.count} 条记录，链头 {verdict.head}；{summary}")


def verify_tree(heads_dir: str | None) -> tuple[str | None, str]:
    """The standalone verifier's judgement of this database (and of the heads kept in
    `heads_dir`): (problem or None, summary)."""
    import shutil
    import tempfile
    from pathlib import Path

    from portal.transparency import archive, verify_log

    with tempfile.TemporaryDirectory() as folder:
        archive.write(Path(folder), events=True)
        for kept in Path(heads_dir).glob("heads*.json") if heads_dir else []:
            shutil.copy(kept, Path(folder) / f"heads-kept-{kept.name}")
        try:
            return None, verify_log.verify(Path(folder))
        except verify_log.Problem as problem:
            return str(problem), ""


@audit_cli.command("purge")
@click.option("--older-than-days", type=int, required=True,
              help="清理早于多少天的记录（不少于保留期 185 天）。")
def purge_command(older_than_days: int) -> None:
    """清理超过保留期的最早审计记录，并留下检查点以便继续校验。"""
    from portal.audit.services import purge
    from portal.auth.system import SYSTEM
    from portal.errors import DomainError

    try:
        count = purge(SYSTEM, older_than_days)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"已清理 {count} 条审计记录。")


@audit_cli.command("head")
@click.option("--append", "append_to", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="另把“UTC 时间 链头哈希”追加为该文件的一行（每日留存）。")
def head_command(append_to: Path | None) -> None:
    """打印当前链头哈希，供每日留存。"""
    with read_only():
        head = head_hash()
    click.echo(head)
    if append_to is not None:
        with append_to.open("a", encoding="utf-8") as record:
            record.write(f"{utcnow().isoformat(timespec='seconds')} {head}\n")
