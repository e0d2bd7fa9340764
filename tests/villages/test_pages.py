"""The board, the notice page, the poster, the feed, and the clerk's pages."""

import io
import re
import time
import xml.etree.ElementTree as ET
import zipfile
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from portal.attachments.models import StoredFile
from portal.audit.models import AuditEvent
from portal.auth.system import SYSTEM
from portal.extensions import db
from portal.organizations import services as org_services
from portal.timeutil import LOCAL_TZ, frozen, letter_date, local_today
from portal.villages import services
from portal.villages.models import NoticeCategory, NoticeStatus, VillageNotice
from portal.villages.poster import qr_svg

ATOM = "{http://www.w3.org/2005/Atom}"


def test_villages_index_and_board(client, published_notice):
    notice = published_notice()
    index = client.get("/villages/").get_data(as_text=True)
    assert "双塔村" in index and "王堂村" in index
    board = client.get("/villages/shuangta-cun/").get_data(as_text=True)
    assert notice.title in board
    assert client.get("/villages/wangtang/").get_data(as_text=True).count(notice.title) == 0
    assert client.get("/villages/shuangta-cun/?category=party").get_data(
        as_text=True).count(notice.title) == 0
    assert client.get("/villages/shuangta-cun/?category=nope").status_code == 400
    assert client.get("/villages/no-such-village/").status_code == 404


@pytest.mark.parametrize("cached", [True, False], ids=["cache-on", "cache-off"])
def test_board_follows_changes_to_the_village_and_its_town(app, client, orgs, published_notice,
                                                           cached):
    app.config["PAGE_CACHE_ENABLED"] = cached
    published_notice()
    board = client.get("/villages/shuangta-cun/").get_data(as_text=True)
    assert "<h1>双塔镇双塔村 村务公开栏</h1>" in board and "由双塔镇受理" in board
    org_services.update_organization(SYSTEM, orgs["town"].id, name="双塔街道")
    board = client.get("/villages/shuangta-cun/").get_data(as_text=True)
    assert "<h1>双塔街道双塔村 村务公开栏</h1>" in board and "由双塔街道受理" in board
    org_services.set_active(SYSTEM, orgs["village_a"].id, False)
    board = client.get("/villages/shuangta-cun/").get_data(as_text=True)
    assert "双塔街道双塔村 村务公开栏" in board and "受理" not in board
    assert client.get("/villages/shuangta/").status_code == 404  # a town has no board


def test_board_filters_and_pages_both_ways(app, client, published_notice):
    app.config["PAGE_SIZE"] = 2
    for i in range(5):
        published_notice(title=f"财务公开{i}", category=NoticeCategory.FINANCE)
    published_notice(title="党务公开", category=NoticeCategory.PARTY)

    def titles(html: str) -> list[str]:
        return re.findall(r'class="notice-title" href="[^"]+">([^<]+)</a>', html)

    def link(html: str, rel: str) -> str:
        return re.search(rf'href="([^"]+)" rel="{rel}"', html).group(1).replace("&amp;", "&")

    year = local_today().year
    first = client.get(f"/villages/shuangta-cun/?category=finance&year={year}").get_data(
        as_text=True)
    assert titles(first) == ["财务公开4", "财务公开3"]
    second = client.get(link(first, "next")).get_data(as_text=True)
    assert titles(second) == ["财务公开2", "财务公开1"]
    assert titles(client.get(link(second, "prev")).get_data(as_text=True)) == \
        ["财务公开4", "财务公开3"]
    assert titles(client.get("/villages/shuangta-cun/?page=2").get_data(as_text=True)) == \
        ["财务公开3", "财务公开2"]
    assert titles(client.get(f"/villages/shuangta-cun/?year={year - 1}").get_data(
        as_text=True)) == []
    assert titles(client.get("/villages/wangtang/").get_data(as_text=True)) == []
    tabs = re.findall(r'<a href="([^"]+)" (aria-current="page")?>([^<]+)</a>',
                      first.split('class="tabs"')[1].split("</nav>")[0])
    assert ("/villages/shuangta-cun/?category=finance", 'aria-current="page"', "财务公开") in tabs
    assert ("/villages/shuangta-cun/", "", "全部") in tabs
    other = client.get("/villages/wangtang/").get_data(as_text=True)
    assert '<a href="/villages/wangtang/" aria-current="page">全部</a>' in other
    assert 'href="/villages/wangtang/?category=finance" >财务公开' in other


def test_notice_page_shows_window_state(client, published_notice):
    notice = published_notice(category=NoticeCategory.RELIEF, window_start=date(2026, 9, 28))
    page = client.get(f"/villages/shuangta-cun/notices/{notice.id}").get_data(as_text=True)
    assert "公示期" in page and "2026-09-28至2026-10-12" in page
    assert "公示期满" in page  # today is after 2026-10-12


def test_board_shows_each_notices_window_as_of_today(client, published_notice):
    published_notice(category=NoticeCategory.RELIEF, window_start=date(2026, 9, 28))
    for today, state in ((date(2026, 9, 27), "公示未开始"), (date(2026, 10, 12), "公示中"),
                         (date(2026, 10, 13), "公示期满")):
        with frozen(datetime.combine(today, clock_time(12), LOCAL_TZ)):
            board = client.get("/villages/shuangta-cun/").get_data(as_text=True)
        assert f'">{state}</span>' in board, today


def test_draft_and_other_villages_notices_are_not_public(client, village_staff, notice_input,
                                                         published_notice):
    draft = services.create_draft(village_staff["clerk_a"], notice_input())
    assert client.get(f"/villages/shuangta-cun/notices/{draft.id}").status_code == 404
    notice = published_notice()
    assert client.get(f"/villages/wangtang/notices/{notice.id}").status_code == 404


def test_poster_is_a4_with_a_qr_code_of_the_online_page(client, published_notice, app):
    app.config["SITE_URL"] = "https://gk.minquan.example"
    notice = published_notice()
    page = client.get(f"/villages/shuangta-cun/notices/{notice.id}/poster").get_data(as_text=True)
    online = f"https://gk.minquan.example/villages/shuangta-cun/notices/{notice.id}"
    assert online in page
    assert str(qr_svg(online)) in page  # the same matrix as encoding that address
    assert str(qr_svg(online + "x")) not in page
    assert "css/poster.css" in page
    published = letter_date(notice.published_at)  # a printed notice: one letter-style format
    assert f"<p>{published}</p>" in page and not re.search(r"\d{4}-\d{2}-\d{2}", page)
    css = client.get("/static/css/poster.css").get_data(as_text=True)
    assert "size: A4" in css


def test_village_feed_is_valid_atom(client, published_notice):
    published_notice(title="第一条 <&> 公开")
    response = client.get("/villages/shuangta-cun/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}") is not None
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "第一条 <&> 公开"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.find(f"{ATOM}updated").text)
    assert entry.find(f"{ATOM}link").get("href").startswith("http")


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_finance_import_through_the_page(client, login, village_staff, notice_input):
    notice = services.create_draft(village_staff["clerk_a"], notice_input(
        category=NoticeCategory.FINANCE, title="双塔村2026年10月财务公开",
        period_start=date(2026, 10, 1), period_end=date(2026, 10, 31)))
    login(village_staff["clerk_a"])
    bad = _xlsx([["日期", "摘要", "收入", "支出", "备注"],
                 [date(2026, 10, 5), "上级转移支付", 50000, None, ""],
                 [date(2026, 10, 9), "道路维修", None, "1200.555", ""],
                 ["合计", None, 50000, 1200, None]])
    response = client.post(f"/staff/villages/{notice.id}/finance",
                           data={"finance_file": (io.BytesIO(bad), "10月收支.xlsx")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "第 3 行“支出”" in html and "最多两位小数" in html
    db.session.expire_all()
    assert db.session.get(VillageNotice, notice.id).finance_table is None
    good = _xlsx([["双塔村2026年10月财务收支明细"], ["日期", "摘要", "收入", "支出", "备注"],
                  [date(2026, 10, 5), "上级转移支付", 50000, None, ""],
                  [date(2026, 10, 9), "道路维修", None, 1200.5, "村东路"],
                  ["合计", None, 50000, 1200.5, None]])
    client.post(f"/staff/villages/{notice.id}/finance",
                data={"finance_file": (io.BytesIO(good), "10月收支.xlsx")},
                content_type="multipart/form-data")
    db.session.expire_all()
    table = db.session.get(VillageNotice, notice.id).finance_table
    assert [r.item for r in table.rows] == ["上级转移支付", "道路维修"]
    assert str(table.total_expense) == "1200.50"


def test_disguised_spreadsheet_is_rejected(client, login, village_staff, notice_input):
    notice = services.create_draft(village_staff["clerk_a"], notice_input(
        category=NoticeCategory.FINANCE))
    login(village_staff["clerk_a"])
    response = client.post(f"/staff/villages/{notice.id}/finance",
                           data={"finance_file": (io.BytesIO(b"<html>hi</html>"), "表.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "实际类型与扩展名不符" in response.get_data(as_text=True)


def test_clerk_of_another_village_gets_403_audited(client, login, village_staff, notice_input):
    notice = services.create_draft(village_staff["clerk_a"], notice_input())
    login(village_staff["clerk_b"])
    assert client.get(f"/staff/villages/{notice.id}").status_code == 403
    assert client.post(f"/staff/villages/{notice.id}/submit").status_code == 403
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.result == "denied")).all()
    assert {e.action for e in denied} >= {"village_notice.view", "village_notice.submit"}


def test_personal_data_is_marked_and_masked_with_one_click(client, login, village_staff,
                                                           notice_input):
    notice = services.create_draft(village_staff["clerk_a"], notice_input(
        body_html="联系电话 13812345678"))
    login(village_staff["clerk_a"])
    response = client.post(f"/staff/villages/{notice.id}/submit")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "13812345678" in html and "一键打码" in html
    client.post(f"/staff/villages/{notice.id}/mask")
    assert client.post(f"/staff/villages/{notice.id}/submit").status_code == 303
    assert db.session.get(VillageNotice, notice.id).status is NoticeStatus.AWAITING_SIGNOFF


def test_site_navigation_keeps_the_five_disclosures_on_village_pages(client, login,
                                                                     village_staff):
    login(village_staff["reviewer"])
    for path in ("/villages/shuangta-cun/", "/staff/villages/schedule"):
        nav = client.get(path).get_data(as_text=True).split('aria-label="主导航"')[1]
        nav = nav.split("</nav>")[0]
        assert "决策公开" in nav and "结果公开" in nav and "宅基地" not in nav


def _wide_sheet(rows: int, columns: int) -> bytes:
    """A workbook whose header is followed by `rows` rows of `columns` cells outside the
    statement's columns: every row is read and skipped as blank."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    header = "".join(f'<c t="inlineStr"><is><t>{name}</t></is></c>'
                     for name in ("日期", "摘要", "收入", "支出"))
    row = "<c/>" * 4 + "<c><v>1</v></c>" * columns
    sheet = (f'<worksheet xmlns="{main}"><sheetData><row r="1">{header}</row>'
             + "".join(f'<row r="{n}">{row}</row>' for n in range(2, rows + 2))
             + "</sheetData></worksheet>")
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{kind}.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
            f'Type="{relations}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (f'<workbook xmlns="{main}" xmlns:r="{relations}"><sheets>'
                            '<sheet name="收支" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
            f'Type="{relations}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_table_too_complex_to_read_in_time_saves_nothing(client, login, village_staff,
                                                           notice_input, app):
    app.config["IMPORT_TIME_LIMIT_SECONDS"] = 0.5
    notice = services.create_draft(village_staff["clerk_a"], notice_input(
        category=NoticeCategory.FINANCE))
    login(village_staff["clerk_a"])
    sheet = _wide_sheet(20_000, 60)  # about 5 s of openpyxl on a two-core test machine
    start = time.monotonic()
    response = client.post(f"/staff/villages/{notice.id}/finance",
                           data={"finance_file": (io.BytesIO(sheet), "10月收支.xlsx")},
                           content_type="multipart/form-data")

    assert time.monotonic() - start < 2.5
    assert response.status_code == 400
    assert "该表格文件过于复杂，无法在 0.5 秒内完成读取" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(VillageNotice, notice.id).finance_table is None
    assert db.session.scalars(select(StoredFile)).all() == []
    assert [path for path in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if path.is_file()] \
        == []


def test_the_version_history_names_states_in_words(client, login, village_staff,
                                                   published_notice):
    notice = published_notice()
    login(village_staff["clerk_a"])
    page = client.get(f"/staff/villages/{notice.id}").get_data(as_text=True)
    history = page[page.index(" 版 · ") - 6:]
    assert "草稿" in history and "待监委会签署" in history
    for raw in ("draft", "awaiting_signoff", "awaiting_approval"):  # the stored values
        assert f" {raw} " not in history and f"· {raw}" not in history


def _next_link(html: str) -> str | None:
    found = re.search(r'<a href="([^"]*)" rel="next">', html)
    return found and found.group(1).replace("&amp;", "&")


def test_a_paged_board_with_odd_query_names_still_pages(client, published_notice):
    """A query argument named like the route's own (`slug`) or like one of `url_for`'s
    (`_method`, `_external`, `_scheme`, `_anchor`) stays in the next page's query: it
    answered 500, or made the link `javascript://…`, when the pager read them as its own."""
    for number in range(21):
        published_notice(title=f"双塔村2026年第{number + 1}期村务公开")
    for query in ({"slug": "x"}, {"_method": "POST"}, {"_anchor": "top"},
                  {"_external": "1", "_scheme": "javascript"}):
        response = client.get("/villages/shuangta-cun/", query_string=query)
        assert response.status_code == 200, query
        link = _next_link(response.get_data(as_text=True))
        assert link is not None and link.startswith("/villages/shuangta-cun/?"), (query, link)
        assert "#" not in link and "javascript" not in link.split("?")[0], link
        assert client.get(link).status_code == 200, link
