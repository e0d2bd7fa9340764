"""Revisions in the browser: the editor's form, the reviewer's diff and decision."""

import io
import re
from html import unescape

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.audit.models import AuditEvent
from portal.disclosures import revisions, services
from portal.disclosures.models import Disclosure, DisclosureRevision, RevisionStatus
from portal.extensions import db
from tests.sample_files import PDF

ORIGINAL_TITLE = "双塔镇2026年度法治政府建设情况报告"


def edit_form(doc, **changes) -> dict:
    data = {"organization": str(doc.organization_id), "category": doc.category.value,
            "title": doc.title, "body_html": doc.body_html,
            "formed_on": doc.formed_on.isoformat(), "written_on": "",
            "doc_number": doc.doc_number, "topic": doc.topic, "keywords": doc.keywords,
            "mode": doc.mode.value, "validity": doc.validity.value, "repealed_on": "",
            "source": doc.source, "supersedes_index": "", "correction_note": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def pending(doc_id: int) -> DisclosureRevision | None:
    db.session.expire_all()
    return db.session.get(Disclosure, doc_id).pending_revision


def test_the_edit_page_says_the_change_waits_for_review(client, login, published, staff):
    doc = published()
    login(staff["editor"])
    page = text_of(client.get(f"/staff/disclosures/{doc.id}/edit"))
    assert "审核通过后" in page and "实质性修改" in page and "更正说明" in page


def test_a_revision_through_the_form_waits_and_shows_its_diff(client, login, published,
                                                             staff):
    doc = published()
    services.add_attachments(staff["editor"], doc.id,
                             [FileStorage(io.BytesIO(PDF), "旧附件.pdf")])
    revisions.approve(staff["reviewer"], doc.id)
    doc = db.session.get(Disclosure, doc.id)
    login(staff["editor"])
    response = client.post(f"/staff/disclosures/{doc.id}/edit", data=edit_form(
        doc, title="修订后的标题", keywords="法治政府 修订",
        body_html="<p>一、主要举措和成效</p><p>深化政务公开标准化建设。</p>"))
    assert response.status_code == 302
    old_file = doc.attachments[0].stored_file_id
    client.post(f"/staff/disclosures/{doc.id}/attachments",
                data={"files": (io.BytesIO(PDF), "新附件.pdf")},
                content_type="multipart/form-data")
    client.post(f"/staff/disclosures/{doc.id}/attachments/{old_file}/delete")
    assert "已提交审核" in text_of(client.get(f"/staff/disclosures/{doc.id}"))

    assert ORIGINAL_TITLE in text_of(client.get(f"/disclosures/{doc.id}"))
    client.post("/logout")
    login(staff["reviewer"])
    page = text_of(client.get(f"/staff/disclosures/{doc.id}"))
    diff = page[page.index("待审核的修订"):]
    assert "审核通过，修订生效" in diff
    assert "修订后的标题" in diff and ORIGINAL_TITLE in diff
    assert "法治政府 修订" in diff
    assert re.search(r"<del[^>]*>[^<]*体系", diff) and re.search(r"<ins[^>]*>[^<]*标准化", diff)
    assert "新增附件" in diff and "新附件.pdf" in diff
    assert "删除附件" in diff and "旧附件.pdf" in diff


def test_the_staff_home_lists_pending_revisions_for_reviewers(client, login, published,
                                                             staff, draft_input):
    doc = published()
    revisions.propose(staff["editor"], doc.id, draft_input(title="等待审核的修订"))
    login(staff["reviewer"])
    home = text_of(client.get("/staff/"))
    assert "修订待审核" in home and ORIGINAL_TITLE in home


def test_a_substantive_revision_without_a_note_keeps_the_input(client, login, published,
                                                              staff):
    doc = published()
    login(staff["editor"])
    response = client.post(f"/staff/disclosures/{doc.id}/edit", data=edit_form(
        doc, title="我改过的标题", substantive="y", correction_note=""))
    page = text_of(response)
    assert response.status_code == 400
    assert "请填写更正说明" in page and "我改过的标题" in page
    assert pending(doc.id) is None


def test_personal_data_in_a_revision_is_refused_keeping_the_input(client, login, published,
                                                                 staff):
    doc = published()
    login(staff["editor"])
    response = client.post(f"/staff/disclosures/{doc.id}/edit", data=edit_form(
        doc, body_html="<p>请联系王主任 13812345678</p>", title="我改过的标题"))
    page = text_of(response)
    assert response.status_code == 400
    assert "个人信息" in page and "手机号" in page
    assert "13812345678" in page and "我改过的标题" in page
    assert pending(doc.id) is None


def test_a_second_editor_is_told_a_revision_is_pending(client, login, published, staff,
                                                      draft_input):
    doc = published()
    revisions.propose(staff["editor"], doc.id, draft_input(title="第一份修订"))
    login(staff["editor_reviewer"])
    assert "已有待审核的修订" in text_of(client.get(f"/staff/disclosures/{doc.id}/edit"))
    response = client.post(f"/staff/disclosures/{doc.id}/edit",
                           data=edit_form(doc, title="第二份修订"))
    page = text_of(response)
    assert response.status_code == 409
    assert "已有待审核的修订" in page and "第二份修订" in page
    assert pending(doc.id).proposal.title == "第一份修订"


def test_the_author_edits_the_pending_revision_in_the_form(client, login, published, staff,
                                                          draft_input):
    doc = published()
    revisions.propose(staff["editor"], doc.id, draft_input(title="第一稿"),
                      revisions.Correction(substantive=True, note="原说明"))
    login(staff["editor"])
    page = text_of(client.get(f"/staff/disclosures/{doc.id}/edit"))
    assert 'value="第一稿"' in page and "原说明" in page


def test_self_approval_through_the_page_keeps_the_comment(client, login, published, staff,
                                                         draft_input):
    doc = published()
    author = staff["editor_reviewer"]
    revision = revisions.propose(author, doc.id, draft_input(title="自己的修订"))
    login(author)
    response = client.post(f"/staff/disclosures/{doc.id}/revision/approve",
                           data={"comment": "我觉得可以", "seen": revision.digest})
    page = text_of(response)
    assert response.status_code == 403
    assert "不能审核自己提交的修订" in page and "我觉得可以" in page
    assert pending(doc.id).status is RevisionStatus.PENDING
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.result) == ("disclosure.revision_approve", "denied")


def test_sending_back_without_a_reason_keeps_nothing_and_says_why(client, login, published,
                                                                 staff, draft_input):
    doc = published()
    revision = revisions.propose(staff["editor"], doc.id, draft_input(title="有问题的修订"))
    login(staff["reviewer"])
    response = client.post(f"/staff/disclosures/{doc.id}/revision/return",
                           data={"comment": "", "seen": revision.digest})
    assert response.status_code == 400 and "退回理由" in text_of(response)
    assert pending(doc.id) is not None
    response = client.post(f"/staff/disclosures/{doc.id}/revision/return",
                           data={"comment": "标题仍不准确", "seen": revision.digest})
    assert response.status_code == 302
    client.post("/logout")
    login(staff["editor"])
    page = text_of(client.get(f"/staff/disclosures/{doc.id}"))
    assert "标题仍不准确" in page and "修订（须经审核）" in page


def test_staff_download_a_file_waiting_in_a_revision(client, login, published, staff):
    doc = published()
    services.add_attachments(staff["editor"], doc.id,
                             [FileStorage(io.BytesIO(PDF), "待审附件.pdf")])
    file_id = pending(doc.id).proposal.attachment_ids[0]
    assert client.get(f"/disclosures/{doc.id}/attachments/{file_id}").status_code == 404
    login(staff["reviewer"])
    response = client.get(f"/staff/disclosures/{doc.id}/attachments/{file_id}")
    assert response.status_code == 200 and response.data == PDF


def test_the_author_discards_the_revision_on_the_page(client, login, published, staff,
                                                      draft_input):
    doc = published()
    revisions.propose(staff["editor"], doc.id, draft_input(title="不要了"))
    login(staff["editor"])
    assert client.post(f"/staff/disclosures/{doc.id}/revision/discard").status_code == 302
    assert pending(doc.id) is None
