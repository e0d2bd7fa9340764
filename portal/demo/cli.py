import click
from flask.cli import with_appcontext

from portal.demo.loader import database_is_empty, load_demo


@click.command("demo-load")
@click.option("--if-empty", is_flag=True, help="数据库已有数据时什么也不做。")
@with_appcontext
def demo_load_command(if_empty: bool) -> None:
    """载入演示数据：民权县双塔镇、各角色演示账号和示例公开信息。"""
    if not database_is_empty():
        if if_empty:
            click.echo("数据库已有数据，跳过演示数据。")
            return
        raise click.ClickException("数据库已有数据；演示数据只能载入空数据库。")
    accounts = load_demo()
    click.echo("已载入演示数据。演示账号（密码随机生成，只显示这一次，请妥善记录）：")
    for username, password, description, secret in accounts:
        click.echo(f"  {username:<12} {password:<20} {description}")
        if secret:
            click.echo(f"  {'':<12} {username} 的动态验证码密钥：{secret}")
    click.echo("管理员和纪检监督账号登录时还须输入动态验证码：把上面的密钥加入手机验证器应用"
               "（基于时间，6 位），输入它当前显示的数字。")
