"""The public never receives a clerk's original upload or an attachment with personal data.

The defects these tests replay: a 低保 or finance notice whose imported spreadsheet had
身份证号 / 银行卡号 / phone columns was published with the original downloadable by anyone
("下载原始表格"), even after 一键打码; attachments were not scanned at all.
"""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.personal_data.texts import PersonalDataFound
from portal.privacy import scan
from portal.villages import finance_store, services
from portal.villages.models import NoticeCategory, NoticeStatus
from tests.attachments.conftest import png_bytes
from tests.sample_files import chinese_pdf
from tests.search.corpus import docx_bytes, xlsx_bytes
from tests.villages.test_finance_import import csv_bytes

ID = "41042119900101123X"
CARD = "6228480012345678905"
PHONE = "13812345678"
RELIEF_STATEMENT = [
    ["双塔村2026年7月低保金发放明细"],
    ["日期", "摘要", "姓名", "身份证号", "银行卡号", "联系电话", "收入", "支出"],
    ["2026-07-05", "上级拨付低保金", "", "", "", "", "3000", ""],
    ["2026-07-06", "发放低保金", "张三", ID, CARD, PHONE, "", "1500"],
    ["2026-07-06", "发放低保金", "李四", "410421198505054321", "", "13900001111", "", "1500"],
    ["", "合计", "", "", "", "", "3000", "3000"],
]


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), name)


@pytest.fixture
def relief_draft(village_staff, notice_input):
    clerk = village_staff["clerk_a"]
    notice = services.create_draft(clerk, notice_input(
        category=NoticeCategory.RELIEF, title="2026年7月低保金发放公示", body_html="见收支表。",
        period_start=date(2026, 7, 1), period_end=date(2026, 7, 31)))
    finance_store.import_finance(clerk, notice.id,
                                 upload(csv_bytes(RELIEF_STATEMENT), "低保发放名单.csv"))
    return notice


def publish(village_staff, notice_id: int):
    services.submit(village_staff["clerk_a"], notice_id)
    services.sign_off(village_staff["supervisor_a"], notice_id, "属实")
    return services.approve(village_staff["reviewer"], notice_id)


def no_personal_data(data: bytes) -> bool:
    text = data.decode("utf-8", "replace")
    return not scan(text) and ID not in text and CARD not in text and PHONE not in text


def test_the_original_upload_is_never_public(client, village_staff, relief_draft, login):
    notice = publish(village_staff, relief_draft.id)
    page = client.get(f"/villages/shuangta-cun/notices/{notice.id}").get_data(as_text=True)
    assert "原始表格" not in page and "低保发放名单.csv" not in page
    source_id = notice.finance_table.source_file_id
    assert client.get(f"/villages/shuangta-cun/notices/{notice.id}/files/{source_id}"
                      ).status_code == 404
    links = re.findall(r'href="([^"]+/finance\.(?:xlsx|csv))"', page)
    assert len(links) == 2
    for link in links:
        response = client.get(link)
        assert response.status_code == 200 and no_personal_data(response.data)
    book = openpyxl.load_workbook(io.BytesIO(client.get(links[0]).data))
    cells = [str(c.value) for row in book.active.iter_rows() for c in row if c.value]
    assert "发放低保金" in cells and "身份证号" not in cells and "张三" not in cells
    api = client.get(f"/api/v1/village-notices/{notice.id}")
    assert api.status_code == 200 and no_personal_data(api.data)
    assert all("/files/" not in url for url in api.get_json()["finance"]["files"].values())


def test_staff_download_the_original_and_each_download_is_audited(
        client, village_staff, relief_draft, login):
    login(village_staff["reviewer"])
    source_id = relief_draft.finance_table.source_file_id
    for _ in range(2):
        response = client.get(f"/staff/villages/{relief_draft.id}/files/{source_id}")
        assert response.status_code == 200 and ID.encode() in response.data
    downloads = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "village_notice.file_download")).all()
    assert len(downloads) == 2 and downloads[0].actor_name == "town_reviewer"


@pytest.mark.parametrize("name,data,where", [
    ("名单.xlsx", xlsx_bytes([["姓名", "身份证号"], ["张三", ID]]),
     "工作表“Sheet”第 2 行 B 列"),
    ("账户.xlsx", xlsx_bytes([["户名", "银行账号"], ["张三", "6217000010001234567"]]),
     "工作表“Sheet”第 2 行 B 列"),
    ("名单.docx", docx_bytes("低保名单", f"张三，联系电话 {PHONE}"), "第 2 段"),
    ("名单.pdf", chinese_pdf(f"张三 身份证号 {ID}"), "第 1 页"),
])
def test_an_attachment_with_personal_data_blocks_submission_with_its_place(
        village_staff, notice_input, name, data, where):
    clerk = village_staff["clerk_a"]
    notice = services.create_draft(clerk, notice_input(category=NoticeCategory.RELIEF))
    finance_store.add_attachments(clerk, notice.id, [upload(data, name)])
    with pytest.raises(PersonalDataFound) as blocked:
        services.submit(clerk, notice.id)
    [place] = blocked.value.places
    assert f"附件“{name}”{where}" in place
    assert ID not in place and PHONE not in place  # the place shows the masked value
    db.session.rollback()
    assert services.get_notice(notice.id).status is NoticeStatus.DRAFT


def test_an_image_needs_a_persons_check_before_submission(client, village_staff,
                                                          notice_input):
    clerk = village_staff["clerk_a"]
    notice = services.create_draft(clerk, notice_input(category=NoticeCategory.RELIEF))
    finance_store.add_attachments(clerk, notice.id, [upload(png_bytes(), "公示照片.png")])
    with pytest.raises(PersonalDataFound, match="须人工核对"):
        services.submit(clerk, notice.id)
    db.session.rollback()
    file_id = services.get_notice(notice.id).attachments[0].stored_file_id
    finance_store.confirm_attachment(clerk, notice.id, file_id)
    confirmed = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "attachment.privacy_confirm")).one()
    assert confirmed.actor_name == "clerk_a" and "已人工核对" in confirmed.message
    notice = publish(village_staff, notice.id)
    assert client.get(f"/villages/shuangta-cun/notices/{notice.id}/files/{file_id}"
                      ).status_code == 200


def test_a_file_with_definite_findings_cannot_be_confirmed(village_staff, notice_input):
    from portal.errors import Conflict

    clerk = village_staff["clerk_a"]
    notice = services.create_draft(clerk, notice_input())
    finance_store.add_attachments(clerk, notice.id,
                                  [upload(xlsx_bytes([["身份证号"], [ID]]), "a.xlsx")])
    file_id = services.get_notice(notice.id).attachments[0].stored_file_id
    with pytest.raises(Conflict, match="请遮盖后重新上传"):
        finance_store.confirm_attachment(clerk, notice.id, file_id)


def test_a_suspected_number_is_cleared_by_a_person(village_staff, notice_input):
    clerk = village_staff["clerk_a"]
    mistyped = ID[:17] + "1"  # a real date and region, the wrong check digit
    notice = services.create_draft(clerk, notice_input(body_html=f"编号 {mistyped} 的项目"))
    with pytest.raises(PersonalDataFound, match="疑似身份证号") as blocked:
        services.submit(clerk, notice.id)
    assert blocked.value.clearable
    db.session.rollback()
    assert finance_store.clear_suspected(clerk, notice.id) == 1
    assert services.submit(clerk, notice.id).status is NoticeStatus.AWAITING_SIGNOFF
    cleared = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "personal_data.clear_suspected")).one()
    assert mistyped not in str(cleared.after)


def test_the_clerk_sees_each_files_check_and_can_confirm_it_on_the_page(
        client, village_staff, notice_input, login):
    clerk = village_staff["clerk_a"]
    notice = services.create_draft(clerk, notice_input())
    login(clerk)
    response = client.post(f"/staff/villages/{notice.id}/attachments",
                           data={"files": (io.BytesIO(png_bytes()), "照片.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get(f"/staff/villages/{notice.id}").get_data(as_text=True)
    assert "无法自动检查，须人工核对" in page and "已人工核对，不含个人敏感信息" in page
    file_id = services.get_notice(notice.id).attachments[0].stored_file_id
    confirmed = client.post(f"/staff/villages/{notice.id}/attachments/{file_id}/confirm")
    assert confirmed.status_code == 303
    assert "已人工核对" in client.get(f"/staff/villages/{notice.id}").get_data(as_text=True)
    assert client.post(f"/staff/villages/{notice.id}/submit").status_code == 303
