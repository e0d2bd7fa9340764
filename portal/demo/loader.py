"""Demo data built from the town's own 2022 report: 民权县 → 双塔镇, its offices and a few
villages, one account per role with a random password, and disclosures that went through
the real review flow (so the audit chain records them like any other)."""

from __future__ import annotations

import io
import secrets
import string
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal.auth import totp
from portal.auth.models import Role
from portal.auth.services import create_user
from portal.auth.system import SYSTEM
from portal.disclosures import services as disclosures
from portal.disclosures.models import Category
from portal.extensions import db
from portal.inquiries import opinion, submission, tracking, workflow
from portal.inquiries.models import InquiryType, Severity
from portal.organizations.models import Organization, OrgKind
from portal.organizations.services import build_organization
from portal.sanitize import text_to_html
from portal.timeutil import LOCAL_TZ, local_today
from portal.villages import finance_store
from portal.villages import rules as village_rules
from portal.villages import services as village_services
from portal.villages.models import NoticeCategory

DATA = Path(__file__).parent / "data"

# Credit codes here are fictional, with valid check characters (GB 32100-2015).
TREE = {
    "county": ("民权县", "minquan", "11411421MB12345676"),
    "town": ("双塔镇", "shuangta", "11411421MB2345678P"),
    "departments": [
        ("党政办公室", "shuangta-office"), ("便民服务中心", "shuangta-service"),
        ("财政所", "shuangta-finance"), ("司法所", "shuangta-justice"),
        ("综治中心", "shuangta-zongzhi"),
    ],
    "villages": [
        ("双塔村", "shuangta-cun"), ("王堂村", "wangtang"), ("李庄村", "lizhuang"),
        ("郭店村", "guodian"),
    ],
}


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(Organization))


def random_password() -> str:
    """16 characters from four classes, so it passes the password policy."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(13))
    return (secrets.choice(string.ascii_uppercase) + secrets.choice(string.digits)
            + core + secrets.choice("!@#%&*"))


def _build_tree() -> dict[str, Organization]:
    name, slug, code = TREE["county"]
    county = build_organization(name=name, slug=slug, kind=OrgKind.COUNTY, parent=None,
                                credit_code=code, formal_name="民权县人民政府")
    name, slug, code = TREE["town"]
    town = build_organization(name=name, slug=slug, kind=OrgKind.TOWN, parent=county,
                              credit_code=code, formal_name="民权县双塔镇人民政府")
    orgs = {"county": county, "town": town}
    for order, (name, slug) in enumerate(TREE["departments"]):
        orgs[slug] = build_organization(name=name, slug=slug, kind=OrgKind.DEPARTMENT,
                                        parent=town, sort_order=order,
                                        formal_name=f"双塔镇人民政府{name}")
    for order, (name, slug) in enumerate(TREE["villages"]):
        orgs[slug] = build_organization(name=name, slug=slug, kind=OrgKind.VILLAGE,
                                        parent=town, sort_order=order,
                                        formal_name=f"双塔镇{name}村民委员会")
    db.session.commit()
    return orgs


ACCOUNTS = [
    ("admin", "系统管理员", Role.ADMIN, "county", "县级系统管理员"),
    ("editor", "贾凤丽", Role.EDITOR, "town", "双塔镇信息编辑"),
    ("reviewer", "何文哲", Role.REVIEWER, "town", "双塔镇信息审核"),
    ("clerk", "王村务", Role.VILLAGE_CLERK, "shuangta-cun", "双塔村村务专干"),
    ("handler", "李办理", Role.HANDLER, "town", "双塔镇留言办理"),
    ("inspector", "赵纪检", Role.INSPECTOR, "town", "双塔镇纪委监督"),
    ("supervisor", "孙监督", Role.VILLAGE_SUPERVISOR, "shuangta-cun", "双塔村村务监督委员会"),
    ("zongzhi", "陈综治", Role.GOVERNANCE_CENTER, "town", "双塔镇综治中心"),
    ("grid", "刘网格", Role.GRID_WORKER, "shuangta-cun", "双塔村网格员"),
]


def _create_accounts(orgs: dict[str, Organization]) -> tuple[dict, list[tuple[str, ...]]]:
    """One account per role. Admin and inspector must sign in with a TOTP code, so the
    demo binds them to a random secret and prints it for an authenticator app."""
    users, printed = {}, []
    for username, name, role, org_key, description in ACCOUNTS:
        password = random_password()
        user = create_user(SYSTEM, username=username, display_name=name,
                           password=password, grants=[(role, orgs[org_key])])
        secret = ""
        if role.value in current_app.config["MFA_REQUIRED_ROLES"]:
            secret = user.totp_secret = totp.new_secret()
            db.session.commit()
        users[username] = user
        printed.append((username, password, description, secret))
    return users, printed


def _local(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, 0, tzinfo=LOCAL_TZ)


def _paragraphs(*lines: str) -> str:
    return text_to_html("\n\n".join(lines))


def _documents(orgs) -> list[dict]:
    report = (DATA / "shuangta-2022-law-based-government-report.txt").read_text("utf-8")
    # The first two lines are the letterhead and the title, which the page shows itself.
    lines = [line.strip().removeprefix("[bookmark: _GoBack]")
             for line in report.splitlines() if line.strip()][2:]
    body = "\n\n".join(lines)
    return [
        dict(category=Category.RESULT, org=orgs["town"], written=date(2023, 2, 23),
             published=_local(2023, 2, 24), doc_number="", topic="综合政务",
             keywords="法治政府 年度报告",
             title="民权县双塔镇人民政府关于2022年度法治政府建设情况的报告",
             body=text_to_html(body)),
        dict(category=Category.DECISION, org=orgs["town"], written=date(2023, 3, 6),
             published=_local(2023, 3, 8), doc_number="双政〔2023〕3号", topic="综合政务",
             keywords="政务公开 工作计划", title="双塔镇2023年政务公开工作计划",
             body=_paragraphs(
                 "为深化政务公开体系建设，持续深入推进决策、执行、管理、服务、结果“五公开”，制定本计划。",
                 "一、将政务公开、政务服务工作纳入年度中心工作，着力抓好政务公开栏建设。",
                 "二、落实政务舆情回应责任，做好第一时间处置工作并做好回复反馈。",
                 "三、实施村事务阳光工程，推进村级事务及时公开，加强群众对村级事务的有效监督。",
                 "四、镇纪委跟踪督办政务公开日常工作，确保重要信息不出错。")),
        dict(category=Category.MANAGEMENT, org=orgs["shuangta-office"],
             written=date(2023, 1, 10), published=_local(2023, 1, 12),
             doc_number="双政办〔2023〕1号", topic="劳动、人事、监察",
             keywords="法治建设 领导小组",
             title="关于调整双塔镇法治政府建设工作领导小组的通知",
             body=_paragraphs(
                 "为切实加强政府法治建设工作，经研究，调整镇法治政府建设工作领导小组。",
                 "组长：镇党委书记；副组长：镇长；领导小组办公室设在党政办公室，负责日常工作。",
                 "领导小组每月定期召开联席会议，统筹推进各项法治政府建设工作。")),
        dict(category=Category.SERVICE, org=orgs["shuangta-service"],
             written=date(2023, 4, 3), published=_local(2023, 4, 4), doc_number="",
             topic="民政、扶贫、救灾", keywords="便民服务 办事指南",
             title="双塔镇便民服务中心办事指南",
             body=_paragraphs(
                 "按照“谁接待、谁负责”原则，便民服务中心整合镇审批服务力量，集中办理群众事项。",
                 "办公时间：工作日上午 8:30—12:00，下午 14:30—17:30（夏季 15:00—18:00）。",
                 "可办理事项：低保、特困供养申请受理，残疾人两项补贴，城乡居民医疗保险参保登记，"
                 "法律援助申请转办等。")),
        dict(category=Category.EXECUTION, org=orgs["shuangta-zongzhi"],
             written=date(2023, 1, 16), published=_local(2023, 1, 18), doc_number="",
             topic="公安、安全、司法", keywords="矛盾纠纷 排查化解",
             title="双塔镇2022年矛盾纠纷排查化解工作情况",
             body=_paragraphs(
                 "我镇建立矛盾纠纷常态化排查化解机制，实施“日摸排、周汇报、月汇总”的工作要求。",
                 "2022年全镇共化解矛盾纠纷98件，有效防止“民转刑”案件出现，"
                 "真正实现“大事不出镇，小事不出村”。")),
    ]


def _publish_documents(users, orgs) -> None:
    editor, reviewer = users["editor"], users["reviewer"]
    for doc in _documents(orgs):
        draft = disclosures.create_draft(editor, disclosures.DisclosureInput(
            organization=doc["org"], category=doc["category"], title=doc["title"],
            body_html=doc["body"], formed_on=doc["written"], written_on=doc["written"],
            doc_number=doc["doc_number"], topic=doc["topic"], keywords=doc["keywords"]))
        disclosures.submit(editor, draft.id)
        disclosures.approve(reviewer, draft.id, "内容属实，同意公开。")
        disclosures.publish(SYSTEM, draft.id, published_at=doc["published"])
    pending = disclosures.create_draft(editor, disclosures.DisclosureInput(
        organization=orgs["town"], category=Category.DECISION,
        title="关于征求《双塔镇农村人居环境整治实施方案（征求意见稿）》意见的公告",
        body_html="为广泛听取群众意见，现将实施方案（征求意见稿）予以公布，欢迎提出意见建议。",
        formed_on=local_today(), topic="城乡建设、环境保护", keywords="人居环境 征求意见"))
    disclosures.submit(editor, pending.id)


def _inquiries(users, orgs) -> None:
    """A few work orders in different states, so every queue has something to show."""
    handler = users["handler"]

    def receive(kind, title, body, village=None, consent=True, application=None):
        data = submission.InquiryInput(
            type=kind, title=title, body=body, contact_name="演示群众",
            contact_phone="13800000000", organization=orgs["town"], village=village,
            consent_publish=consent, application=application)
        return submission.submit(data, tracking.new_submission_token()).inquiry

    answered = receive(InquiryType.CONSULT, "城乡居民医保缴费截止到什么时候？",
                       "家里老人想交明年的城乡居民医疗保险，请问在哪里交、截止到哪天？",
                       orgs["shuangta-cun"])
    workflow.sign(handler, answered.id)
    workflow.reply(handler, answered.id, "您好！城乡居民医疗保险可在便民服务中心窗口或通过"
                   "手机缴费，具体截止时间以县医保局当年通知为准。", publish=True)
    workflow.close(handler, answered.id)
    working = receive(InquiryType.SUGGEST, "建议在村口增设公交站牌",
                      "王堂村到镇上的公交车没有固定站牌，老人等车不方便，建议增设。",
                      orgs["wangtang"])
    workflow.sign(handler, working.id)
    workflow.start_processing(handler, working.id)
    receive(InquiryType.HELP, "独居老人家中漏雨求助", "李庄村一位独居老人家房顶漏雨，请帮忙。",
            orgs["lizhuang"], consent=False)
    application = submission.ApplicationInput(
        id_number="11010519491231002X", address="民权县双塔镇双塔村", postal_code="476800",
        description="2025 年双塔镇农村低保资金发放情况", delivery_form="electronic",
        acquisition="email", email="demo@example.cn")
    request = receive(InquiryType.INFO_REQUEST, "申请公开低保资金发放情况",
                      "申请获取 2025 年低保资金发放情况。", application=application)
    workflow.sign(handler, request.id)
    workflow.request_correction(handler, request.id, "请说明需要的具体月份或季度。")
    opinion.log_opinion(handler, orgs["town"], title="网传双塔镇集市占道经营无人管",
                        summary="某短视频平台发布集市占道经营视频，评论较多。",
                        source="短视频平台", source_url="", severity=Severity.GENERAL)


def load_demo() -> list[tuple[str, str, str, str]]:
    """Load everything; returns (username, password, description, TOTP secret or "") to
    print once."""
    orgs = _build_tree()
    users, printed = _create_accounts(orgs)
    _publish_documents(users, orgs)
    _inquiries(users, orgs)
    _village_notices(users, orgs)
    _consultation_and_execution(users, orgs)
    _enforcement(users, orgs)
    _disputes(users, orgs)
    _transparency_head()
    return printed


def _transparency_head() -> None:
    """A signing key and a first signed head, so /transparency/ shows the log at work. A
    deployment runs `flask transparency keygen` once and portal-transparency-head.timer
    signs hourly. A key file left by an earlier demo database is not reused: without it
    the log stays unsigned until an admin runs keygen (the file is never overwritten)."""
    from portal.auth.system import SYSTEM
    from portal.transparency import heads, signing

    if signing.key_path().exists():
        return
    heads.keygen(SYSTEM)
    heads.sign_head()


def _consultation_and_execution(users, orgs) -> None:
    """An open consultation on a draft decision, and a task carrying out the 2023 plan."""
    from datetime import timedelta

    from portal.consultations import services as consultations
    from portal.execution import progress
    from portal.execution import services as execution

    editor, reviewer = users["editor"], users["reviewer"]
    today = local_today()
    draft = consultations.create_draft(editor, consultations.ConsultationInput(
        organization=orgs["town"], title="双塔镇农村人居环境整治实施方案（征求意见稿）",
        draft_html="一、整治目标：2027 年底前实现村庄生活垃圾收运处置全覆盖。\n\n"
                   "二、主要任务：开展村庄清洁行动，推进农村厕所改造，治理生活污水。",
        opens_on=today, closes_on=today + timedelta(days=30),
        summary="为广泛听取群众意见，现将实施方案（征求意见稿）予以公布。",
        how_to_participate="在本页提交意见，或书面寄送双塔镇党政办公室。"))
    consultations.publish(reviewer, draft.id)
    task = execution.create_task(editor, execution.TaskInput(
        organization=orgs["town"], title="落实2023年政务公开工作计划",
        description="按计划推进政务公开栏建设和村级事务公开。"))
    progress.add_milestone(editor, task.id, "各村政务公开栏更新完毕", today + timedelta(days=20))
    progress.add_update(editor, task.id, progress.UpdateInput(
        note="已完成 3 个村公开栏的更新。", progress="60"))
    execution.publish_task(reviewer, task.id)


def _enforcement(users, orgs) -> None:
    """行政执法公示: the town's enforcing body with two certified officers and four matters;
    a licence and a penalty published in time, one published late (it shows on the
    inspector's page), one revoked, and one awaiting the reviewer."""
    from datetime import timedelta

    from portal.enforcement import registry
    from portal.enforcement import services as enforcement

    editor, reviewer = users["editor"], users["reviewer"]
    today = local_today()
    body = registry.create_body(editor, registry.BodyInput(
        organization=orgs["town"], name="民权县双塔镇人民政府（综合行政执法）", kind="statutory",
        duties="依法集中行使本镇区域内自然资源、农业农村、生态环境、村镇建设等领域的"
               "行政处罚权以及与之相关的行政检查、行政强制措施权。",
        contact="双塔镇人民政府便民服务中心，0370-8123456"))
    for name, number in (("刘建华", "41142100226"), ("陈卫东", "41142100227")):
        registry.add_officer(editor, body.id, registry.OfficerInput(
            name=name, certificate_number=number, field="综合行政执法",
            valid_until=date(today.year + 2, 12, 31)))
    for kind, name, basis in (
            ("penalty", "对未经批准非法占用土地建住宅的处罚",
             "《中华人民共和国土地管理法》第七十八条"),
            ("penalty", "对露天焚烧秸秆的处罚", "《中华人民共和国大气污染防治法》第一百一十九条"),
            ("licensing", "乡村建设规划许可", "《中华人民共和国城乡规划法》第四十一条"),
            ("coercion", "查封、扣押违法建设施工工具", "《中华人民共和国行政强制法》第九条")):
        registry.add_matter(editor, body.id, registry.MatterInput(kind=kind, name=name,
                                                                  basis=basis))

    def decide(days_ago, number, publish=True, **fields):
        data = dict(body=body, kind="penalty", title="行政处罚决定书",
                    basis="《中华人民共和国大气污染防治法》第一百一十九条第一款",
                    content="罚款人民币五百元。", fine_amount="0.05", party_kind="natural",
                    party_name="王某某", party_code="41142119700101001X",
                    facts="在村东耕地露天焚烧秸秆。")
        data.update(fields)
        decision = enforcement.create_decision(editor, enforcement.DecisionInput(
            document_number=number, decided_on=today - timedelta(days=days_ago), **data))
        if publish:
            enforcement.publish_decision(reviewer, decision.id)
        return decision

    decide(3, "双塔综执许〔2026〕1号", kind="licensing", title="乡村建设规划许可证",
           party_name="民权县双塔镇某某种植专业合作社", party_kind="legal",
           party_code="93411421MA45ABCD1X", legal_representative="李某", fine_amount="",
           facts="", basis="《中华人民共和国城乡规划法》第四十一条",
           content="准予在双塔村建设农业生产管理用房一处，建筑面积 180 平方米。")
    decide(2, "双塔综执罚〔2026〕1号", party_name="王建国")
    decide(20, "双塔综执罚〔2026〕2号", party_name="赵小平", party_code="411421198502150015")
    revoked = decide(10, "双塔综执罚〔2026〕3号", party_name="孙二", fine_amount="0.1",
                     party_code="411421199003070015")
    enforcement.revoke_decision(reviewer, revoked.id, "经民权县人民政府行政复议决定撤销。")
    decide(1, "双塔综执罚〔2026〕4号", publish=False, party_name="周某",
           party_code="411421197811230022")


# The town's 2022 report: “2022年我镇共化解矛盾纠纷98件”. The types are those it names
# (人身损害、婚恋、土地、宅基地) and the usual others; the split is illustrative.
DISPUTES_2022 = (("homestead", 26), ("land", 22), ("neighbour", 20), ("marriage", 17),
                 ("injury", 9), ("family", 5), ("debt", 4))
ESCALATED_2022 = 5  # of the 103 found, handed up beyond the town (“大事不出镇”)
RESOLVED_2022 = 98


def _disputes(users, orgs) -> None:
    """矛盾纠纷排查化解: the 2022 ledger behind the report's figure (103 disputes found in
    the four villages, 98 resolved within the year, 5 handed up), then this fortnight's
    daily checks of 双塔村 with two days missed, and three disputes of this month."""
    import random
    from datetime import timedelta

    from portal.disputes import services as disputes

    center, grid = users["zongzhi"], users["grid"]
    villages = [orgs[slug] for _name, slug in TREE["villages"]]
    pick = random.Random(2022)
    kinds = [kind for kind, count in DISPUTES_2022 for _ in range(count)]
    pick.shuffle(kinds)
    assert len(kinds) == RESOLVED_2022 + ESCALATED_2022
    for number, kind in enumerate(kinds):
        found = date(2022, 1, 3) + timedelta(days=pick.randrange(0, 340))
        dispute = disputes.create_dispute(center, disputes.DisputeInput(
            village=villages[number % len(villages)], type=kind,
            parties="当事人甲、当事人乙（演示数据）",
            summary="演示数据：2022 年排查登记的矛盾纠纷。",
            responsible=pick.choice(("王调解", "李主任", "张网格")), reported_on=found))
        disputes.mediate(center, dispute.id)
        closed = disputes.CloseInput(found + timedelta(days=pick.randrange(1, 20)),
                                     "经调解双方达成协议，已履行。")
        if number < ESCALATED_2022:
            closed.outcome = "移交民权县矛盾纠纷多元化解中心。"
            disputes.escalate(center, dispute.id, closed)
        else:
            disputes.resolve(center, dispute.id, closed)

    today = local_today()
    for back in range(14, -1, -1):
        if back in (3, 5):  # two days missed: flagged on the ledger and in the work queue
            continue
        disputes.file_check(grid, disputes.CheckInput(
            orgs["shuangta-cun"], today - timedelta(days=back),
            "found" if back in (6, 2) else "nil"))
    for back, kind, close in ((6, "neighbour", True), (2, "homestead", False)):
        dispute = disputes.create_dispute(grid, disputes.DisputeInput(
            village=orgs["shuangta-cun"], type=kind, parties="当事人甲、当事人乙（演示数据）",
            summary="演示数据：两户因院墙和排水沟发生争执。", responsible="王调解",
            reported_on=today - timedelta(days=back)))
        disputes.mediate(grid, dispute.id)
        if close:
            disputes.resolve(grid, dispute.id, disputes.CloseInput(
                today - timedelta(days=1), "经村调委会调解，双方重新划定排水沟走向。"))
    disputes.create_dispute(center, disputes.DisputeInput(
        village=orgs["wangtang"], type="land", parties="当事人甲、当事人乙（演示数据）",
        summary="演示数据：承包地边界争议。", responsible="李主任", reported_on=today))


FINANCE_CSV = """双塔村2026年10月财务收支明细
日期,摘要,收入,支出,备注
2026-10-08,上级转移支付（村级运转经费）,"30,000.00",,
2026-10-12,村东路路灯维修,,"1,860.00",材料及人工
2026-10-20,村委会办公用品,,425.50,
2026-10-28,集体土地租金,"12,400.00",,2026年度
合计,,"42,400.00","2,285.50",
"""


def _village_notices(users, orgs) -> None:
    """双塔村's board with a quarterly notice, a month's accounts and a 低保 list under
    公示; the posting rules make the other villages show up as missing."""
    clerk, supervisor, reviewer = users["clerk"], users["supervisor"], users["reviewer"]
    villages = [orgs[slug] for _name, slug in TREE["villages"]]
    village_rules.add_default_rules(villages, date(2026, 7, 1))
    db.session.commit()
    village = orgs["shuangta-cun"]

    def post(category, title, body, start, end, *, table=None, window=None):
        notice = village_services.create_draft(clerk, village_services.NoticeInput(
            village=village, category=category, title=title, body_html=body,
            period_start=start, period_end=end, window_start=window))
        if table is not None:
            upload = FileStorage(io.BytesIO(table.encode("utf-8-sig")), "2026年10月收支.csv")
            finance_store.import_finance(clerk, notice.id, upload)
        village_services.submit(clerk, notice.id)
        village_services.sign_off(supervisor, notice.id, "经核对，情况属实。")
        village_services.approve(reviewer, notice.id)

    post(NoticeCategory.VILLAGE, "双塔村2026年第三季度村务公开",
         "一、完成村东路硬化 420 米。\n\n二、新装太阳能路灯 16 盏。\n\n三、调解邻里纠纷 5 起。",
         date(2026, 7, 1), date(2026, 9, 30))
    post(NoticeCategory.PARTY, "双塔村党支部2026年第三季度党务公开",
         "本季度召开支部党员大会 3 次，发展预备党员 1 名，收缴党费 1,260 元。",
         date(2026, 7, 1), date(2026, 9, 30))
    post(NoticeCategory.FINANCE, "双塔村2026年10月财务公开", "本月收支明细如下表。",
         date(2026, 10, 1), date(2026, 10, 31), table=FINANCE_CSV)
    post(NoticeCategory.RELIEF, "双塔村2026年第四季度低保初审名单公示",
         "经村民代表会议评议，以下农户拟纳入农村低保：王某某（3 人）、李某某（1 人）。"
         "公示期内如有异议，请向村务监督委员会或镇民政所反映。",
         date(2026, 10, 1), date(2026, 12, 31), window=local_today())
