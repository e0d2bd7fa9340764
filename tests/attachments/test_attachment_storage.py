"""Attachments: only real files of the allowed kinds are stored, under generated names,
and come back as downloads with their Chinese names."""

from __future__ import annotations

import hashlib
import io
from urllib.parse import quote

import pytest
from sqlalchemy import select

from portal.attachments.models import StoredFile
from portal.attachments.services import get_stored_file, save_uploads
from portal.attachments.storage import (
    clean_display_name,
    detect_kind,
    save_upload,
    send_stored_file,
    stored_path,
)
from portal.audit.models import AuditEvent
from portal.errors import NotFound, PayloadTooLarge, ValidationError
from portal.extensions import db

KINDS = ["doc", "docx", "jpg", "ofd", "pdf", "png", "xls", "xlsx"]

# ---- content detection and names (no database) ----------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_each_allowed_kind_is_detected_from_its_content(samples, kind):
    assert detect_kind(io.BytesIO(samples.by_kind[kind]())) == kind


@pytest.mark.parametrize("make", [
    lambda s: b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    lambda s: b"MZ\x90\x00\x03" + bytes(100),
    lambda s: s.zip({"readme.txt": "not an office file"}),
    lambda s: s.zip({"word/document.xml": "<w/>", "word/vbaProject.bin": b"\x00"}),
    lambda s: s.ole("PowerPoint Document"),
    lambda s: b"PK\x03\x04 truncated zip",
    lambda s: b"GIF89a\x01\x00\x01\x00",
], ids=["html", "exe", "plain-zip", "macro-docm", "ppt", "broken-zip", "gif"])
def test_other_content_is_not_an_allowed_kind(samples, make):
    assert detect_kind(io.BytesIO(make(samples))) is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("/abs/path/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\张三\\Desktop\\关于2024年低保名单的公示.pdf", "关于2024年低保名单的公示.pdf"),
    ("报告\r\n第\x00一\x1b版.pdf", "报告第一版.pdf"),
    ("invoice\u202efdp.exe.pdf", "invoicefdp.exe.pdf"),
    ("\u2066名单\u2069\u200f.xlsx", "名单.xlsx"),
    ("  𠀀村通知.docx  ", "𠀀村通知.docx"),
])
def test_display_name_is_the_cleaned_basename(raw, expected):
    assert clean_display_name(raw) == expected


def test_long_display_name_is_shortened_keeping_the_extension():
    name = clean_display_name("通" * 300 + ".pdf")

    assert len(name) == 255
    assert name.endswith("通.pdf")


@pytest.mark.parametrize("raw", ["", "../", "dir/", "\u202e\r\n", ".."])
def test_display_name_with_nothing_left_is_refused(raw):
    with pytest.raises(ValidationError):
        clean_display_name(raw)


# ---- saving ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_each_allowed_kind_is_stored_under_a_generated_name(app, samples, upload_folder, kind):
    content = samples.by_kind[kind]()

    stored = save_upload(samples.upload(f"关于公开的通知.{kind}", content), None)
    db.session.commit()

    path = stored_path(stored.storage_name)
    assert stored.display_name == f"关于公开的通知.{kind}"
    assert stored.kind == kind and stored.size == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.storage_name.endswith(f".{kind}") and "关于" not in stored.storage_name
    assert path.parent.parent.parent == upload_folder
    assert path.parent.name == stored.storage_name[2:4]
    assert path.read_bytes() == content
    assert samples.files_under(upload_folder) == [path]


def test_jpeg_extension_and_upper_case_are_accepted(app, samples, make_user):
    editor = make_user("editor")

    stored = save_upload(samples.upload("现场照片.JPEG", samples.jpeg()), editor)
    db.session.commit()

    assert stored.kind == "jpg" and stored.content_type == "image/jpeg"
    assert stored.display_name == "现场照片.JPEG"
    assert db.session.scalar(select(StoredFile)).uploaded_by_id == editor.id


@pytest.mark.parametrize(("name", "make", "problem"), [
    ("a.pdf.html", lambda s: b"<html><script>alert(1)</script></html>", "扩展名“.html”"),
    ("通知.pdf", lambda s: b"<!DOCTYPE html><html>fake</html>", "请上传真实的 PDF 文件"),
    ("报告.docx", lambda s: b"MZ\x90\x00" + bytes(200), "请上传真实的 DOCX 文件"),
    ("报告.docx", lambda s: s.zip({"content.xml": "<x/>"}), "实际类型与扩展名不符"),
    ("统计表.xlsx", lambda s: s.docx(), "请上传真实的 XLSX 文件"),
    ("统计表.xls", lambda s: s.ole("WordDocument"), "请上传真实的 XLS 文件"),
    ("setup.exe", lambda s: b"MZ" + bytes(10), "扩展名“.exe”"),
    ("无扩展名", lambda s: s.pdf(), "没有扩展名"),
], ids=["html-double-ext", "html-as-pdf", "exe-as-docx", "zip-as-docx", "docx-as-xlsx",
        "doc-as-xls", "exe", "no-extension"])
def test_disguised_or_disallowed_files_are_refused_and_nothing_is_kept(
        app, samples, upload_folder, name, make, problem):
    with pytest.raises(ValidationError) as refused:
        save_upload(samples.upload(name, make(samples)), None)

    assert problem in refused.value.message
    assert refused.value.action == "attachment.reject"
    assert samples.files_under(upload_folder) == []
    assert not db.session.new


def test_refused_upload_is_recorded_in_the_audit_log(app, samples):
    # Through the application's error handler, as a view raising it would be answered.
    with app.test_request_context(headers={"Accept": "application/json"}):
        with pytest.raises(ValidationError) as refused:
            save_upload(samples.upload("公示.pdf", b"<html></html>"), None)
        response = app.make_response(app.handle_user_exception(refused.value))

    assert response.status_code == 400
    assert "请上传真实的 PDF 文件" in response.get_json()["message"]
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "attachment.reject" and event.result == "rejected"
    assert "公示.pdf" in event.message
    assert db.session.scalar(select(StoredFile)) is None


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\x.pdf", "a/../b.pdf"])
def test_parent_directory_in_a_name_is_refused(app, samples, tmp_path, name):
    with pytest.raises(ValidationError, match="上级目录") as refused:
        save_upload(samples.upload(name, samples.pdf()), None)

    assert refused.value.action == "attachment.reject"
    assert [p for p in samples.files_under(tmp_path) if p.suffix != ".db"] == []


@pytest.mark.parametrize("name", ["/abs/path.pdf", "C:\\Users\\x.pdf"])
def test_path_in_a_name_never_leaves_the_upload_folder(app, samples, upload_folder, tmp_path,
                                                        name):
    stored = save_upload(samples.upload(name, samples.pdf()), None)

    written = [path for path in samples.files_under(tmp_path) if path.suffix != ".db"]
    assert written == [stored_path(stored.storage_name)]
    assert written[0].is_relative_to(upload_folder)
    assert "/" not in stored.display_name and "\\" not in stored.display_name


def test_control_and_bidi_characters_are_removed_from_the_stored_name(app, samples):
    stored = save_upload(samples.upload("名单\r\n\x00\u202egpj.pdf", samples.pdf()), None)

    assert stored.display_name == "名单gpj.pdf"


def test_empty_file_is_refused(app, samples, upload_folder):
    with pytest.raises(ValidationError, match="文件为空"):
        save_upload(samples.upload("空白.pdf", b""), None)

    assert samples.files_under(upload_folder) == []


def test_missing_file_is_refused(app, samples):
    with pytest.raises(ValidationError, match="请选择"):
        save_upload(samples.upload("", b""), None)


class _CountingStream(io.BytesIO):
    def __init__(self, content: bytes):
        super().__init__(content)
        self.consumed = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


class TestSizeLimit:
    LIMIT = 4096

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "ATTACHMENT_MAX_BYTES": self.LIMIT}

    def test_oversized_file_is_refused_without_reading_it_all(self, app, samples,
                                                              upload_folder):
        stream = _CountingStream(samples.pdf(padding=100_000))

        with pytest.raises(PayloadTooLarge) as refused:
            save_upload(samples.upload("年报.pdf", stream), None)

        assert "附件“年报.pdf”超过 4 KB 的大小限制" in refused.value.message
        assert stream.consumed <= self.LIMIT + 1
        assert samples.files_under(upload_folder) == []

    def test_file_of_exactly_the_limit_is_accepted(self, app, samples):
        content = samples.pdf()
        content += b"%" * (self.LIMIT - len(content))

        assert save_upload(samples.upload("年报.pdf", content), None).size == self.LIMIT


def test_save_uploads_is_all_or_nothing(app, samples, upload_folder):
    files = [samples.upload("一.pdf", samples.pdf()), samples.upload("", b""),
             samples.upload("二.png", b"not a png")]

    with pytest.raises(ValidationError):
        save_uploads(files, None)

    assert samples.files_under(upload_folder) == []
    assert not db.session.new


def test_save_uploads_skips_empty_inputs(app, samples):
    files = [samples.upload("", b""), None, samples.upload("一.pdf", samples.pdf())]

    stored = save_uploads(files, None)

    assert [s.display_name for s in stored] == ["一.pdf"]


# ---- downloads -------------------------------------------------------------------------


@pytest.fixture
def stored_pdf(app, samples):
    stored = save_upload(samples.upload("关于 2024 年“低保”名单的公示.pdf", samples.pdf()), None)
    db.session.commit()
    return stored


def test_download_keeps_the_chinese_name_and_is_never_sniffed(app, samples, stored_pdf):
    with app.test_request_context():
        response = send_stored_file(get_stored_file(stored_pdf.id))
        response.direct_passthrough = False
        body = response.get_data()

    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote("关于 2024 年“低保”名单的公示.pdf", safe="") in disposition
    assert "filename=2024.pdf;" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"
    assert body == samples.pdf()


def test_download_answers_conditional_requests(app, stored_pdf):
    etag = f'"{stored_pdf.sha256}"'
    with app.test_request_context(headers={"If-None-Match": etag}):
        response = send_stored_file(stored_pdf)

    assert response.status_code == 304


def test_missing_file_on_disk_is_not_found(app, stored_pdf):
    stored_path(stored_pdf.storage_name).unlink()

    with app.test_request_context(), pytest.raises(NotFound, match="附件文件已丢失"):
        send_stored_file(stored_pdf)


def test_tampered_storage_name_is_not_followed(app, stored_pdf):
    stored_pdf.storage_name = "../../../etc/passwd"

    with app.test_request_context(), pytest.raises(NotFound):
        send_stored_file(stored_pdf)


def test_unknown_attachment_id_is_not_found(app):
    with pytest.raises(NotFound):
        get_stored_file(999)
