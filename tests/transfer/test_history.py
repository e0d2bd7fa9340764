"""flask disclosures import: an earlier site's documents, with their dates, 文号, 索引号 and
files, published as of then; a bad row stops the whole import and is named."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from portal.attachments.models import StoredFile
from portal.audit.models import AuditEvent
from portal.disclosures.models import Disclosure, IndexSequence, Status, Validity
from portal.extensions import db
from portal.timeutil import LOCAL_TZ, to_local
from tests.privacy_values import id_number
from tests.transfer.conftest import HEADER

ID_NUMBER = id_number("410421", "19800101", "123")


def _documents() -> list[Disclosure]:
    return list(db.session.scalars(select(Disclosure).order_by(Disclosure.id)))


def _files_on_disk(app) -> list:
    from pathlib import Path

    root = Path(app.config["UPLOAD_FOLDER"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _run(runner, table, folder, *extra):
    return runner.invoke(args=["disclosures", "import", str(table), "--files", str(folder),
                               *extra])


def test_a_dry_run_reports_each_row_and_writes_nothing(app, runner, tmp_path, old_site,
                                                       three_documents, orgs):
    table = tmp_path / "meta.csv"
    table.write_text(three_documents, encoding="utf-8-sig")

    result = _run(runner, table, old_site, "--dry-run")

    assert result.exit_code == 0, result.output
    assert f"第 2 行  创建  索引号 {orgs['town'].credit_code}/2019-00012  2 个附件" in result.output
    assert "第 3 行  创建  索引号" in result.output and "将重新分配" in result.output
    assert "共 3 行：可导入 3 条，拒绝 0 条。试运行，未写入任何内容。" in result.output
    assert _documents() == [] and _files_on_disk(app) == []


def test_three_documents_keep_their_dates_numbers_and_files(app, runner, client, tmp_path,
                                                            old_site, three_documents, orgs):
    table = tmp_path / "meta.csv"
    table.write_bytes(three_documents.encode("gb18030"))

    result = _run(runner, table, old_site)

    assert result.exit_code == 0, result.output
    plan, notice, report = _documents()
    town_code, county_code = orgs["town"].credit_code, orgs["county"].credit_code
    assert plan.status is Status.PUBLISHED and plan.author_id is None
    assert to_local(plan.published_at) == datetime(2019, 3, 8, 10, 30, tzinfo=LOCAL_TZ)
    assert plan.index_number == f"{town_code}/2019-00012" and plan.doc_number == "双政〔2019〕3号"
    assert [a.file.display_name for a in plan.attachments] == ["实施方案.pdf", "预算表.pdf"]
    assert notice.organization is orgs["office"] and "请认真贯彻落实" in notice.body_html
    assert notice.index_number == f"{town_code}/2018-00001"  # the old number did not fit
    assert report.validity is Validity.REPEALED and report.source == "县政府办公室"
    assert report.index_number == f"{county_code}/2018-00001"
    assert db.session.scalar(select(IndexSequence.last_value).where(
        IndexSequence.prefix == town_code, IndexSequence.year == 2019)) == 12

    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "disclosure.import", AuditEvent.object_id == str(notice.id))).one()
    assert event.actor_name == "system" and event.after["review"] == "none"
    assert event.after["replaced_index_number"] == "005341123/2018-001"
    assert "未经本站审核" in event.message

    page = client.get(f"/disclosures/{plan.id}").get_data(as_text=True)
    assert "2019-03-08 10:30" in page and "双政〔2019〕3号" in page
    for words in ("人居环境", "预算安排表"):  # the text, and an attachment's
        found = client.get(f"/search?q={words}").get_data(as_text=True)
        assert "找到 1 条" in found and f'href="/disclosures/{plan.id}"' in found
    download = client.get(f"/disclosures/{plan.id}/attachments/"
                          f"{plan.attachments[0].stored_file_id}")
    assert download.status_code == 200


def test_an_xlsx_table_with_date_cells(app, runner, tmp_path, old_site, orgs):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["标题", "发布机构", "公开类别", "发布日期", "附件"])
    sheet.append(["2019年预算公开", "双塔镇", "管理", datetime(2019, 4, 1, 9, 0), "预算表.pdf"])
    table = tmp_path / "meta.xlsx"
    book.save(table)

    result = _run(runner, table, old_site)

    assert result.exit_code == 0, result.output
    (doc,) = _documents()
    assert to_local(doc.published_at) == datetime(2019, 4, 1, 9, 0, tzinfo=LOCAL_TZ)
    assert doc.formed_on.isoformat() == "2019-04-01"


BAD_ROWS = [
    ("缺附件,shuangta,决策,,2019-03-08,,,,,,,,,正文,不存在.pdf",
     "第 2 行“附件”：文件夹中没有文件“不存在.pdf”"),
    ("找不到单位,nowhere,决策,,2019-03-08,,,,,,,,,正文,",
     "第 3 行“发布机构”：找不到发布机构“nowhere”"),
    ("类别不对,shuangta,公告,,2019-03-08,,,,,,,,,正文,", "第 4 行“公开类别”：“公告”无效"),
    ("日期不对,shuangta,决策,,2019-13-40,,,,,,,,,正文,",
     "第 5 行“发布日期”：“2019-13-40”不是有效的日期"),
    ("还没发布,shuangta,决策,,2099-01-01,,,,,,,,,正文,",
     "第 6 行“发布日期”：历史信息的发布日期不能晚于现在"),
    (f"正文有身份证,shuangta,结果,,2019-03-08,,,,,,,,,身份证号 {ID_NUMBER},",
     "第 7 行：含有个人信息或须人工核对的内容，不能公开：正文：身份证号"),
    ("附件有身份证,shuangta,结果,,2019-03-08,,,,,,,,,正文,名单.pdf",
     "第 8 行：含有个人信息或须人工核对的内容，不能公开：附件“名单.pdf”"),
    ("扫描件,shuangta,结果,,2019-03-08,,,,,,,,,正文,扫描件.png", "须人工核对后确认"),
    ("路径,shuangta,结果,,2019-03-08,,,,,,,,,正文,../etc/passwd", "文件名“../etc/passwd”无效"),
    ("缺发布日期,shuangta,结果,,,,,,,,,,,正文,", "第 11 行“发布日期”：请填写发布日期"),
]


def test_broken_rows_are_named_and_nothing_is_written(app, runner, tmp_path, old_site, orgs):
    rows = [row for row, _ in BAD_ROWS]
    good = "好的一行,shuangta,结果,,2019-03-08,,,,,,,,,正文,实施方案.pdf"
    table = tmp_path / "meta.csv"
    table.write_text("\n".join([HEADER, *rows, good]) + "\n", encoding="utf-8")
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))

    result = _run(runner, table, old_site)

    assert result.exit_code == 1
    for _row, message in BAD_ROWS:
        assert message in result.output, message
    assert "第 12 行  创建" in result.output  # the good row, reported but not written
    assert "共 11 行：可导入 1 条，拒绝 10 条。未写入任何内容。" in result.output
    assert _documents() == [] and _files_on_disk(app) == []
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_a_person_may_confirm_a_scan(app, runner, tmp_path, old_site, orgs):
    table = tmp_path / "meta.csv"
    table.write_text("标题,发布机构,公开类别,发布日期,正文,附件,附件已人工核对\n"
                     "扫描的通知,shuangta,执行,2019-03-08,见附件,扫描件.png,是\n",
                     encoding="utf-8")

    result = _run(runner, table, old_site)

    assert result.exit_code == 0, result.output
    (doc,) = _documents()
    assert doc.attachments[0].file.privacy_state == "confirmed"


def test_importing_the_same_table_again_is_refused(app, runner, tmp_path, old_site,
                                                   three_documents):
    table = tmp_path / "meta.csv"
    table.write_text(three_documents, encoding="utf-8")
    assert _run(runner, table, old_site).exit_code == 0

    again = _run(runner, table, old_site)

    assert again.exit_code == 1 and "可能已经导入过" in again.output
    assert len(_documents()) == 3


@pytest.mark.parametrize("header, message", [
    ("标题,发布机构,公开类别", "缺少必需的列“发布日期”"),
    ("标题,发布机构,公开类别,发布日期,作者", "未知的列“作者”"),
])
def test_a_wrong_header_is_named(app, runner, tmp_path, old_site, header, message):
    table = tmp_path / "meta.csv"
    cells = ["一", "shuangta", "决策", "2019-01-01", "甲"][:header.count(",") + 1]
    table.write_text(header + "\n" + ",".join(cells) + "\n", encoding="utf-8")

    result = _run(runner, table, old_site)

    assert result.exit_code == 1 and message in result.output
