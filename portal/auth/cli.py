import click
from flask.cli import AppGroup, with_appcontext

from portal.auth import accounts
from portal.auth.models import Role
from portal.auth.services import create_user, requires_second_factor
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
        code = (accounts.issue_enrolment_code(SYSTEM, user.id)
                if requires_second_factor(user) else None)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"已创建用户 {user.username}（{len(parsed)} 项授权）")
    if code:
        click.echo(f"动态验证码绑定码：{code}（只显示这一次，请当面或电话告知本人；"
                   "首次登录时凭它绑定手机验证器）")


secrets_cli = AppGroup("secrets", help="数据库中加密保存的机密（动态验证码密钥）。")


@secrets_cli.command("reseal")
@with_appcontext
def reseal_command() -> None:
    """用当前 SECRET_KEY 重新加密所有动态验证码密钥（更换密钥后运行，旧密钥放在
    PORTAL_SECRET_KEY_FALLBACKS 中）。"""
    from portal.auth.accounts import reseal_secrets

    try:
        count = reseal_secrets(SYSTEM)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"已用当前密钥重新加密 {count} 个动态验证码密钥。")
