"""The index follows publication, revision and withdrawal in the same transaction."""

import io
import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from portal.disclosures import revisions
from portal.disclosures import services as disclosures
from portal.disclosures.models import Category, Disclosure, Status
from portal.extensions import db
from portal.inquiries import submission
from portal.personal_data.texts import PersonalDataFound
from portal.search import index
from portal.search.models import SearchDocument
from portal.search.tokens import query_tokens
from portal.timeutil import local_today
from portal.villages import services as villages
from portal.villages.models import NoticeCategory


def found(query: str) -> set[tuple[str, int]]:
    page = index.search(index.SearchQuery(tokens=query_tokens(query), size=50))
    return {(hit.kind, hit.ref_id) for hit in page.items}


def edit_input(doc: Disclosure, **changes) -> disclosures.DisclosureInput:
    fields = dict(organization=doc.organization, category=doc.category, title=doc.title,
                  body_html=doc.body_html, formed_on=doc.formed_on)
    fields.update(changes)
    return disclosures.DisclosureInput(**fields)


def test_drafts_are_not_indexed_until_published(people, orgs):
    draft = disclosures.create_draft(people["editor"], disclosures.DisclosureInput(
        organization=orgs["town"], category=Category.RESULT, title="低保资金发放情况说明",
        body_html="说明", formed_on=local_today() - timedelta(days=1)))
    assert ("disclosure", draft.id) not in found("低保")
    disclosures.submit(people["editor"], draft.id)
    disclosures.approve(people["reviewer"], draft.id)
    assert ("disclosure", draft.id) not in found("低保")
    disclosures.publish(people["editor"], draft.id)
    assert ("disclosure", draft.id) in found("低保")


def test_withdrawal_removes_the_entry_in_the_same_transaction(corpus):
    doc_id = corpus.ids["D2"]
    reviewer = corpus.people["reviewer"]
    # A withdrawal that fails and rolls back leaves the entry in place…
    doc = db.session.get(Disclosure, doc_id)
    doc.status = Status.WITHDRAWN
    db.session.flush()
    assert ("disclosure", doc_id) not in found("低保")  # same transaction: already gone
    db.session.rollback()
    assert ("disclosure", doc_id) in found("低保")
    # …and a committed one removes it with the withdrawal itself.
    disclosures.withdraw(reviewer, doc_id, "内容有误")
    assert ("disclosure", doc_id) not in found("低保")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchDocument).where(
        SearchDocument.kind == "disclosure", SearchDocument.ref_id == doc_id)) == 0


def test_revision_replaces_the_indexed_text(corpus):
    doc = db.session.get(Disclosure, corpus.ids["D3"])
    disclosures.update(corpus.people["editor"], doc.id, edit_input(
        doc, title="双塔镇农村住房建设管理办法", body_html="<p>规范农村住房建设。</p>"))
    assert ("disclosure", doc.id) in found("宅基地")  # until a reviewer approves
    assert ("disclosure", doc.id) not in found("住房建设")
    revisions.approve(corpus.people["reviewer"], doc.id)
    assert ("disclosure", doc.id) not in found("宅基地")
    assert ("disclosure", doc.id) in found("住房建设")


def test_superseded_documents_stay_searchable(corpus, publish):
    old = db.session.get(Disclosure, corpus.ids["D1"])
    draft = disclosures.create_draft(corpus.people["editor"], edit_input(
        old, title="双塔镇2022年度法治政府建设工作报告（修订）",
        supersedes_index=old.index_number))
    disclosures.submit(corpus.people["editor"], draft.id)
    disclosures.approve(corpus.people["reviewer"], draft.id)
    disclosures.publish(corpus.people["editor"], draft.id)
    assert {("disclosure", old.id), ("disclosure", draft.id)} <= found("法治政府")


def test_village_notice_withdrawal(corpus):
    notice_id = corpus.ids["N2"]
    villages.withdraw(corpus.people["reviewer"], notice_id, "信息有误")
    assert ("notice", notice_id) not in found("宅基地")


def test_a_reopened_reply_stays_findable_as_the_record_it_is(corpus):
    """重新办理 keeps the reply given (the public list marks it as being handled again),
    so search keeps finding it."""
    from portal.inquiries.models import Inquiry, Rating

    inquiry = db.session.get(Inquiry, corpus.ids["R1"])
    inquiry.rating = Rating.UNSATISFIED
    db.session.commit()
    handling = submission.reopen(inquiry.id, "答复不清楚")
    assert ("reply", inquiry.id) in found("低保")
    assert ("reply", handling.id) not in found("低保")


def test_a_broken_attachment_never_breaks_publication(corpus, publish, caplog, monkeypatch):
    """A file no machine can read waits for a person's check (已人工核对); once checked,
    the document publishes and is found by its text, the file adding nothing."""
    from portal.attachments import text as extract

    # Alembic's logging setup in the migrated template disables loggers made before it.
    monkeypatch.setattr(extract.log, "disabled", False)

    def broken():
        return FileStorage(io.BytesIO(b"%PDF-1.4\n this is not really a pdf"), "坏文件.pdf")

    with pytest.raises(PersonalDataFound, match=r"坏文件\.pdf"):
        publish("town", "未经核对的公告", "<p>见附件。</p>", Category.SERVICE, [broken()])
    db.session.rollback()
    with caplog.at_level(logging.WARNING, logger="portal.attachments.text"):
        doc = publish("town", "关于危房改造补助的公告", "<p>见附件。</p>", Category.SERVICE,
                      [broken()], confirmed=True)
    assert doc.status is Status.PUBLISHED
    assert ("disclosure", doc.id) in found("危房改造")
    assert "not read completely" in caplog.text


def test_notice_published_with_finance_rows_is_found_by_an_item(corpus):
    assert ("notice", corpus.ids["N4"]) in found("人居环境")


def test_reindex_rebuilds_everything(corpus, runner):
    db.session.execute(sa.delete(SearchDocument))
    db.session.commit()
    villages_notice = villages.get_notice(corpus.ids["N1"])
    assert villages_notice.category is NoticeCategory.RELIEF
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "已索引 13 篇" in result.output
    assert ("disclosure", corpus.ids["D5"]) in found("猕猴桃")
    assert len(found("低保")) == 3
