"""Going live and keeping the tree from the command line: `flask init`, `flask org …`."""

from __future__ import annotations

import shutil
from contextlib import contextmanager

from sqlalchemy import func, select

from portal import create_app
from portal.audit.models import AuditEvent
from portal.auth import enrolment
from portal.auth.models import Role, User
from portal.auth.system import SYSTEM
from portal.disclosures.models import Disclosure
from portal.extensions import db
from portal.organizations import services
from portal.organizations.models import Organization, OrgKind
from tests import conftest

PASSWORD = "Xian-Guan1li"
COUNTY = ["--name", "民权县", "--formal-name", "民权县人民政府", "--slug", "minquan",
          "--credit-code", "114114210053408173"]
TREE = """上级代码,名称,全称,类型,代码,统一社会信用代码,排序
minquan,双塔镇,民权县双塔镇人民政府,乡镇,shuangta,114114210053411237,1
shuangta,王堂村,双塔镇王堂村村民委员会,村,wangtang,,2
shuangta,党政办公室,双塔镇人民政府党政办公室,站所,shuangta-office,,0
shuangta,双塔村,双塔镇双塔村村民委员会,村,shuangta-cun,,1
minquan,花园乡,民权县花园乡人民政府,乡镇,huayuan,11411421005342210R,2
"""


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _init(runner, *extra, input_=f"{PASSWORD}\n{PASSWORD}\n"):
    return runner.invoke(args=["init", *COUNTY, "--admin", "admin", "--admin-name", "县管理员",
                               *extra], input=input_)


def test_init_creates_the_county_and_its_first_admin(app, runner):
    result = _init(runner)

    assert result.exit_code == 0, result.output
    county = db.session.scalars(select(Organization)).one()
    assert (county.kind, county.slug, county.formal_name) == (OrgKind.COUNTY, "minquan",
                                                              "民权县人民政府")
    admin = db.session.scalars(select(User)).one()
    assert admin.has_role(Role.ADMIN, county) and admin.check_password(PASSWORD)
    assert "动态验证码绑定码：" in result.output and enrolment.has_code(admin)
    code = result.output.split("动态验证码绑定码：")[1][:9]
    assert enrolment.redeem(admin, code)
    assert _count(Disclosure) == 0  # no demo data
    actions = [e.action for e in db.session.scalars(select(AuditEvent))]
    assert {"organization.create", "user.create", "system.init",
            "user.enrolment_code"} <= set(actions)


def test_init_asks_again_until_the_answers_are_right(app, runner):
    answers = "\n".join(["民权县", "", "Min Quan", "minquan", "114114210053408174",
                         "114114210053408173", "admin", "县管理员",
                         "short", "Xian-Guan1li", "Other-Pass1", PASSWORD, PASSWORD]) + "\n"
    result = runner.invoke(args=["init"], input=answers)

    assert result.exit_code == 0, result.output
    assert "英文标识只能包含小写英文字母" in result.output
    assert "校验位不正确" in result.output
    assert "密码至少 8 位" in result.output and "两次输入的密码不一致" in result.output
    county = db.session.scalars(select(Organization)).one()
    assert county.formal_name == "民权县人民政府"  # the offered default
    assert db.session.scalars(select(User)).one().check_password(PASSWORD)


def test_init_refuses_a_database_that_holds_data(orgs, runner):
    result = _init(runner)

    assert result.exit_code == 1
    assert "数据库中已有数据（7 个单位）" in result.output
    assert _count(User) == 0 and _count(Organization) == 7


def test_init_refuses_a_bad_option_and_writes_nothing(app, runner):
    result = runner.invoke(args=["init", *COUNTY[:-1], "11411421005340817A", "--admin", "admin",
                                 "--admin-name", "甲"], input=f"{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 1 and "校验位不正确" in result.output
    assert _count(Organization) == 0 and _count(User) == 0


def test_org_add_and_list(orgs, runner):
    result = runner.invoke(args=["org", "add", "--kind", "村", "--name", "李庄村",
                                 "--slug", "lizhuang", "--parent", "shuangta"])
    assert result.exit_code == 0, result.output
    wrong = runner.invoke(args=["org", "add", "--kind", "站所", "--name", "县直站",
                                "--slug", "xianzhi", "--parent", "minquan"])
    assert wrong.exit_code == 1 and "站所的上级单位应为乡镇" in wrong.output

    listing = runner.invoke(args=["org", "list"]).output

    assert "    李庄村（lizhuang，村）" in listing
    assert listing.splitlines()[0] == "民权县（minquan，县，114114210053408173）"


def test_org_import_adds_a_tree_in_any_order(app, runner, tmp_path):
    assert _init(runner).exit_code == 0
    rows = TREE.splitlines()
    tree = tmp_path / "tree.csv"
    tree.write_bytes(("\n".join([rows[0], *reversed(rows[1:])]) + "\n").encode("gb18030"))

    dry = runner.invoke(args=["org", "import", str(tree), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "第 2 行  huayuan" in dry.output and "新增" in dry.output
    assert "试运行：将新增 5 个" in dry.output and _count(Organization) == 1

    result = runner.invoke(args=["org", "import", str(tree)])

    assert result.exit_code == 0, result.output
    town = services.get_by_slug("shuangta")
    assert [c.slug for c in town.children] == ["shuangta-office", "shuangta-cun", "wangtang"]
    assert services.get_by_slug("wangtang").path.startswith(town.path)


def test_org_import_names_every_problem_and_writes_nothing(orgs, runner, tmp_path):
    tree = tmp_path / "tree.csv"
    tree.write_text(
        "上级代码,名称,全称,类型,代码,统一社会信用代码,排序\n"
        "minquan,新镇,,乡镇,xinzhen,114114210053412345,1\n"  # bad check character
        "minquan,重复镇,,乡镇,chongfu,114114210053411237,2\n"  # 双塔镇's code
        "minquan,县直村,,村,xianzhi,,3\n"  # a village under the county
        "shuangta,新村,,村,Xin_Cun,,x\n"  # slug and sort order
        "nowhere,孤村,,村,gucun,,0\n"  # unknown parent
        "shuangta,双塔村,,村,wangtang,,0\n"  # renames wangtang to a sibling's name
        "shuangta,新村二,,村,xincun,,0\n"
        "shuangta,新村三,,村,xincun,,0\n", encoding="utf-8-sig")
    before = _count(AuditEvent)

    result = runner.invoke(args=["org", "import", str(tree)])

    assert result.exit_code == 1
    for expected in ("第 2 行“统一社会信用代码”：统一社会信用代码校验位不正确",
                     "第 3 行“统一社会信用代码”：统一社会信用代码 114114210053411237 已是“双塔镇”",
                     "第 4 行“上级代码”：村的上级单位应为乡镇",
                     "第 5 行“代码”：代码只能包含小写英文字母", "第 5 行“排序”：排序应为整数",
                     "第 6 行“上级代码”：找不到上级代码“nowhere”",
                     "第 7 行“名称”：同一上级单位下已有名为“双塔村”的单位",
                     "第 9 行“代码”：代码“xincun”在第 8 行已出现", "未写入任何内容"):
        assert expected in result.output
    assert _count(Organization) == 7 and _count(AuditEvent) == before
    assert services.get_by_slug("wangtang").name == "王堂村"


def test_org_import_updates_moves_and_deactivates(orgs, runner, tmp_path):
    tree = tmp_path / "tree.csv"
    tree.write_text("代码,名称,类型,上级代码,状态\n"
                    "wangtang,王堂村,村,huayuan,启用\n"
                    "shuangta-finance,财政所,站所,shuangta,停用\n", encoding="utf-8")

    dry = runner.invoke(args=["org", "import", str(tree), "--dry-run"])
    assert "wangtang                 王堂村  更新（上级代码）" in dry.output
    assert "财政所  更新（状态）" in dry.output
    result = runner.invoke(args=["org", "import", str(tree)])

    assert result.exit_code == 0, result.output
    assert orgs["village_b"].parent is orgs["other_town"] and not orgs["finance"].active
    assert orgs["town"].formal_name == ""  # the 全称 column is absent: left as it was


def test_export_then_import_into_an_empty_database_rebuilds_the_tree(orgs, runner, tmp_path,
                                                                    migrated_template):
    services.update_organization(SYSTEM, orgs["village_b"].id,
                                 formal_name="=王堂村委会")  # survives as text, unchanged
    services.set_active(SYSTEM, orgs["finance"].id, False)
    exported = tmp_path / "export.csv"
    assert runner.invoke(args=["org", "export", str(exported)]).exit_code == 0
    assert "新增 0 个、更新 0 个、不变 7 个" in runner.invoke(
        args=["org", "import", str(exported), "--dry-run"]).output

    with _another_database(tmp_path, migrated_template) as other:
        result = other.test_cli_runner().invoke(args=["org", "import", str(exported)])
        assert result.exit_code == 0, result.output
        again = other.test_cli_runner().invoke(args=["org", "export"]).stdout_bytes

    assert again == exported.read_bytes()


@contextmanager
def _another_database(tmp_path, migrated_template):
    """A second app on its own freshly migrated database."""
    if conftest.PG_ADMIN_URL:
        name = f"portal_test_roundtrip_{tmp_path.name[-20:].replace('-', '_')}"
        conftest._pg_admin_execute(f"CREATE DATABASE {name} TEMPLATE {conftest.TEMPLATE_DB}")
        url = conftest._pg_url(name)
    else:
        target = tmp_path / "other.db"
        shutil.copyfile(migrated_template, target)
        url = f"sqlite:///{target}"
    other = create_app(conftest._base_config(tmp_path / "other", url))
    try:
        with other.app_context():
            yield other
            db.session.remove()
            db.engine.dispose()
    finally:
        if conftest.PG_ADMIN_URL:
            conftest._pg_admin_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
