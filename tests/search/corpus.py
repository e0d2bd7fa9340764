"""A dozen and more Chinese documents, taken through the real services, for the search,
feed, API and Open311 tests; and the attachment files they carry.

Expected hits (the recall tests assert these exactly, on SQLite and PostgreSQL):
  低保        D2 (body), N1 (title), R1 (title, question and answer)
  宅基地      D3, N2             — R2 is about 宅基地 too, but its author did not consent
  法治政府    D1 (title), D6 (body, another town)
  工程项目    D4, N3             — R3 mentions it, but its reply was not published
  猕猴桃      D5 (only in a PDF attachment)
  秸秆        D7 (only in a DOCX attachment)
  光伏发电    D8 (only in an XLSX attachment)
  垃圾清运车  N4 (only in its finance table)
  王堂村      N3, N4 (a village name the dictionary does not know)
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, timedelta

import openpyxl
import pytest
from werkzeug.datastructures import FileStorage

from portal.auth.models import Role
from portal.disclosures import services as disclosures
from portal.disclosures.models import Category
from portal.inquiries import submission, tracking, workflow
from portal.inquiries.models import InquiryType
from portal.timeutil import local_today
from portal.villages import finance_store
from portal.villages import services as villages
from portal.villages.models import NoticeCategory
from tests.sample_files import chinese_pdf

EXPECTED = {
    "低保": {"D2", "N1", "R1"},
    "宅基地": {"D3", "N2"},
    "法治政府": {"D1", "D6"},
    "工程项目": {"D4", "N3"},
    "猕猴桃": {"D5"},
    "秸秆": {"D7"},
    "光伏发电": {"D8"},
    "垃圾清运车": {"N4"},
    "王堂村": {"N3", "N4"},
}
MOBILE_IN_R1 = "13812345678"


def docx_bytes(*paragraphs: str) -> bytes:
    """A minimal Word document with one paragraph per argument."""
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
            'openxmlformats.org/package/2006/content-types"><Override PartName="/word/'
            'document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>'))
        archive.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?>'
                                              f'<w:document xmlns:w="{ns}"><w:body>{body}'
                                              f'</w:body></w:document>')
    return buffer.getvalue()


def xlsx_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), name)


@dataclass
class Corpus:
    """Ids of the fixture documents by name ("D1" …), and the people who made them."""

    ids: dict[str, int] = field(default_factory=dict)
    people: dict = field(default_factory=dict)

    def name_of(self, kind: str, ref_id: int) -> str:
        prefix = {"disclosure": "D", "notice": "N", "reply": "R"}[kind]
        return next(n for n, i in self.ids.items() if n[0] == prefix and i == ref_id)


@pytest.fixture
def people(orgs, make_user, monkeypatch):
    from tests.inquiries.timetravel import cheap_password_hashing

    cheap_password_hashing(monkeypatch)
    town, village_a, village_b = orgs["town"], orgs["village_a"], orgs["village_b"]
    return {
        "editor": make_user("c-editor", (Role.EDITOR, town)),
        "reviewer": make_user("c-reviewer", (Role.REVIEWER, town)),
        "other_editor": make_user("c-editor2", (Role.EDITOR, orgs["other_town"])),
        "other_reviewer": make_user("c-reviewer2", (Role.REVIEWER, orgs["other_town"])),
        "clerk_a": make_user("c-clerk-a", (Role.VILLAGE_CLERK, village_a)),
        "clerk_b": make_user("c-clerk-b", (Role.VILLAGE_CLERK, village_b)),
        "supervisor_a": make_user("c-sup-a", (Role.VILLAGE_SUPERVISOR, village_a)),
        "supervisor_b": make_user("c-sup-b", (Role.VILLAGE_SUPERVISOR, village_b)),
        "handler": make_user("c-handler", (Role.HANDLER, town)),
        "admin": make_user("c-admin", (Role.ADMIN, orgs["county"])),
    }


@pytest.fixture
def publish(people, orgs):
    """publish(org_key, title, body, category, files=()) → a published disclosure."""

    def run(org_key: str, title: str, body: str, category: Category, files=(),
            confirmed: bool = False):
        other = org_key == "other_town"
        editor = people["other_editor" if other else "editor"]
        reviewer = people["other_reviewer" if other else "reviewer"]
        draft = disclosures.create_draft(editor, disclosures.DisclosureInput(
            organization=orgs[org_key], category=category, title=title, body_html=body,
            formed_on=local_today() - timedelta(days=3)))
        if files:
            disclosures.add_attachments(editor, draft.id, list(files), confirmed=confirmed)
        disclosures.submit(editor, draft.id)
        disclosures.approve(reviewer, draft.id)
        return disclosures.publish(editor, draft.id)

    return run


@pytest.fixture
def post_notice(people, orgs):
    """post_notice(village_key, category, title, body, finance=None) → published notice."""

    def run(village_key: str, category: NoticeCategory, title: str, body: str, *,
            finance: bytes | None = None, period=(date(2026, 7, 1), date(2026, 9, 30))):
        suffix = village_key[-1]
        clerk, supervisor = people[f"clerk_{suffix}"], people[f"supervisor_{suffix}"]
        notice = villages.create_draft(clerk, villages.NoticeInput(
            village=orgs[f"village_{suffix}"], category=category, title=title,
            body_html=body, period_start=period[0], period_end=period[1]))
        if finance is not None:
            finance_store.import_finance(clerk, notice.id, upload(finance, "收支明细.xlsx"))
        villages.submit(clerk, notice.id)
        villages.sign_off(supervisor, notice.id, "情况属实")
        return villages.approve(people["reviewer"], notice.id)

    return run


@pytest.fixture
def answer(people, orgs):
    """answer(title, body, reply, consent=True, publish=True) → an answered inquiry."""

    def run(title: str, body: str, reply: str, *, consent: bool = True, publish: bool = True,
            kind: InquiryType = InquiryType.CONSULT, village: str = "village_a"):
        receipt = submission.submit(submission.InquiryInput(
            type=kind, title=title, body=body, contact_name="王大爷",
            contact_phone="13900001111", organization=orgs["town"], village=orgs[village],
            consent_publish=consent), tracking.new_submission_token())
        workflow.sign(people["handler"], receipt.inquiry.id)
        return workflow.reply(people["handler"], receipt.inquiry.id, reply, publish=publish)

    return run


def _disclosures(publish) -> dict[str, int]:
    docs = {
        "D1": publish("town", "双塔镇2022年度法治政府建设工作报告",
                      "<p>一、主要举措和成效：深入推进依法行政，完善重大行政决策程序，"
                      "加强行政执法监督。</p>", Category.RESULT),
        "D2": publish("town", "关于做好2026年城乡最低生活保障动态管理工作的通知",
                      "<p>各村：为规范城乡低保管理，做好低保对象动态调整，现将有关事项通知如下。</p>",
                      Category.SERVICE),
        "D3": publish("town", "双塔镇农村宅基地审批管理办法（试行）",
                      "<p>为规范农村宅基地审批，保障农民合法权益，制定本办法。</p>",
                      Category.DECISION),
        "D4": publish("office", "双塔镇2026年农村公路建设工程项目招标公告",
                      "<p>本工程项目位于双塔镇，建设内容为农村公路硬化。</p>", Category.EXECUTION),
        "D5": publish("finance", "财政所2026年上半年预算执行情况",
                      "<p>上半年一般公共预算支出执行良好，详见附件。</p>", Category.MANAGEMENT,
                      [upload(chinese_pdf("附件：猕猴桃产业扶持资金分配表"), "分配表.pdf")]),
        "D6": publish("other_town", "花园乡2026年政务公开工作要点",
                      "<p>围绕法治政府建设，推进决策公开和政务服务。</p>", Category.DECISION),
        "D7": publish("town", "关于做好2026年夏季农业生产工作的通知",
                      "<p>请各村认真落实，具体要求见附件。</p>", Category.SERVICE,
                      [upload(docx_bytes("一、夏季农业生产", "各村要落实秸秆禁烧责任，严防火情。"),
                              "要求.docx")]),
        "D8": publish("town", "双塔镇2026年新能源项目统计表", "<p>详见附件。</p>",
                      Category.RESULT,
                      [upload(xlsx_bytes([["村名", "项目", "装机容量"],
                                          ["双塔村", "屋顶光伏发电", 120]]), "统计.xlsx")]),
    }
    return {name: doc.id for name, doc in docs.items()}


def _finance_table() -> bytes:
    return xlsx_bytes([
        ["日期", "摘要", "收入", "支出", "备注"],
        [date(2026, 7, 5), "上级拨付人居环境整治资金", 50000, None, ""],
        [date(2026, 7, 9), "购置垃圾清运车", None, 38000, "村民代表会议通过"],
        ["合计", "", 50000, 38000, ""],
    ])


def _notices(post_notice) -> dict[str, int]:
    notices = {
        "N1": post_notice("village_a", NoticeCategory.RELIEF,
                          "双塔村2026年第三季度低保对象初审名单公示",
                          "经村民代表会议评议，以下3户拟纳入低保：张某某、李某某、王某某。"),
        "N2": post_notice("village_a", NoticeCategory.HOMESTEAD, "双塔村2026年宅基地审批结果公示",
                          "村民赵某某申请宅基地一处，经审核符合条件。"),
        "N3": post_notice("village_b", NoticeCategory.PROJECT, "王堂村村内道路硬化工程项目公示",
                          "项目投资15万元，由村集体组织实施。"),
        "N4": post_notice("village_b", NoticeCategory.FINANCE, "王堂村2026年7月财务公开",
                          "本月收支明细见下表。", finance=_finance_table(),
                          period=(date(2026, 7, 1), date(2026, 7, 31))),
    }
    return {name: notice.id for name, notice in notices.items()}


def _replies(answer) -> dict[str, int]:
    replies = {
        "R1": answer("低保申请需要哪些材料？",
                     f"我家老人想申请低保，电话{MOBILE_IN_R1}，需要带什么证件。",
                     "请携带户口簿、身份证到村委会申请低保，村里初审后报镇民政所审核。"),
        "R2": answer("宅基地审批太慢", "申请宅基地三个月了还没有结果。", "已督促办理。",
                     consent=False, kind=InquiryType.COMPLAINT),
        "R3": answer("村里工程项目质量问题", "道路工程项目刚修好就开裂。", "已责成施工方返修。",
                     publish=False, kind=InquiryType.COMPLAINT),
    }
    return {name: inquiry.id for name, inquiry in replies.items()}


@pytest.fixture
def corpus(people, publish, post_notice, answer) -> Corpus:
    """Every fixture document, published through the services."""
    ids = {**_disclosures(publish), **_notices(post_notice), **_replies(answer)}
    return Corpus(ids=ids, people=people)
