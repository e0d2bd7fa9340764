"""The review flow: 先审后发, separation of duties, 索引号, versions, withdrawal."""

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.disclosures import revisions, services
from portal.disclosures.models import Disclosure, Status
from portal.errors import InvalidTransition, PermissionDenied, ValidationError
from portal.extensions import db
from portal.timeutil import LOCAL_TZ, local_now


def actions(object_id=None):
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    events = db.session.scalars(stmt).all()
    return [(e.action, e.result) for e in events
            if object_id is None or e.object_id == str(object_id)]


def test_draft_to_published_assigns_index_number(staff, draft_input, orgs):
    draft = services.create_draft(staff["editor"], draft_input())
    assert draft.status is Status.DRAFT and draft.index_number is None

    services.submit(staff["editor"], draft.id)
    services.approve(staff["reviewer"], draft.id, "同意")
    published = services.publish(staff["editor"], draft.id)

    assert published.status is Status.PUBLISHED
    year = local_now().year
    assert published.index_number == f"{orgs['town'].credit_code}/{year}-00001"
    assert re.fullmatch(r"[0-9A-Z]{18}/\d{4}-\d{5}", published.index_number)
    assert [a for a, _ in actions(draft.id)] == [
        "disclosure.create", "disclosure.submit", "disclosure.approve", "disclosure.publish"]


def test_index_numbers_are_never_reused_after_withdrawal(published, staff):
    first = published(title="第一份")
    services.withdraw(staff["reviewer"], first.id, "内容有误")
    second = published(title="第二份")
    assert first.index_number.endswith("-00001")
    assert second.index_number.endswith("-00002")
    assert first.status is Status.WITHDRAWN and first.index_number.endswith("-00001")


def test_department_uses_town_credit_code(published, orgs):
    doc = published(organization=orgs["office"])
    assert doc.index_number.startswith(orgs["town"].credit_code + "/")


def test_author_cannot_approve_own_draft_and_attempt_is_audited(staff, draft_input, client):
    author = staff["editor_reviewer"]
    draft = services.create_draft(author, draft_input())
    services.submit(author, draft.id)
    with pytest.raises(PermissionDenied, match="自己"):
        services.approve(author, draft.id)
    db.session.rollback()
    assert db.session.get(Disclosure, draft.id).status is Status.SUBMITTED


def test_two_step_review_needs_two_different_reviewers(app, staff, draft_input):
    app.config["DISCLOSURE_REVIEW_STEPS"] = 2
    draft = services.create_draft(staff["editor"], draft_input())
    services.submit(staff["editor"], draft.id)
    services.approve(staff["reviewer"], draft.id)
    assert draft.status is Status.FIRST_APPROVED
    with pytest.raises(InvalidTransition):
        services.publish(staff["editor"], draft.id)
    db.session.rollback()
    with pytest.raises(PermissionDenied, match="初审以外"):
        services.approve(staff["reviewer"], draft.id)
    db.session.rollback()
    services.approve(staff["reviewer2"], draft.id)
    assert db.session.get(Disclosure, draft.id).status is Status.APPROVED
    steps = [(r.step, r.reviewer.username) for r in draft.reviews]
    assert steps == [(1, "reviewer"), (2, "reviewer2")]


def test_reject_returns_to_draft_with_reason(staff, draft_input):
    draft = services.create_draft(staff["editor"], draft_input())
    services.submit(staff["editor"], draft.id)
    with pytest.raises(ValidationError):
        services.reject(staff["reviewer"], draft.id, "  ")
    db.session.rollback()
    services.reject(staff["reviewer"], draft.id, "请补充发文字号")
    assert draft.status is Status.DRAFT
    assert draft.reviews[-1].comment == "请补充发文字号" and not draft.reviews[-1].approved


def test_editor_of_another_town_cannot_edit(staff, draft_input):
    draft = services.create_draft(staff["editor"], draft_input())
    with pytest.raises(PermissionDenied):
        services.update(staff["other_editor"], draft.id, draft_input(title="改掉"))
    db.session.rollback()
    assert db.session.get(Disclosure, draft.id).title == "双塔镇2026年度法治政府建设情况报告"


def test_editor_cannot_publish_for_another_town(staff, draft_input, orgs):
    with pytest.raises(PermissionDenied):
        services.create_draft(staff["editor"], draft_input(organization=orgs["other_town"]))


def test_publishing_requires_approval(staff, draft_input):
    draft = services.create_draft(staff["editor"], draft_input())
    with pytest.raises(InvalidTransition):
        services.publish(staff["editor"], draft.id)


def test_empty_draft_cannot_be_submitted(staff, draft_input):
    draft = services.create_draft(staff["editor"], draft_input(body_html=""))
    with pytest.raises(ValidationError, match="正文和附件"):
        services.submit(staff["editor"], draft.id)


def test_editing_published_document_keeps_previous_version(published, staff, draft_input):
    doc = published()
    services.update(staff["editor"], doc.id, draft_input(title="修订后的标题"))
    assert db.session.get(Disclosure, doc.id).version == 1  # waiting for review
    revisions.approve(staff["reviewer"], doc.id)
    assert doc.title == "修订后的标题" and doc.version == 2
    [kept] = doc.versions
    assert kept.snapshot["title"] == "双塔镇2026年度法治政府建设情况报告"
    assert kept.was_published
    assert doc.status is Status.PUBLISHED
    assert doc.index_number.endswith("-00001")


def test_published_document_keeps_its_organization(published, staff, draft_input, orgs):
    doc = published()
    with pytest.raises(ValidationError, match="发布机构"):
        services.update(staff["editor"], doc.id, draft_input(organization=orgs["office"]))


def test_superseding_marks_old_document(published, staff, draft_input):
    old = published(title="旧办法")
    new = published(title="新办法", supersedes_index=old.index_number)
    assert old.status is Status.SUPERSEDED
    assert new.supersedes_id == old.id


def test_supersede_unknown_index_number_is_refused(staff, draft_input):
    with pytest.raises(ValidationError, match="找不到"):
        services.create_draft(staff["editor"], draft_input(supersedes_index="X/2020-00001"))


def test_withdraw_needs_reason_and_reviewer(published, staff):
    doc = published()
    with pytest.raises(ValidationError):
        services.withdraw(staff["reviewer"], doc.id, "")
    db.session.rollback()
    with pytest.raises(PermissionDenied):
        services.withdraw(staff["editor"], doc.id, "错误")
    db.session.rollback()
    services.withdraw(staff["reviewer"], doc.id, "信息有误，更正后重新发布")
    assert doc.status is Status.WITHDRAWN


def test_script_in_body_is_refused_naming_what_was_found(staff, draft_input):
    body = '<p onclick="x()">正文</p><script>alert(1)</script><img src=x onerror=alert(2)>'
    with pytest.raises(ValidationError) as refused:
        services.create_draft(staff["editor"], draft_input(body_html=body))
    assert "<script>" in refused.value.message and "onclick" in refused.value.message
    assert refused.value.action == "disclosure.unsafe_html"


def test_disallowed_but_inert_markup_is_cleaned(staff, draft_input):
    draft = services.create_draft(staff["editor"], draft_input(
        body_html='<h1 style="x">标题</h1><p class="c">正文</p><img src="http://x/a.png">'))
    assert draft.body_html == "<h2>标题</h2><p>正文</p>"


def test_plain_text_body_becomes_paragraphs(staff, draft_input):
    draft = services.create_draft(staff["editor"], draft_input(body_html="第一段\n\n第二段 & 𠀀"))
    assert draft.body_html == "<p>第一段</p>\n<p>第二段 &amp; 𠀀</p>"


def test_repealed_needs_date(staff, draft_input):
    from portal.disclosures.models import Validity

    with pytest.raises(ValidationError, match="废止日期"):
        services.create_draft(staff["editor"], draft_input(validity=Validity.REPEALED))


def test_backdated_publication_only_for_admin(staff, draft_input):
    draft = services.create_draft(staff["editor"], draft_input(formed_on=date(2023, 2, 23)))
    services.submit(staff["editor"], draft.id)
    services.approve(staff["reviewer"], draft.id)
    when = datetime(2023, 2, 24, 10, tzinfo=LOCAL_TZ)
    with pytest.raises(PermissionDenied):
        services.publish(staff["editor"], draft.id, published_at=when)
    db.session.rollback()


def test_future_formed_date_is_refused(staff, draft_input):
    with pytest.raises(ValidationError, match="晚于今天"):
        services.create_draft(staff["editor"], draft_input(
            formed_on=local_now().date() + timedelta(days=1)))
