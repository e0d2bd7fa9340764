"""No byte a resident can fetch carries another person's ID, bank or phone number, name or
house number (个人信息保护法).

A town where staff hold personal data everywhere — a 低保 payment list uploaded with 身份证号,
银行卡号 and phone columns, a notice and a Word import with numbers that were masked before
publication, a resident's published question and reply naming them, their phone and their
house — is crawled from the home page as a visitor would, following every link on every
page, in every feed, sitemap, JSON and Open311 answer and search result, and every file is
read (XLSX, CSV, PDF). Nothing fetched may hold a finding of `portal.privacy.scan`, the
resident's name or the raw values.
"""

from __future__ import annotations

import io
import re
from collections import deque
from datetime import date
from urllib.parse import parse_qs, urljoin, urlsplit

import openpyxl
import pytest
from pypdf import PdfReader

from portal.disclosures.models import Category
from portal.privacy import scan
from portal.villages.models import NoticeCategory
from tests.search.corpus import answer, people, post_notice, publish, xlsx_bytes  # noqa: F401

ID = "41042119900101123X"
CARD = "6228480012345678905"
PHONE = "13812345678"
RESIDENT = "王大爷"
SECRETS = (ID, CARD, PHONE, "13900001111", RESIDENT, "3组15号")
SEEDS = ("/", "/disclosures/", "/villages/", "/inquiries/replies", "/consultations/",
         "/catalogue/", "/execution/", "/enforcement/", "/feeds/", "/sitemap.xml", "/api/v1/",
         "/open311/v2/requests.json", "/open311/v2/requests.xml", "/open311/v2/services.json",
         "/search?q=低保", f"/search?q={RESIDENT}", "/search?q=路灯", "/api/v1/replies",
         "/api/v1/village-notices", "/api/v1/disclosures")
PRIVATE = ("/staff", "/inspect", "/account", "/login", "/logout", "/static/")
LINK = re.compile(r'(?:href|src)="([^"#]+)"|(https?://localhost[^\s"<>\']+)')
MAX_URLS = 600


def _penalty_on_the_resident(staff, orgs) -> None:
    """A published 行政处罚 on a natural person, with their ID, phone and house in its text."""
    from portal.enforcement import registry, services

    body = registry.create_body(staff["editor"], registry.BodyInput(
        organization=orgs["town"], name="双塔镇综合行政执法", kind="statutory"))
    decision = services.create_decision(staff["editor"], services.DecisionInput(
        body=body, kind="penalty", document_number="双塔综执罚〔2026〕7号",
        title="行政处罚决定书", party_kind="natural", party_name=RESIDENT, party_code=ID,
        facts=f"{RESIDENT}（身份证 {ID}，电话 13900001111，住双塔村3组15号）焚烧秸秆。",
        basis="《大气污染防治法》第一百一十九条", content=f"对{RESIDENT}罚款 500 元。",
        fine_amount="0.05", decided_on=date(2026, 11, 2)))
    services.publish_decision(staff["reviewer"], decision.id)


@pytest.fixture
def town_with_personal_data(publish, post_notice, answer, people, orgs):  # noqa: F811
    statement = xlsx_bytes([
        ["双塔村低保金发放明细"],
        ["日期", "摘要", "户主", "身份证号", "银行卡号", "联系电话", "收入", "支出"],
        [date(2026, 7, 5), "上级拨付低保金", "", "", "", "", 3000, None],
        [date(2026, 7, 6), "发放低保金", "张三", ID, CARD, PHONE, None, 3000],
        [None, "合计", "", "", "", "", 3000, 3000]])
    post_notice("village_a", NoticeCategory.RELIEF, "2026年7月低保金发放公示",
                "<p>低保对象名单见收支表。</p>", finance=statement,
                period=(date(2026, 7, 1), date(2026, 7, 31)))
    publish("town", "关于路灯维修的通知", "<p>维修期间请注意安全。</p>", Category.SERVICE)
    answer(f"我是{RESIDENT}，路灯坏了", f"我叫{RESIDENT}，住双塔村3组15号，电话 13900001111，"
           f"身份证 {ID}。村东头的路灯坏了。",
           f"{RESIDENT}您好：路灯已于本周修复。如有问题请联系村委会 {PHONE}。")
    _penalty_on_the_resident(people, orgs)


def _text_of(response) -> str:
    kind = response.content_type or ""
    data = response.data
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(data))
        return " ".join(str(c.value) for s in book.worksheets for r in s.iter_rows()
                        for c in r if c.value is not None)
    if "pdf" in kind:
        return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return data.decode("utf-8", "replace")


def _links(base: str, text: str) -> list[str]:
    found = []
    for relative, absolute in LINK.findall(text):
        url = urljoin(base, (relative or absolute).replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.netloc in ("", "localhost") and not parts.path.startswith(PRIVATE):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def crawl(client) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = deque(SEEDS)
    while queue and len(seen) < MAX_URLS:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url, headers={"Accept": "*/*"})
        text = _text_of(response) if response.status_code == 200 else ""
        seen[url] = text
        queue.extend(link for link in _links(url, text) if link not in seen)
    return seen


def _without_own_query(url: str, text: str) -> str:
    """A search page shows what the visitor typed; that is their own input, not a leak."""
    query = parse_qs(urlsplit(url).query).get("q", [""])[0]
    return text.replace(query, "") if query else text


def test_no_public_byte_carries_personal_data(client, town_with_personal_data):
    fetched = crawl(client)
    assert len(fetched) > 60
    assert any("/finance.xlsx" in url for url in fetched)  # the regenerated table was read
    assert any(url.endswith("/penalty.csv") and "王某" in text for url, text in fetched.items())
    assert any("/replies" in url and "路灯已于本周修复" in text for url, text in fetched.items())
    leaks = {url: [f.label + " " + f.text for f in scan(text)]
             + [secret for secret in SECRETS if secret in _without_own_query(url, text)]
             for url, text in fetched.items()}
    assert not {url: found for url, found in leaks.items() if found}
