"""`flask --app portal open311 …`: issue, list and revoke API keys from the server."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.auth.system import SYSTEM
from portal.errors import DomainError
from portal.open311 import keys
from portal.timeutil import format_local


@click.group("open311")
def open311_cli() -> None:
    """Open311 接口密钥。"""


@open311_cli.command("issue-key")
@click.argument("name")
@with_appcontext
def issue_key_command(name: str) -> None:
    """为接口使用单位 NAME 签发密钥（只显示这一次）。"""
    try:
        row, key = keys.issue_key(SYSTEM, name)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"已为“{row.name}”签发接口密钥（前缀 {row.prefix}），请妥善转交，此后不再显示：")
    click.echo(key)


@open311_cli.command("list-keys")
@with_appcontext
def list_keys_command() -> None:
    """列出全部接口密钥（不显示密钥本身）。"""
    for row in keys.all_keys(SYSTEM):
        state = f"已吊销 {format_local(row.revoked_at)}" if row.revoked_at else "有效"
        used = format_local(row.last_used_at) or "从未使用"
        click.echo(f"{row.prefix}\t{row.name}\t{state}\t最近使用：{used}")


@open311_cli.command("revoke-key")
@click.argument("prefix")
@with_appcontext
def revoke_key_command(prefix: str) -> None:
    """吊销前缀为 PREFIX 的接口密钥。"""
    try:
        row = keys.revoke_key(SYSTEM, keys.find_key(prefix).id)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"已吊销“{row.name}”的接口密钥（{row.prefix}）。")
