"""`python -m bench.seed --size medium`: the load-test county, written into the database
the PORTAL_* settings name (an empty one unless --force)."""

import click
from flask.cli import ScriptInfo, with_appcontext

from bench.seed.plan import PUBLIC_SIZES, SIZES
from bench.seed.seed import DEFAULT_PASSWORD, database_is_empty, expected_rows, seed
from portal.auth.services import validate_password
from portal.errors import ValidationError


@click.command("bench-seed")
@click.option("--size", "size_name", type=click.Choice([*PUBLIC_SIZES, "tiny"]),
              default="small", show_default=True,
              help="small：1 千条公开信息、1 万件留言；medium：1 万、10 万；large：10 万、100 万。")
@click.option("--scale", type=float, default=None, hidden=True,
              help="按比例增减公开信息和留言数量（测试用）。")
@click.option("--password", default=DEFAULT_PASSWORD, show_default=True,
              help="全部压测账号的密码。")
@click.option("--seed", "random_seed", type=int, default=2026, show_default=True,
              help="随机数种子；相同种子生成相同数据。")
@click.option("--force", is_flag=True, help="数据库已有数据时仍然写入（另建一个县）。")
@with_appcontext
def bench_seed_command(size_name: str, scale: float | None, password: str, random_seed: int,
                       force: bool) -> None:
    """生成压测用的虚拟县：乡镇、村、工作人员账号、公开信息、留言和村务公开。"""
    if not database_is_empty() and not force:
        raise click.ClickException(
            "数据库已有数据；压测数据只写入空数据库（确需写入请加 --force）。")
    try:
        validate_password(password, "admin")
    except ValidationError as error:
        raise click.BadParameter(error.message, param_hint="--password") from error
    size = SIZES[size_name] if scale is None else SIZES[size_name].scaled(scale)
    click.echo(f"生成 {size.name}：{size.disclosures} 条公开信息、{size.inquiries} 件留言、"
               f"{size.villages} 个村。")
    with click.progressbar(length=expected_rows(size), label="写入", show_pos=True) as bar:
        report = seed(size, password, random_seed=random_seed, on_progress=bar.update)
    counts = "，".join(f"{name} {count}" for name, count in report.counts.items())
    click.echo(f"完成，用时 {report.seconds:.0f} 秒：{counts}。")
    click.echo(f"账号（密码均为 {password}）：")
    for username, description in report.accounts:
        click.echo(f"  {username:<14} {description}")


def main() -> None:
    from portal import create_app

    bench_seed_command.main(prog_name="python -m bench.seed",
                            obj=ScriptInfo(create_app=create_app))
