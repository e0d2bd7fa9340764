"""Commands for going live and keeping the tree: `flask init` and the `flask org` group.

They act as the server's command line (`SYSTEM`) through the same services as the admin
page, so every rule and every audit event is the same.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from portal.auth import accounts
from portal.auth.services import validate_password
from portal.auth.system import SYSTEM
from portal.errors import DomainError, ValidationError
from portal.extensions import db
from portal.organizations import services, setup, tree_csv
from portal.organizations.models import OrgKind

KIND_CHOICES = ["县", "乡镇", "站所", "村", *(kind.value for kind in OrgKind)]


def _fail(error: DomainError) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(error.message)


def _ask(label: str, check, default: str | None = None) -> str:
    """Prompt until `check` accepts the answer (its ValidationError is shown)."""
    def accept(value: str) -> str:
        try:
            checked = check(value)
        except ValidationError as error:
            raise click.UsageError(error.message) from error
        return value if checked is None else checked

    return click.prompt(label, default=default, value_proc=accept)


def _given(value: str | None, check) -> str:
    try:
        checked = check(value)
    except ValidationError as error:
        raise click.ClickException(error.message) from error
    return value if checked is None else checked


def _password(username: str) -> str:
    """The first administrator's password, typed twice and checked by the policy."""
    while True:
        first = click.prompt("管理员密码", hide_input=True)
        try:
            validate_password(first, username)
        except ValidationError as error:
            click.echo(error.message, err=True)
            continue
        if click.prompt("再次输入密码", hide_input=True) == first:
            return first
        click.echo("两次输入的密码不一致，请重新输入。", err=True)


def _required_code(value: str | None) -> str:
    code = services.check_credit_code(value)
    if code is None:
        raise ValidationError("请填写县人民政府的统一社会信用代码（索引号以它开头）。",
                              field="credit_code")
    return code


def _username(value: str | None) -> str:
    value = (value or "").strip()
    if not value or len(value) > 64:
        raise ValidationError("请填写 64 个字符以内的用户名。", field="username")
    return value


@click.command("init")
@click.option("--name", help="县名，如 民权县")
@click.option("--formal-name", help="全称，如 民权县人民政府")
@click.option("--slug", help="英文标识（小写字母、数字、连字符），如 minquan")
@click.option("--credit-code", help="县人民政府的统一社会信用代码（18 位）")
@click.option("--admin", "username", help="第一个系统管理员的用户名")
@click.option("--admin-name", help="第一个系统管理员的姓名")
@with_appcontext
def init_command(name, formal_name, slug, credit_code, username, admin_name) -> None:
    """新部署上线：在空数据库中建立县级单位和第一个系统管理员（不载入演示数据）。

    未在选项中给出的内容会逐项询问；密码须输入两次。"""
    if not setup.schema_ready():
        raise click.ClickException("数据库还没有建表，请先运行 flask --app portal db upgrade。")
    try:
        setup.refuse_unless_empty()
    except DomainError as error:
        raise _fail(error) from error
    name = _given(name, services.check_name) if name else _ask("县名（如 民权县）",
                                                              services.check_name)
    if formal_name is None:
        formal_name = _ask("全称", lambda v: services.check_name(v, required=False),
                           default=f"{name}人民政府")
    slug = _given(slug, services.check_slug) if slug else _ask(
        "英文标识（小写字母、数字、连字符，如 minquan）", services.check_slug)
    code = _given(credit_code, _required_code) if credit_code else _ask(
        "统一社会信用代码（18 位）", _required_code)
    username = _given(username, _username) if username else _ask("管理员用户名", _username)
    admin_name = admin_name or _ask("管理员姓名", lambda v: services.check_name(
        v, field="display_name", label="姓名"))
    county = setup.CountyInput(name=name, formal_name=formal_name, slug=slug, credit_code=code)
    admin = setup.AdminInput(username=username, display_name=admin_name,
                             password=_password(username))
    try:
        org, user = setup.initialize(SYSTEM, county, admin)
        enrolment_code = accounts.issue_enrolment_code(SYSTEM, user.id)
    except DomainError as error:
        raise _fail(error) from error
    click.echo(f"已建立县级单位 {org.name}（{org.slug}，{org.credit_code}）"
               f"和系统管理员 {user.username}（{user.display_name}）。")
    click.echo(f"动态验证码绑定码：{enrolment_code}（只显示这一次。管理员首次登录时输入用户名、"
               "密码后，凭它把手机验证器绑定到账号）")
    click.echo("下一步：flask --app portal org import 组织架构.csv 导入乡镇、站所和村；"
               "flask --app portal disclosures import 导入原网站的历史信息。")


org_cli = AppGroup("org", help="组织架构：县 → 乡镇 → 站所、村。")


@org_cli.command("add")
@click.option("--kind", type=click.Choice(KIND_CHOICES), required=True, help="类型")
@click.option("--name", required=True, help="名称（简称），如 双塔镇")
@click.option("--slug", required=True, help="英文标识（代码），如 shuangta")
@click.option("--parent", "parent_slug", default="", help="上级单位的代码（县不填）")
@click.option("--formal-name", default="", help="全称，如 民权县双塔镇人民政府")
@click.option("--credit-code", default="", help="统一社会信用代码")
@click.option("--sort-order", default="0", help="排序（整数，小的在前）")
def add_command(kind, name, slug, parent_slug, formal_name, credit_code, sort_order) -> None:
    """添加一个单位。"""
    try:
        parent = services.get_by_slug(parent_slug) if parent_slug else None
        org = services.create_organization(
            SYSTEM, name=name, slug=slug, kind=OrgKind.parse(kind), parent=parent,
            formal_name=formal_name, credit_code=credit_code, sort_order=sort_order)
    except DomainError as error:
        raise _fail(error) from error
    click.echo(f"已添加{org.kind.label} {org.full_name}（{org.slug}）。")


@org_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只检查并列出每行的处理（新增/更新/不变），不写入")
def import_command(file: Path, dry_run: bool) -> None:
    """从 CSV 导入或更新组织架构（表头：上级代码,名称,全称,类型,代码,统一社会信用代码,排序,状态）。

    有任何一行有误时什么也不写入。"""
    result = tree_csv.import_tree(SYSTEM, file.read_bytes(), source=file.name,
                                  dry_run=dry_run)
    if dry_run or result.problems:
        for row in result.rows:
            click.echo(str(row))
    summary = (f"新增 {result.count(tree_csv.ADD)} 个、更新 {result.count(tree_csv.UPDATE)} 个、"
               f"不变 {result.count(tree_csv.SAME)} 个")
    if result.problems:
        click.echo(f"发现 {len(result.problems)} 处问题，未写入任何内容：", err=True)
        for problem in result.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    if dry_run:
        click.echo(f"试运行：将{summary}。未写入任何内容。")
    else:
        click.echo(f"已导入：{summary}。")


@org_cli.command("list")
def list_command() -> None:
    """按层级列出全部单位（含已停用的）。"""
    for org in services.whole_tree():
        details = "，".join(part for part in (org.slug, org.kind.label, org.credit_code) if part)
        state = "" if org.active else " [已停用]"
        click.echo(f"{'  ' * org.depth}{org.name}（{details}）{state}")


@org_cli.command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def export_command(file: Path | None) -> None:
    """导出组织架构为 CSV（与 org import 的格式相同）；不给文件名时输出到标准输出。"""
    content = tree_csv.export_csv()
    if file is None:
        click.echo(content, nl=False)
        return
    file.write_bytes(content)
    click.echo(f"已导出 {len(tree_csv.export_rows()) - 1} 个单位到 {file}。")


def _switch(slug: str, active: bool) -> None:
    try:
        org = services.set_active(SYSTEM, services.get_by_slug(slug).id, active)
    except DomainError as error:
        raise _fail(error) from error
    click.echo(f"已{'启用' if active else '停用'} {org.full_name}（{org.slug}）。")


@org_cli.command("deactivate")
@click.argument("slug")
def deactivate_command(slug: str) -> None:
    """停用一个单位（保留其全部记录，不再出现在选择列表和公开导航中）。"""
    _switch(slug, False)


@org_cli.command("activate")
@click.argument("slug")
def activate_command(slug: str) -> None:
    """重新启用一个已停用的单位。"""
    _switch(slug, True)
