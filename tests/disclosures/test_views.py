"""What residents and staff see in the browser."""

import errno
import io
import re
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.attachments.models import StoredFile
from portal.audit.models import AuditEvent
from portal.disclosures import revisions, services
from portal.disclosures.models import Category, Disclosure, Status
from portal.extensions import db
from tests.attachments.conftest import docx_bytes
from tests.sample_files import PDF


def test_home_shows_latest_per_category(client, published):
    published(title="结果公开的报告")
    published(title="一项决策", category=Category.DECISION)
    html = client.get("/").get_data(as_text=True)
    for label in ("决策公开", "执行公开", "管理公开", "服务公开", "结果公开"):
        assert label in html
    assert "结果公开的报告" in html and "一项决策" in html


def test_home_follows_each_publication_and_withdrawal_at_once(client, published, staff):
    from portal.disclosures import services

    published(title="第一份报告")
    assert "第一份报告" in client.get("/").get_data(as_text=True)
    later = published(title="第二份报告")
    html = client.get("/").get_data(as_text=True)
    assert "第一份报告" in html and "第二份报告" in html
    services.withdraw(staff["reviewer"], later.id, "内容有误，撤回更正")
    html = client.get("/").get_data(as_text=True)
    assert "第一份报告" in html and "第二份报告" not in html


def test_list_filters_by_category_and_org(client, published, orgs):
    published(title="镇里的报告")
    published(title="财政所的决策", category=Category.DECISION, organization=orgs["finance"])
    html = client.get("/disclosures/?category=decision").get_data(as_text=True)
    assert "财政所的决策" in html and "镇里的报告" not in html
    html = client.get("/disclosures/?org=shuangta-finance").get_data(as_text=True)
    assert "财政所的决策" in html and "镇里的报告" not in html


def test_list_filters_by_year(client, published):
    published(title="今年的文件")
    assert "今年的文件" not in client.get("/disclosures/?year=2001").get_data(as_text=True)


@pytest.mark.parametrize("query", ["?category=nope", "?year=abc", "?page=-1", "?year=99999999"])
def test_list_rejects_bad_filters_with_400(client, query):
    response = client.get("/disclosures/" + query)
    assert response.status_code == 400
    assert "请求有误" in response.get_data(as_text=True)


def test_list_paginates(client, published, app):
    app.config["PAGE_SIZE"] = 20
    for n in range(22):
        published(title=f"文件{n:02d}")
    first = client.get("/disclosures/").get_data(as_text=True)
    assert "文件21" in first and "文件02" in first and "文件01" not in first
    assert "上一页" not in first
    following = re.search(r'href="([^"]+)" rel="next">下一页', first).group(1)
    second = client.get(unescape(following)).get_data(as_text=True)
    assert "文件01" in second and "文件00" in second and "文件02" not in second
    assert "下一页" not in second
    back = re.search(r'href="([^"]+)" rel="prev">上一页', second).group(1)
    again = client.get(unescape(back)).get_data(as_text=True)
    assert "文件21" in again and "文件02" in again and "文件01" not in again


def test_cursor_links_carry_no_long_run_of_digits(client, published, app):
    """A moment in microseconds is 16 digits, and about one in ten passes the card-number
    check; links carry the cursor packed in base32 instead (the old form still works)."""
    app.config["PAGE_SIZE"] = 2
    for n in range(3):
        published(title=f"文件{n:02d}")
    first = client.get("/disclosures/").get_data(as_text=True)
    following = unescape(re.search(r'href="([^"]+)" rel="next">下一页', first).group(1))
    assert "after=" in following and not re.search(r"\d{5,}", following), following
    assert "文件00" in client.get(following).get_data(as_text=True)
    assert client.get("/disclosures/?after=1700000000000000.5").status_code == 200


def test_old_page_number_links_still_work(client, published, app):
    app.config["PAGE_SIZE"] = 20
    for n in range(22):
        published(title=f"文件{n:02d}")
    second = client.get("/disclosures/?page=2").get_data(as_text=True)
    assert "文件00" in second and "文件21" not in second
    assert client.get("/disclosures/?page=99").status_code == 200


@pytest.mark.parametrize("cursor", ["after=abc", "before=1.x", "after=" + "9" * 40 + ".1"])
def test_list_rejects_forged_cursors_with_400(client, cursor):
    response = client.get("/disclosures/?" + cursor)
    assert response.status_code == 400
    assert "翻页参数无效" in response.get_data(as_text=True)


def test_detail_has_gov_metadata_table_and_meta_tags(client, published):
    doc = published()
    html = client.get(f"/disclosures/{doc.id}").get_data(as_text=True)
    for label in ("索引号", "发布机构", "成文日期", "发布日期", "发文字号", "主题分类",
                  "主题词", "公开方式", "有效性", "信息来源"):
        assert f">{label}<" in html
    assert doc.index_number in html and "双政〔2026〕7号" in html
    assert '<meta name="ArticleTitle" content="双塔镇2026年度法治政府建设情况报告">' in html
    assert '<meta name="ColumnName" content="结果公开">' in html
    assert re.search(r'<meta name="PubDate" content="\d{4}-\d\d-\d\d \d\d:\d\d">', html)
    assert '<meta name="ContentSource" content="双塔镇">' in html


def test_drafts_and_withdrawn_are_not_public(client, staff, draft_input, published):
    draft = services.create_draft(staff["editor"], draft_input())
    assert client.get(f"/disclosures/{draft.id}").status_code == 404
    doc = published()
    services.withdraw(staff["reviewer"], doc.id, "撤回")
    response = client.get(f"/disclosures/{doc.id}")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True) or "撤回" in response.get_data(
        as_text=True)


def test_superseded_document_points_to_successor(client, published):
    old = published(title="旧办法")
    new = published(title="新办法", supersedes_index=old.index_number)
    html = client.get(f"/disclosures/{old.id}").get_data(as_text=True)
    assert "已被新版本替代" in html and f"/disclosures/{new.id}" in html


def test_staff_pages_need_login(client):
    response = client.get("/staff/disclosures/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _form(**changes):
    data = {"organization": "", "category": "result", "title": "网页上新建的信息",
            "body_html": "正文内容", "formed_on": "2026-11-20", "written_on": "2026-11-20",
            "doc_number": "", "topic": "综合政务", "keywords": "", "mode": "proactive",
            "validity": "valid", "repealed_on": "", "source": "", "supersedes_index": ""}
    data.update(changes)
    return data


def test_editor_creates_draft_through_the_form(client, login, staff, orgs):
    login(staff["editor"])
    response = client.post("/staff/disclosures/new",
                           data=_form(organization=str(orgs["town"].id)))
    assert response.status_code == 302
    doc = db.session.scalars(select(Disclosure)).one()
    assert doc.title == "网页上新建的信息" and doc.status is Status.DRAFT
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "提交审核" in page


def test_invalid_form_keeps_input_and_says_why(client, login, staff, orgs):
    login(staff["editor"])
    response = client.post("/staff/disclosures/new", data=_form(
        organization=str(orgs["town"].id), title="", body_html="我写了很长的正文",
        formed_on="2026-13-45"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写标题。" in html and "不是有效的日期值" in html
    assert "我写了很长的正文" in html
    assert db.session.scalar(select(Disclosure.id)) is None


def test_service_validation_error_shows_on_the_field(client, login, staff, orgs):
    login(staff["editor"])
    response = client.post("/staff/disclosures/new", data=_form(
        organization=str(orgs["town"].id), validity="repealed", title="保留的标题"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写废止日期" in html and "保留的标题" in html


def test_other_town_organization_is_not_offered_and_refused(client, login, staff, orgs):
    login(staff["editor"])
    page = client.get("/staff/disclosures/new").get_data(as_text=True)
    assert "花园乡" not in page
    response = client.post("/staff/disclosures/new",
                           data=_form(organization=str(orgs["other_town"].id)))
    assert response.status_code == 400  # not a valid choice for this editor
    assert db.session.scalar(select(Disclosure.id)) is None


def test_cross_town_edit_is_403_and_audited(client, login, staff, draft_input, orgs):
    draft = services.create_draft(staff["editor"], draft_input())
    login(staff["other_editor"])
    response = client.get(f"/staff/disclosures/{draft.id}/edit")
    assert response.status_code == 403
    assert "权限" in response.get_data(as_text=True)
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.result == "denied")).all()
    assert denied and denied[-1].actor_name == "other_editor"


def test_self_approval_through_the_page_is_403_and_audited(client, login, staff, draft_input):
    author = staff["editor_reviewer"]
    draft = services.create_draft(author, draft_input())
    services.submit(author, draft.id)
    login(author)
    response = client.post(f"/staff/disclosures/{draft.id}/approve", data={"comment": "好"})
    assert response.status_code == 403
    assert "自己" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Disclosure, draft.id).status is Status.SUBMITTED
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.result, event.actor_name) == (
        "disclosure.approve", "denied", "both")


def test_full_flow_through_pages(client, login, staff, orgs):
    login(staff["editor"])
    client.post("/staff/disclosures/new", data=_form(organization=str(orgs["town"].id)))
    doc_id = db.session.scalar(select(Disclosure.id))
    client.post(f"/staff/disclosures/{doc_id}/attachments",
                data={"files": (io.BytesIO(PDF), "实施方案.pdf")},
                content_type="multipart/form-data")
    client.post(f"/staff/disclosures/{doc_id}/submit")
    client.post("/logout")
    login(staff["reviewer"])
    assert "网页上新建的信息" in client.get("/staff/").get_data(as_text=True)
    client.post(f"/staff/disclosures/{doc_id}/approve", data={"comment": "同意"})
    response = client.post(f"/staff/disclosures/{doc_id}/publish")
    assert response.status_code == 302
    public = client.get(f"/disclosures/{doc_id}").get_data(as_text=True)
    assert "网页上新建的信息" in public and "实施方案.pdf" in public
    file_id = db.session.get(Disclosure, doc_id).attachments[0].stored_file_id
    download = client.get(f"/disclosures/{doc_id}/attachments/{file_id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "%E5%AE%9E%E6%96%BD%E6%96%B9%E6%A1%88.pdf" in download.headers["Content-Disposition"]


@pytest.mark.parametrize("name,content", [
    ("a.pdf.html", b"<html><script>alert(1)</script></html>"),
    ("通知.pdf", b"<html><body>not a pdf</body></html>"),
    ("../../etc/passwd", b"root:x:0:0"),
])
def test_disguised_uploads_are_refused_and_audited(client, login, staff, draft_input,
                                                   name, content):
    draft = services.create_draft(staff["editor"], draft_input())
    login(staff["editor"])
    response = client.post(f"/staff/disclosures/{draft.id}/attachments",
                           data={"files": (io.BytesIO(content), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Disclosure, draft.id).attachments == []
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.result == "rejected" and event.action == "attachment.reject"


def test_oversized_upload_is_413(client, login, staff, draft_input, app):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    draft = services.create_draft(staff["editor"], draft_input())
    login(staff["editor"])
    response = client.post(f"/staff/disclosures/{draft.id}/attachments",
                           data={"files": (io.BytesIO(PDF + b"0" * 4096), "大文件.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "大小" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Disclosure, draft.id).attachments == []


def test_request_over_the_route_limit_is_413_page(client, login, staff, draft_input, app):
    app.config["ATTACHMENT_MAX_BYTES"] = 100
    app.config["FORM_MAX_BYTES"] = 2048
    draft = services.create_draft(staff["editor"], draft_input())
    login(staff["editor"])
    response = client.post(f"/staff/disclosures/{draft.id}/attachments",
                           data={"files": (io.BytesIO(b"x" * 10000), "a.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "提交内容过大" in response.get_data(as_text=True)


def test_staff_sees_versions_of_published_document(client, login, published, staff,
                                                   draft_input):
    doc = published()
    services.update(staff["editor"], doc.id, draft_input(title="第二稿"))
    revisions.approve(staff["reviewer"], doc.id)
    login(staff["reviewer"])
    page = client.get(f"/staff/disclosures/{doc.id}").get_data(as_text=True)
    assert "第 1 版" in page
    old = client.get(f"/staff/disclosures/{doc.id}/versions/1").get_data(as_text=True)
    assert "双塔镇2026年度法治政府建设情况报告" in old


def test_path_traversal_name_is_refused_and_audited(client, login, staff, draft_input):
    draft = services.create_draft(staff["editor"], draft_input())
    login(staff["editor"])
    response = client.post(f"/staff/disclosures/{draft.id}/attachments",
                           data={"files": (io.BytesIO(PDF), "../../通知.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "路径" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Disclosure, draft.id).attachments == []
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.result) == ("attachment.reject", "rejected")


def test_script_in_rich_text_is_refused_keeping_the_input(client, login, staff, orgs):
    login(staff["editor"])
    body = '<p>通知正文</p><script>alert("x")</script>'
    response = client.post("/staff/disclosures/new", data=_form(
        organization=str(orgs["town"].id), body_html=body))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "不安全" in html and "&lt;script&gt;" in html  # the typed body is still there
    assert db.session.scalar(select(Disclosure.id)) is None
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.result) == ("disclosure.unsafe_html", "rejected")


def test_harmless_formatting_from_pasted_pages_is_just_cleaned(client, login, staff, orgs):
    login(staff["editor"])
    body = '<p style="color:red" class="MsoNormal"><span lang="zh">通知正文</span></p>'
    response = client.post("/staff/disclosures/new", data=_form(
        organization=str(orgs["town"].id), body_html=body))
    assert response.status_code == 302
    doc = db.session.scalars(select(Disclosure)).one()
    assert doc.body_html == "<p><span>通知正文</span></p>"


class _DiskFillsUp(io.FileIO):
    """A file on a disk with room for `room` more bytes: then ENOSPC, as the kernel says."""

    room = 100

    def write(self, data):
        if self.tell() + len(data) > self.room:
            super().write(bytes(data)[: self.room - self.tell()])
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def test_upload_to_a_full_disk_is_507_and_leaves_no_file_and_no_row(
        client, login, staff, draft_input, app, monkeypatch):
    from portal.attachments import storage

    monkeypatch.setattr(storage.os, "fdopen", lambda fd, _mode: _DiskFillsUp(fd, "wb"))
    draft = services.create_draft(staff["editor"], draft_input())
    login(staff["editor"])
    response = client.post(f"/staff/disclosures/{draft.id}/attachments",
                           data={"files": (io.BytesIO(PDF + b"0" * 4096), "实施方案.pdf")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 507
    assert "存储空间不足" in page and "实施方案.pdf" in page
    db.session.expire_all()
    assert db.session.get(Disclosure, draft.id).attachments == []
    assert db.session.scalars(select(StoredFile)).all() == []
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert [p for p in folder.rglob("*") if p.is_file()] == []


def test_a_word_file_too_complex_to_convert_saves_nothing(client, login, staff, orgs, app):
    app.config["IMPORT_TIME_LIMIT_SECONDS"] = 1
    fields = '<w:p>' + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>' * 20_000 + '</w:p>'
    login(staff["editor"])
    response = client.post("/staff/disclosures/new", content_type="multipart/form-data",
                           data={**_form(organization=str(orgs["town"].id)),
                                 "word_file": (io.BytesIO(docx_bytes(fields)), "公告.docx")})

    assert response.status_code == 400
    assert "该 Word 文件过于复杂，无法在 1 秒内完成转换" in response.get_data(as_text=True)
    assert db.session.scalars(select(Disclosure)).all() == []
