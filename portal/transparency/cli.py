"""`flask transparency …`: the signing key, signing heads, archives, witnessing a peer."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from portal.auth.system import SYSTEM
from portal.errors import DomainError

transparency_cli = AppGroup("transparency", help="审计日志的 Merkle 树、签名树头与见证。")


def _run(operation, *args):
    try:
        return operation(*args)
    except DomainError as error:
        raise click.ClickException(error.message) from error


@transparency_cli.command("keygen")
def keygen_command() -> None:
    """生成审计日志的签名密钥（文件权限 0600）并公布公钥。"""
    from portal.transparency import heads, signing

    key = _run(heads.keygen, SYSTEM)
    click.echo(f"已生成 {key.algorithm} 签名密钥：{signing.key_path()}\n公钥：{key.public_key}")


@transparency_cli.command("rotate-key")
def rotate_key_command() -> None:
    """更换签名密钥：新公钥由旧密钥签名背书后公布。"""
    from portal.transparency import heads

    key = _run(heads.rotate_key, SYSTEM)
    click.echo(f"已更换签名密钥（#{key.id}，由 #{key.endorsed_by_id} 背书）。"
               f"公钥：{key.public_key}")


@transparency_cli.command("sign-head")
def sign_head_command() -> None:
    """签名并公布当前树头（定时任务每小时和每天结束时运行）。"""
    from portal.transparency import heads

    head = _run(heads.sign_head)
    click.echo(f"已签名树头：大小 {head.tree_size}，根哈希 {head.root_hash}，"
               f"{head.timestamp.isoformat(timespec='seconds')}")


@transparency_cli.command("archive")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--events", is_flag=True, help="同时导出事件原文和清理检查点（仅供纪检人员）。")
def archive_command(folder: str, events: bool) -> None:
    """导出供独立校验程序（verify_log.py）使用的档案。"""
    from portal.database import read_only
    from portal.transparency import archive

    with read_only():
        counts = archive.write(Path(folder), events=events)
    click.echo("已导出：" + "，".join(f"{name} {count}" for name, count in counts.items()))


@transparency_cli.command("witness")
@click.argument("peer")
def witness_command(peer: str) -> None:
    """见证另一台服务器的审计日志：取其最新树头，核对与此前见证的一致，然后副署。"""
    from portal.transparency import witness

    cosignature = _run(witness.witness, peer)
    click.echo(f"已副署 {peer} 的树头：大小 {cosignature.tree_size}，根哈希 "
               f"{cosignature.root_hash}")
