"""`flask --app portal db downgrade`: Flask-Migrate's command, refusing without `--yes`
a step that drops records (the audit log, the search index, …), and saying what to run
afterwards. Nothing is changed when it refuses."""

from __future__ import annotations

import click
import flask_migrate
from flask import Flask
from flask.cli import with_appcontext
from flask_migrate.cli import db as db_group

from portal.extensions import db
from portal.schema import UnknownRevision, data_lost, database_revision, downgrade_path


class Refused(click.ClickException):
    """Printed as it is, in Chinese, without click's English "Error:"; exit status 1."""

    def show(self, file=None) -> None:
        click.echo(self.format_message(), file=file, err=True)


def _losses(revision: str):
    with db.engine.connect() as connection:
        current = database_revision(connection)
    try:
        return data_lost(downgrade_path(current, revision))
    except UnknownRevision:
        raise Refused(
            f"找不到迁移版本“{revision}”，或它不低于当前版本 {current}。") from None


def _refusal(revision: str, losses) -> str:
    lines = [f"降级到 {revision} 将删除以下数据，程序无法找回："]
    lines += [f"  {loss.revision}：{'；'.join(loss.drops)}" for loss in losses]
    lines.append("如确需降级，请先备份（flask --app portal backup <目录>），再加 --yes 重新运行。"
                 "本次没有做任何改动。")
    return "\n".join(lines)


@click.command("downgrade")
@click.option("-d", "--directory", default=None, help="迁移目录（默认为程序自带的）。")
@click.option("--sql", is_flag=True, help="只输出 SQL，不改动数据库。")
@click.option("--tag", default=None, help="传给 env.py 的标签。")
@click.option("-x", "--x-arg", multiple=True, help="传给 env.py 的参数。")
@click.option("--yes", is_flag=True, help="确认删除降级步骤所删除的数据。")
@click.argument("revision", default="-1")
@with_appcontext
def downgrade_command(directory, sql, tag, x_arg, yes, revision):
    """降级数据库表结构（默认退一步）；删除数据的步骤须加 --yes。"""
    losses = [] if sql else _losses(revision)
    if losses and not yes:
        raise Refused(_refusal(revision, losses))
    flask_migrate.downgrade(directory, revision, sql, tag, x_arg)
    for advice in [loss.then for loss in losses if loss.then]:
        click.echo(f"降级后：{advice}")
    if losses:
        click.echo("被删除的数据只能从降级前的备份恢复（flask --app portal restore）。")


def init_app(app: Flask) -> None:
    """Put the guarded command in place of Flask-Migrate's in its `db` group (the group
    the `flask` command loads), and give the app's own CLI the group as well."""
    db_group.add_command(downgrade_command, "downgrade")
    app.cli.add_command(db_group)
