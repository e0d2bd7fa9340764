"""`flask docs lifecycles`: write docs/lifecycles.md from the transition tables, so the
state diagrams are never edited by hand (a test regenerates and compares them)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

docs_cli = AppGroup("docs", help="由代码生成的文档。")


def lifecycles_path() -> Path:
    return Path(current_app.root_path).parent / "docs" / "lifecycles.md"


@docs_cli.command("lifecycles")
@click.option("--check", is_flag=True, help="只检查文件是否与状态流转表一致。")
def lifecycles_command(check: bool) -> None:
    """Write docs/lifecycles.md (with --check: exit 1 when it is out of date)."""
    from portal.lifecycle import document

    path = lifecycles_path()
    text = document()
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            raise click.ClickException(f"{path} 与状态流转表不一致，请运行 flask docs lifecycles。")
        click.echo("一致。")
        return
    path.write_text(text, encoding="utf-8")
    click.echo(f"已写入 {path}")
