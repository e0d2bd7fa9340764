"""先审后发 for edits: a change to a published document is a revision that a reviewer other
than its author approves; until then the public sees the approved version."""

import io

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from portal.audit.models import AuditEvent
from portal.disclosures import privacy, queries, revisions, services
from portal.disclosures.models import Disclosure, DisclosureRevision, RevisionStatus
from portal.errors import Conflict, InvalidTransition, PermissionDenied, ValidationError
from portal.extensions import db
from portal.pagecache.models import SINGLETON_ID, ContentVersion
from portal.personal_data.texts import PersonalDataFound
from portal.search import index
from portal.search.tokens import query_tokens
from tests.attachments.conftest import docx_bytes, paragraph
from tests.sample_files import PDF

ORIGINAL_TITLE = "双塔镇2026年度法治政府建设情况报告"


def pdf(name: str) -> FileStorage:
    return FileStorage(io.BytesIO(PDF), name)


def reload(doc_id: int) -> Disclosure:
    db.session.expire_all()
    return db.session.get(Disclosure, doc_id)


def revision_rows() -> list[DisclosureRevision]:
    return list(db.session.scalars(select(DisclosureRevision).order_by(DisclosureRevision.id)))


def actions(doc_id: int) -> list[tuple[str, str]]:
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "disclosures", AuditEvent.object_id == str(doc_id))
        .order_by(AuditEvent.id))
    return [(e.action, e.result) for e in events]


def content_version() -> int:
    return db.session.get(ContentVersion, SINGLETON_ID).version


def found(query: str) -> set[int]:
    page = index.search(index.SearchQuery(tokens=query_tokens(query), size=50))
    return {hit.ref_id for hit in page.items if hit.kind == "disclosure"}


def test_editing_a_published_document_proposes_a_revision_and_changes_nothing(
        published, staff, draft_input):
    doc = published()
    services.update(staff["editor"], doc.id, draft_input(
        title="修订后的标题", body_html="<p>修订后的正文。</p>"))

    doc = reload(doc.id)
    assert doc.title == ORIGINAL_TITLE and doc.version == 1 and doc.versions == []
    revision = doc.pending_revision
    assert revision.status is RevisionStatus.PENDING and revision.author.username == "editor"
    assert revision.proposal.title == "修订后的标题"
    assert revision.proposal.body_html == "<p>修订后的正文。</p>"
    assert revision.proposed["index_number"] == doc.index_number
    assert ("disclosure.revision_propose", "ok") in actions(doc.id)
    assert doc.id in found("法治政府") and doc.id not in found("修订后")


def test_approval_applies_the_revision_and_keeps_the_previous_version(
        published, staff, draft_input):
    doc = published()
    revisions.propose(staff["editor"], doc.id, draft_input(title="修订后的标题"))
    before = content_version()

    revisions.approve(staff["reviewer"], doc.id, "同意修订")

    doc = reload(doc.id)
    assert doc.title == "修订后的标题" and doc.version == 2 and doc.pending_revision is None
    [kept] = doc.versions
    assert kept.snapshot["title"] == ORIGINAL_TITLE and kept.was_published
    assert kept.edited_by.username == "editor"
    [revision] = doc.revisions
    assert revision.status is RevisionStatus.APPROVED
    assert (revision.reviewer.username, revision.review_comment) == ("reviewer", "同意修订")
    assert content_version() > before
    assert doc.id in found("修订后的标题")
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "disclosure.revision_approve")).one()
    assert event.before["title"] == ORIGINAL_TITLE and event.after["title"] == "修订后的标题"
    assert event.message == "同意修订"


def test_nobody_approves_their_own_revision(published, staff, draft_input):
    author = staff["editor_reviewer"]
    doc = published()
    revisions.propose(author, doc.id, draft_input(title="自己改的"))
    with pytest.raises(PermissionDenied, match="自己"):
        revisions.approve(author, doc.id)
    db.session.rollback()
    with pytest.raises(PermissionDenied, match="自己"):
        revisions.send_back(author, doc.id, "退回自己的")
    db.session.rollback()
    doc = reload(doc.id)
    assert doc.title == ORIGINAL_TITLE
    assert doc.pending_revision.status is RevisionStatus.PENDING


def test_only_a_reviewer_of_the_organization_decides(published, staff, draft_input):
    doc = published()
    revisions.propose(staff["editor"], doc.id, draft_input(title="改"))
    for actor in (staff["editor"], staff["other_editor"]):
        with pytest.raises(PermissionDenied):
            revisions.approve(actor, doc.id)
        db.session.rollback()
    with pytest.raises(PermissionDenied):
        revisions.propose(staff["other_editor"], doc.id, draft_input(title="外镇改"))
    db.session.rollback()
    assert reload(doc.id).title == ORIGINAL_TITLE


def test_sending_back_needs_a_reason_and_leaves_the_document(published, staff, draft_input):
    doc = published()
    revisions.propose(staff["editor"], doc.id, draft_input(title="有错的修订"))
    with pytest.raises(ValidationError, match="退回理由"):
        revisions.send_back(staff["reviewer"], doc.id, "  ")
    db.session.rollback()

    revisions.send_back(staff["reviewer"], doc.id, "标题仍有错字")

    doc = reload(doc.id)
    [revision] = doc.revisions
    assert revision.status is RevisionStatus.RETURNED
    assert revision.review_comment == "标题仍有错字" and doc.title == ORIGINAL_TITLE
    assert doc.pending_revision is None
    revisions.propose(staff["editor"], doc.id, draft_input(title="改正后的修订"))
    assert len(reload(doc.id).revisions) == 2


def test_one_pending_revision_per_document(published, staff, draft_input):
    doc = published()
    revisions.propose(staff["editor"], doc.id, draft_input(title="第一位编辑的修订"))
    with pytest.raises(Conflict, match="待审核的修订"):
        revisions.propose(staff["editor_reviewer"], doc.id, draft_input(title="第二份修订"))
    db.session.rollback()
    with pytest.raises(Conflict, match="待审核的修订"):
        services.add_attachments(staff["editor_reviewer"], doc.id, [pdf("另一份.pdf")])
    db.session.rollback()
    [revision] = revision_rows()
    assert revision.proposal.title == "第一位编辑的修订" and revision.proposal.attachment_ids == []


def test_the_database_itself_keeps_one_pending_revision_per_document(published, staff,
                                                                     draft_input):
    doc = published()
    first = revisions.propose(staff["editor"], doc.id, draft_input(title="先到的修订"))
    db.session.add(DisclosureRevision(disclosure_id=doc.id, author_id=staff["editor_reviewer"].id,
                                      proposed=first.proposed))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    first.status = RevisionStatus.RETURNED
    db.session.add(DisclosureRevision(disclosure_id=doc.id, author_id=staff["editor_reviewer"].id,
                                      proposed=first.proposed))
    db.session.commit()  # a decided revision leaves room for the next


def test_the_author_changes_the_pending_revision(published, staff, draft_input):
    doc = published()
    first = revisions.propose(staff["editor"], doc.id, draft_input(title="第一稿"))
    second = revisions.propose(staff["editor"], doc.id, draft_input(title="第二稿"))
    assert second.id == first.id and second.proposal.title == "第二稿"
    assert second.edit_count == 2
    assert [a for a, _ in actions(doc.id)][-2:] == ["disclosure.revision_propose",
                                                     "disclosure.revision_amend"]


def test_a_word_import_goes_into_the_revision(published, staff, draft_input):
    doc = published()
    word = FileStorage(io.BytesIO(docx_bytes(paragraph("导入的新正文"))), "新正文.docx")
    revisions.propose(staff["editor"], doc.id, draft_input(word_file=word))
    doc = reload(doc.id)
    assert "导入的新正文" in doc.pending_revision.proposal.body_html
    assert "导入的新正文" not in doc.body_html


def test_attachments_added_and_removed_wait_for_approval(client, published, staff,
                                                         draft_input):
    doc = published()
    services.add_attachments(staff["editor"], doc.id, [pdf("原附件.pdf")])
    revisions.approve(staff["reviewer"], doc.id)
    old_id = reload(doc.id).attachments[0].stored_file_id

    services.add_attachments(staff["editor"], doc.id, [pdf("新附件.pdf")])
    services.remove_attachment(staff["editor"], doc.id, old_id)

    doc = reload(doc.id)
    [new_id] = doc.pending_revision.proposal.attachment_ids
    assert [a.stored_file_id for a in doc.attachments] == [old_id]
    assert client.get(f"/disclosures/{doc.id}/attachments/{new_id}").status_code == 404
    assert client.get(f"/disclosures/{doc.id}/attachments/{old_id}").status_code == 200

    revisions.approve(staff["reviewer"], doc.id)

    doc = reload(doc.id)
    assert [a.file.display_name for a in doc.attachments] == ["新附件.pdf"]
    assert client.get(f"/disclosures/{doc.id}/attachments/{new_id}").status_code == 200
    assert client.get(f"/disclosures/{doc.id}/attachments/{old_id}").status_code == 404
    assert doc.versions[-1].snapshot["attachments"] == ["原附件.pdf"]


def test_removing_a_file_only_the_revision_added_takes_it_out_of_the_proposal(
        published, staff):
    doc = published()
    services.add_attachments(staff["editor"], doc.id, [pdf("多余.pdf")])
    file_id = reload(doc.id).pending_revision.proposal.attachment_ids[0]
    services.remove_attachment(staff["editor"], doc.id, file_id)
    assert reload(doc.id).pending_revision.proposal.attachment_ids == []
    with pytest.raises(ValidationError, match="不属于"):
        services.remove_attachment(staff["editor"], doc.id, file_id)


def test_a_substantive_revision_needs_a_correction_note(published, staff, draft_input):
    doc = published()
    with pytest.raises(ValidationError, match="更正说明") as refused:
        revisions.propose(staff["editor"], doc.id, draft_input(title="改了金额"),
                          revisions.Correction(substantive=True, note="  "))
    assert refused.value.field == "correction_note"
    db.session.rollback()
    assert revision_rows() == []


def test_approved_corrections_are_listed_with_their_date(published, staff, draft_input):
    doc = published()
    revisions.propose(staff["editor"], doc.id, draft_input(title="改正错别字"))
    revisions.approve(staff["reviewer"], doc.id)
    revisions.propose(staff["editor"], doc.id, draft_input(
        title="改正错别字", body_html="<p>补助标准由每人每月300元更正为350元。</p>"),
        revisions.Correction(substantive=True, note="补助标准数字有误，已更正。"))
    assert reload(doc.id).corrections == []

    revisions.approve(staff["reviewer"], doc.id)

    [correction] = reload(doc.id).corrections
    assert correction.correction_note == "补助标准数字有误，已更正。"
    assert correction.decided_at is not None
    revisions.propose(staff["editor"], doc.id, draft_input(title="再次更正"),
                      revisions.Correction(substantive=True, note="标题有误，已更正。"))
    revisions.approve(staff["reviewer"], doc.id)
    assert [c.correction_note for c in reload(doc.id).corrections] == [
        "补助标准数字有误，已更正。", "标题有误，已更正。"]


def test_a_note_without_the_substantive_mark_is_not_kept(published, staff, draft_input):
    doc = published()
    revision = revisions.propose(staff["editor"], doc.id, draft_input(title="改字"),
                                 revisions.Correction(substantive=False, note="顺手写的"))
    assert not revision.substantive and revision.correction_note == ""


@pytest.mark.parametrize("where", ["body", "note"])
def test_personal_data_in_a_revision_is_refused_and_nothing_saved(published, staff,
                                                                  draft_input, where):
    doc = published()
    body = "<p>联系电话 13812345678</p>" if where == "body" else "<p>新正文</p>"
    note = "经办人电话 13812345678" if where == "note" else "更正正文"
    with pytest.raises(PersonalDataFound, match="手机号"):
        revisions.propose(staff["editor"], doc.id, draft_input(body_html=body),
                          revisions.Correction(substantive=True, note=note))
    db.session.rollback()
    assert revision_rows() == []


def test_personal_data_is_checked_again_at_approval(published, staff, draft_input):
    doc = published()
    services.add_attachments(staff["editor"], doc.id, [pdf("名单.pdf")])
    revision = reload(doc.id).pending_revision
    stored = privacy.revision_files(revision)[0]
    stored.privacy_state = "found"  # as a later rescan with stricter rules might find
    stored.privacy_places = ["附件“名单.pdf”第 1 页：手机号 138****5678"]
    db.session.commit()

    with pytest.raises(PersonalDataFound, match="名单"):
        revisions.approve(staff["reviewer"], doc.id)
    db.session.rollback()
    doc = reload(doc.id)
    assert doc.attachments == [] and doc.pending_revision is not None


def test_suspected_numbers_the_editor_checked_may_stay(published, staff, draft_input):
    doc = published()
    body = "<p>项目编号 410421199001011230</p>"  # the shape of an ID number, a bad check digit
    with pytest.raises(PersonalDataFound):
        revisions.propose(staff["editor"], doc.id, draft_input(body_html=body))
    db.session.rollback()
    revisions.propose(staff["editor"], doc.id, draft_input(body_html=body),
                      revisions.Correction(suspected_checked=True))
    revisions.approve(staff["reviewer"], doc.id)
    assert "410421199001011230" in reload(doc.id).body_html


def test_an_unchanged_proposal_is_refused(published, staff, draft_input):
    doc = published()
    with pytest.raises(ValidationError, match="没有改动"):
        revisions.propose(staff["editor"], doc.id, draft_input())
    db.session.rollback()
    assert revision_rows() == []


def test_the_reviewer_approves_only_what_they_saw(published, staff, draft_input):
    doc = published()
    seen = revisions.propose(staff["editor"], doc.id, draft_input(title="第一稿")).digest
    revisions.propose(staff["editor"], doc.id, draft_input(title="第二稿"))
    with pytest.raises(Conflict, match="已被修改"):
        revisions.approve(staff["reviewer"], doc.id, seen=seen)
    db.session.rollback()
    latest = reload(doc.id).pending_revision.digest
    revisions.approve(staff["reviewer"], doc.id, seen=latest)
    assert reload(doc.id).title == "第二稿"


def test_a_withdrawn_document_takes_no_revision(published, staff, draft_input):
    doc = published()
    revisions.propose(staff["editor"], doc.id, draft_input(title="改"))
    services.withdraw(staff["reviewer"], doc.id, "内容有误")
    with pytest.raises(InvalidTransition):
        revisions.approve(staff["reviewer2"], doc.id)
    db.session.rollback()
    revisions.send_back(staff["reviewer2"], doc.id, "文件已撤回")
    assert reload(doc.id).pending_revision is None


def test_the_author_may_discard_a_pending_revision(published, staff, draft_input):
    doc = published()
    revisions.propose(staff["editor"], doc.id, draft_input(title="不要了"))
    with pytest.raises(PermissionDenied):
        revisions.discard(staff["editor_reviewer"], doc.id)
    db.session.rollback()
    revisions.discard(staff["editor"], doc.id)
    doc = reload(doc.id)
    assert doc.pending_revision is None and doc.title == ORIGINAL_TITLE
    assert doc.revisions[0].status is RevisionStatus.DISCARDED
    with pytest.raises(Conflict, match="没有待审核的修订"):
        revisions.approve(staff["reviewer"], doc.id)


def test_drafts_are_still_edited_directly(staff, draft_input):
    draft = services.create_draft(staff["editor"], draft_input())
    services.update(staff["editor"], draft.id, draft_input(title="草稿改标题"))
    draft = reload(draft.id)
    assert draft.title == "草稿改标题" and draft.revisions == []
    with pytest.raises(InvalidTransition):
        revisions.propose(staff["editor"], draft.id, draft_input(title="草稿走修订"))


def test_the_reviewers_work_list_includes_pending_revisions(published, staff, draft_input):
    doc = published()
    revisions.propose(staff["editor_reviewer"], doc.id, draft_input(title="待审修订"))
    assert doc.id in [d.id for d in queries.awaiting_review(staff["reviewer"])]
    assert doc.id not in [d.id for d in queries.awaiting_review(staff["editor_reviewer"])]
    revisions.approve(staff["reviewer"], doc.id)
    assert doc.id not in [d.id for d in queries.awaiting_review(staff["reviewer2"])]
