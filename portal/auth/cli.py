import click
from flask.cli import with_appcontext

from portal.auth.models import Role
from portal.auth.services import create_user
from portal.auth.system import SYSTEM
from portal.errors import DomainError
from portal.organizations.services import get_by_slug


@click.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", default="", help="姓名（显示用）")
@click.option("--grant", "grants", multiple=True, metavar="ROLE:ORG_SLUG",
              help="角色授权，如 editor:shuangta，可重复。角色："
              + ", ".join(r.value for r in Role))
@click.password_option(prompt="密码", confirmation_prompt="再次输入密码")
@with_appcontext
def create_user_command(username: str, display_name: str, grants: tuple[str, ...],
                        password: str) -> None:
    """创建工作人员账号并授予角色。"""
    try:
        parsed = []
        for item in grants:
            role_name, _, slug = item.partition(":")
            if role_name not in {role.value for role in Role}:
                raise click.BadParameter(f"未知角色“{role_name}”", param_hint="--grant")
            parsed.append((Role(role_name), get_by_slug(slug)))
        user = create_user(SYSTEM, username=username, display_name=display_name,
                           password=password, grants=parsed)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"已创建用户 {user.username}（{len(parsed)} 项授权）")
