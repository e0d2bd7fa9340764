"""CSV uploads: text tables in UTF-8 or GB18030, accepted only where a caller asks for
them (`kinds=`), and the `kinds` restriction itself."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from portal.attachments.models import StoredFile
from portal.attachments.services import save_uploads
from portal.attachments.storage import detect_kind, save_upload, send_stored_file, stored_path
from portal.audit.models import AuditEvent
from portal.errors import ValidationError
from portal.extensions import db

TABLE = "日期,摘要,收入,支出\r\n2026-10-05,上级拨付办公经费,\"1,200.50\",\r\n"
TABLE_KINDS = ("xlsx", "csv")


@pytest.mark.parametrize("content", [
    TABLE.encode("utf-8"),
    TABLE.encode("utf-8-sig"),
    TABLE.encode("gb18030"),
    TABLE.replace(",", "\t").encode("gb18030"),
    "\ufeff  \r\n日期;摘要\r\n".encode(),
], ids=["utf-8", "utf-8-bom", "gb18030", "tab-gb18030", "leading-blank-line"])
def test_text_tables_are_detected_as_csv(content):
    assert detect_kind(io.BytesIO(content)) == "csv"


def test_a_large_csv_is_checked_to_its_end():
    # The invalid byte sits beyond the first chunk.
    content = TABLE.encode() * 5000 + b"\xff\xff"

    assert detect_kind(io.BytesIO(content)) is None


@pytest.mark.parametrize("content", [
    b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    "\ufeff \r\n <table><tr><td>日期</td></tr></table>".encode(),
    "  <?xml version='1.0'?><x/>".encode("gb18030"),
    TABLE.encode("utf-16"),
    b"a,b\r\n1,\x002\r\n",
    b"a,b\r\n\xff\xfe\x80,1\r\n",
], ids=["html", "html-after-bom", "xml-gb18030", "utf-16", "nul-byte", "undecodable"])
def test_markup_binary_and_undecodable_text_is_not_csv(content):
    assert detect_kind(io.BytesIO(content)) is None


def test_binary_kinds_are_still_detected_first(samples):
    assert detect_kind(io.BytesIO(samples.pdf())) == "pdf"
    assert detect_kind(io.BytesIO(samples.xlsx())) == "xlsx"


# ---- saving with `kinds` ---------------------------------------------------------------


def test_csv_is_stored_where_the_caller_accepts_it(app, samples):
    content = TABLE.encode("gb18030")

    stored = save_upload(samples.upload("双塔村10月财务收支.CSV", content), None,
                         kinds=TABLE_KINDS)
    db.session.commit()

    assert (stored.kind, stored.content_type) == ("csv", "text/csv; charset=utf-8")
    assert stored.storage_name.endswith(".csv")
    assert stored_path(stored.storage_name).read_bytes() == content


def test_csv_is_not_an_attachment_kind_by_default(app, samples, upload_folder):
    with pytest.raises(ValidationError) as refused:
        save_upload(samples.upload("名单.csv", TABLE.encode()), None)

    assert "扩展名“.csv”" in refused.value.message
    assert "CSV" not in refused.value.message.partition("允许的类型：")[2]
    assert samples.files_under(upload_folder) == []


def test_kinds_restrict_the_call_and_the_message_lists_them(app, samples, upload_folder):
    with pytest.raises(ValidationError) as refused:
        save_upload(samples.upload("财务表.pdf", samples.pdf()), None, kinds=TABLE_KINDS)

    assert refused.value.message == ("文件“财务表.pdf”扩展名“.pdf”，不能上传。"
                                     "允许的类型：XLSX、CSV。")
    assert refused.value.action == "attachment.reject"
    assert samples.files_under(upload_folder) == []
    assert not db.session.new


def test_restricted_refusal_is_recorded_in_the_audit_log(app, samples):
    with app.test_request_context(headers={"Accept": "application/json"}):
        with pytest.raises(ValidationError) as refused:
            save_upload(samples.upload("照片.png", samples.png()), None, kinds=["csv"])
        response = app.make_response(app.handle_user_exception(refused.value))

    assert response.status_code == 400
    assert "允许的类型：CSV。" in response.get_json()["message"]
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "attachment.reject" and event.result == "rejected"
    assert db.session.scalar(select(StoredFile)) is None


@pytest.mark.parametrize(("name", "make", "problem"), [
    ("财务表.csv", lambda s: b"<html><body>fake</body></html>", "请上传真实的 CSV 文件"),
    ("财务表.csv", lambda s: s.xlsx(), "请上传真实的 CSV 文件"),
    ("财务表.xlsx", lambda s: TABLE.encode(), "请上传真实的 XLSX 文件"),
], ids=["html-as-csv", "xlsx-as-csv", "csv-as-xlsx"])
def test_disguised_tables_are_refused(app, samples, upload_folder, name, make, problem):
    with pytest.raises(ValidationError, match=problem) as refused:
        save_upload(samples.upload(name, make(samples)), None, kinds=TABLE_KINDS)

    assert refused.value.action == "attachment.reject"
    assert samples.files_under(upload_folder) == []


def test_no_kinds_keeps_accepting_every_attachment_kind(app, samples):
    stored = save_upload(samples.upload("通知.pdf", samples.pdf()), None, kinds=None)

    assert stored.kind == "pdf"


@pytest.mark.parametrize("kinds", [(), ("exe",), ("csv", "txt")])
def test_unknown_or_empty_kinds_are_a_programming_error(app, samples, kinds):
    with pytest.raises(ValueError):
        save_upload(samples.upload("a.csv", TABLE.encode()), None, kinds=kinds)


def test_save_uploads_passes_kinds_on_and_stays_all_or_nothing(app, samples, upload_folder):
    ok = [samples.upload("一.csv", TABLE.encode()), samples.upload("二.xlsx", samples.xlsx())]
    assert [s.kind for s in save_uploads(ok, None, kinds=TABLE_KINDS)] == ["csv", "xlsx"]
    db.session.commit()
    before = samples.files_under(upload_folder)

    mixed = [samples.upload("三.csv", TABLE.encode()), samples.upload("四.pdf", samples.pdf())]
    with pytest.raises(ValidationError, match="允许的类型：XLSX、CSV"):
        save_uploads(mixed, None, kinds=TABLE_KINDS)

    assert samples.files_under(upload_folder) == before
    assert not db.session.new


def test_csv_download_is_text_csv_and_never_sniffed(app, samples):
    stored = save_upload(samples.upload("财务收支.csv", TABLE.encode("utf-8-sig")), None,
                         kinds=TABLE_KINDS)
    db.session.commit()

    with app.test_request_context():
        response = send_stored_file(stored)
        response.direct_passthrough = False
        body = response.get_data()

    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert body == TABLE.encode("utf-8-sig")
