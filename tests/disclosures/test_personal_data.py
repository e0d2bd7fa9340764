"""Disclosures carry no personal data to the public: a phone number in a Word-imported body,
an ID number in an attachment and an unchecked scan all stop the document before review,
and a published document cannot take them on later (not even into a pending revision)."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from portal.disclosures import privacy, revisions, services
from portal.disclosures.models import Status
from portal.extensions import db
from portal.personal_data.texts import PersonalDataFound
from tests.attachments.conftest import docx_bytes, jpeg_bytes, paragraph
from tests.sample_files import ofd
from tests.search.corpus import xlsx_bytes

PHONE = "13812345678"
ID = "41042119900101123X"


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), name)


def test_a_phone_number_in_a_word_import_blocks_review_until_masked(staff, draft_input):
    word = upload(docx_bytes(paragraph("联系人：王主任") + paragraph(f"联系电话：{PHONE}")),
                  "通知.docx")
    draft = services.create_draft(staff["editor"], draft_input(word_file=word))
    assert PHONE in draft.body_html
    with pytest.raises(PersonalDataFound, match="手机号") as blocked:
        services.submit(staff["editor"], draft.id)
    assert any("正文" in place for place in blocked.value.places)
    db.session.rollback()
    assert privacy.mask_personal_data(staff["editor"], draft.id) == 1
    draft = services.submit(staff["editor"], draft.id)
    assert draft.status is Status.SUBMITTED and "138****5678" in draft.body_html


def test_an_attachment_with_an_id_number_blocks_review(staff, draft_input):
    draft = services.create_draft(staff["editor"], draft_input())
    services.add_attachments(staff["editor"], draft.id,
                             [upload(xlsx_bytes([["姓名", "身份证号"], ["张三", ID]]),
                                     "补贴名单.xlsx")])
    with pytest.raises(PersonalDataFound, match=r"补贴名单\.xlsx") as blocked:
        services.submit(staff["editor"], draft.id)
    assert "第 2 行 B 列：身份证号 410421********123X" in blocked.value.places[0]


def test_an_ofd_with_an_id_number_blocks_review_as_a_pdf_does(staff, draft_input):
    draft = services.create_draft(staff["editor"], draft_input())
    notice = ofd("双塔村低保名单公示", f"张三　身份证号：{ID}　住址：双塔村")
    services.add_attachments(staff["editor"], draft.id, [upload(notice, "低保名单.ofd")])

    with pytest.raises(PersonalDataFound, match=r"低保名单\.ofd") as blocked:
        services.submit(staff["editor"], draft.id)
    assert "第 2 页：身份证号 410421********123X" in blocked.value.places[0]


def test_a_published_document_refuses_an_attachment_with_personal_data(
        client, staff, published, upload_folder):
    doc = published()
    before = sorted(upload_folder.rglob("*.*"))
    with pytest.raises(PersonalDataFound):
        services.add_attachments(staff["editor"], doc.id,
                                 [upload(xlsx_bytes([["电话"], [PHONE]]), "名单.xlsx")])
    db.session.rollback()
    refused = services.get_disclosure(doc.id)
    assert refused.attachments == [] and refused.pending_revision is None
    assert sorted(upload_folder.rglob("*.*")) == before  # nothing left on disk either


def test_a_scan_is_public_only_after_a_persons_check(client, staff, draft_input, login):
    draft = services.create_draft(staff["editor"], draft_input())
    services.add_attachments(staff["editor"], draft.id, [upload(jpeg_bytes(), "现场.jpg")])
    with pytest.raises(PersonalDataFound, match="须人工核对"):
        services.submit(staff["editor"], draft.id)
    db.session.rollback()
    login(staff["editor"])
    file_id = services.get_disclosure(draft.id).attachments[0].stored_file_id
    assert client.post(f"/staff/disclosures/{draft.id}/attachments/{file_id}/confirm"
                       ).status_code == 302
    services.submit(staff["editor"], draft.id)
    services.approve(staff["reviewer"], draft.id)
    services.publish(staff["editor"], draft.id)
    assert client.get(f"/disclosures/{draft.id}/attachments/{file_id}").status_code == 200


def test_an_unchecked_file_is_never_served_publicly(client, staff, published):
    doc = published()
    services.add_attachments(staff["editor"], doc.id,
                             [upload(xlsx_bytes([["项目"], ["修路"]]), "项目.xlsx")])
    revisions.approve(staff["reviewer"], doc.id)
    link = services.get_disclosure(doc.id).attachments[0]
    assert client.get(f"/disclosures/{doc.id}/attachments/{link.stored_file_id}"
                      ).status_code == 200
    page = client.get(f"/disclosures/{doc.id}").get_data(as_text=True)
    assert f'href="/disclosures/{doc.id}/attachments/{link.stored_file_id}" download>项目.xlsx' \
        in page and "（XLSX，" in page
    link.file.privacy_state = "unchecked"  # stored before the scan existed
    db.session.commit()
    assert client.get(f"/disclosures/{doc.id}/attachments/{link.stored_file_id}"
                      ).status_code == 404
    assert "项目.xlsx" not in client.get(f"/disclosures/{doc.id}").get_data(as_text=True)


def test_the_editor_masks_a_draft_on_the_page(client, staff, draft_input, login):
    draft = services.create_draft(staff["editor"], draft_input(
        body_html=f"<p>咨询电话 {PHONE}</p>"))
    login(staff["editor"])
    page = client.get(f"/staff/disclosures/{draft.id}").get_data(as_text=True)
    assert "正文一键打码" in page and PHONE in page
    assert client.post(f"/staff/disclosures/{draft.id}/mask").status_code == 302
    assert client.post(f"/staff/disclosures/{draft.id}/submit").status_code == 302
    assert services.get_disclosure(draft.id).status is Status.SUBMITTED


def test_files_stored_before_the_scan_are_public_after_a_rescan(client, runner, staff,
                                                                published):
    doc = published()
    services.add_attachments(staff["editor"], doc.id, [
        upload(xlsx_bytes([["项目"], ["修路"]]), "项目.xlsx"),
        upload(xlsx_bytes([["工程"], ["排水"]]), "排水.xlsx")])
    revisions.approve(staff["reviewer"], doc.id)
    links = services.get_disclosure(doc.id).attachments
    for link in links:
        link.file.privacy_state = "unchecked"
    db.session.commit()
    url = f"/disclosures/{doc.id}/attachments/{links[0].stored_file_id}"
    assert client.get(url).status_code == 404
    result = runner.invoke(args=["attachments", "rescan"])
    assert result.exit_code == 0 and "已检查 2 个附件" in result.output
    assert client.get(url).status_code == 200
