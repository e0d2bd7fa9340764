"""What a reply may carry: no unfilled template placeholder; files for an applicant,
checked for other people's personal data; and a sent reply corrected only by a visible,
audited 更正 that keeps the text first sent."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.audit.models import AuditEvent
from portal.errors import ValidationError
from portal.extensions import db
from portal.inquiries import replies, workflow
from portal.inquiries.models import InquiryType, Status
from portal.personal_data.texts import PersonalDataFound
from tests.attachments.conftest import png_bytes
from tests.sample_files import chinese_pdf
from tests.search.corpus import xlsx_bytes

CODE = re.compile(r'class="tracking-code"[^>]*>([0-9A-Z-]{19})<')


def signed(submit, handlers, **changes):
    inquiry = submit(**changes).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    return inquiry


def test_a_reply_with_an_unfilled_placeholder_is_not_sent(submit, handlers):
    inquiry = signed(submit, handlers)
    with pytest.raises(ValidationError, match=re.escape("{单位}、{电话}")):
        workflow.reply(handlers["handler"], inquiry.id,
                       "如有疑问，请在工作日到{单位}窗口咨询，或拨打电话 {电话}。")
    db.session.rollback()
    assert inquiry.status is Status.SIGNED and inquiry.reply_text == ""


def test_an_applicant_gets_the_files_and_only_they_can_fetch_them(client, submit, handlers):
    receipt = submit(type=InquiryType.INFO_REQUEST)
    inquiry = receipt.inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    workflow.reply(handlers["handler"], inquiry.id, "现将该信息提供给您（见附件）。",
                   outcome="grant", files=[FileStorage(io.BytesIO(
                       chinese_pdf("2025年低保资金发放汇总")), "汇总.pdf")])
    [stored] = replies.files_of(inquiry)
    assert client.get(f"/inquiries/track/files/{stored.id}").status_code == 302  # no code yet
    client.post("/inquiries/track", data={"code": receipt.tracking_code})
    page = client.get("/inquiries/track/status").get_data(as_text=True)
    assert "汇总.pdf" in page
    response = client.get(f"/inquiries/track/files/{stored.id}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_a_reply_file_with_someone_elses_id_number_is_refused(submit, handlers, upload_folder):
    inquiry = signed(submit, handlers, type=InquiryType.INFO_REQUEST)
    with pytest.raises(PersonalDataFound, match=r"名单\.xlsx"):
        workflow.reply(handlers["handler"], inquiry.id, "见附件。", outcome="grant",
                       files=[FileStorage(io.BytesIO(xlsx_bytes(
                           [["姓名", "身份证号"], ["张三", "41042119900101123X"]])), "名单.xlsx")])
    db.session.rollback()
    assert inquiry.status is Status.SIGNED and replies.files_of(inquiry) == []
    assert list(upload_folder.rglob("*.xlsx")) == []


def test_a_scan_in_a_reply_needs_a_persons_check(submit, handlers):
    inquiry = signed(submit, handlers, type=InquiryType.INFO_REQUEST)
    scan = [FileStorage(io.BytesIO(png_bytes()), "扫描件.png")]
    with pytest.raises(PersonalDataFound, match="须人工核对"):
        workflow.reply(handlers["handler"], inquiry.id, "见附件。", outcome="grant", files=scan)
    db.session.rollback()
    scan = [FileStorage(io.BytesIO(png_bytes()), "扫描件.png")]
    workflow.reply(handlers["handler"], inquiry.id, "见附件。", outcome="grant", files=scan,
                   confirmed=True)
    assert [f.display_name for f in replies.files_of(inquiry)] == ["扫描件.png"]


def test_a_sent_reply_is_corrected_visibly_and_the_first_text_kept(client, submit, handlers):
    receipt = submit()
    inquiry = receipt.inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    workflow.reply(handlers["handler"], inquiry.id, "请携带户口本到便民服务中心办理。")
    replied_at, on_time = inquiry.replied_at, inquiry.replied_on_time
    workflow.correct_reply(handlers["handler"], inquiry.id,
                           "请携带户口本和身份证到便民服务中心办理。", "漏写了身份证。")
    assert inquiry.reply_text == "请携带户口本和身份证到便民服务中心办理。"
    assert inquiry.replied_at == replied_at and inquiry.replied_on_time is on_time
    [correction] = replies.corrections_of(inquiry)
    assert correction.previous_text == "请携带户口本到便民服务中心办理。"
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "inquiry.correct_reply")).one()
    assert event.before["reply_text"] == "请携带户口本到便民服务中心办理。"
    client.post("/inquiries/track", data={"code": receipt.tracking_code})
    page = client.get("/inquiries/track/status").get_data(as_text=True)
    assert "答复更正：漏写了身份证。" in page and "请携带户口本到便民服务中心办理。" in page


def test_a_correction_needs_a_reason_and_a_change(submit, handlers):
    inquiry = signed(submit, handlers)
    workflow.reply(handlers["handler"], inquiry.id, "已答复。")
    with pytest.raises(ValidationError, match="更正理由"):
        workflow.correct_reply(handlers["handler"], inquiry.id, "新答复。", "")
    db.session.rollback()
    with pytest.raises(ValidationError, match="相同"):
        workflow.correct_reply(handlers["handler"], inquiry.id, "已答复。", "无")
    db.session.rollback()
    assert replies.corrections_of(inquiry) == []
