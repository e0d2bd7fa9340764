"""`flask --app portal search reindex`: rebuild the whole index."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.search import index


@click.group("search")
def search_cli() -> None:
    """站内搜索索引。"""


@search_cli.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """重建全文检索索引：重新切词并重新提取附件文字，删除已不公开的条目。"""
    total = index.public_count()
    with click.progressbar(length=total, label="重建搜索索引", show_pos=True) as bar:
        indexed = index.rebuild(on_progress=bar.update)
    click.echo(f"已索引 {indexed} 篇公开文档。")
