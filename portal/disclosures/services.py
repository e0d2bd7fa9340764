"""The disclosure life cycle: draft → submitted → approved → published → withdrawn or
superseded. Every operation checks permission, does the work, records the audit event and
commits once; a change of state goes through `portal.lifecycle.transition` and the table
in `portal.disclosures.lifecycle`. Drafts are edited directly; an edit of a published
document becomes a revision a reviewer approves (`portal.disclosures.revisions`)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import audit
from portal.auth import policy
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.disclosures import content, privacy, revisions
from portal.disclosures.content import DisclosureInput, keep_version, snapshot_json
from portal.disclosures.lifecycle import DISCLOSURE
from portal.disclosures.models import (
    Disclosure,
    DisclosureAttachment,
    DisclosureReview,
    IndexSequence,
    Status,
)
from portal.disclosures.queries import get_disclosure
from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.lifecycle import check, transition
from portal.organizations.models import Organization
from portal.sequences import next_value
from portal.timeutil import to_local, utcnow


def _supersedes(data: DisclosureInput) -> Disclosure | None:
    number = data.supersedes_index.strip()
    if not number:
        return None
    old = db.session.scalar(select(Disclosure).where(Disclosure.index_number == number))
    if old is None or old.status is not Status.PUBLISHED:
        raise ValidationError(f"找不到已发布的索引号为“{number}”的文件。",
                              field="supersedes_index")
    if not data.organization.town or old.organization.town != data.organization.town:
        raise ValidationError("只能替代本镇发布的文件。", field="supersedes_index")
    return old


def create_draft(actor, data: DisclosureInput, notes: list[str] | None = None) -> Disclosure:
    """Start a draft. Requires `editor` on the publishing organization. Remarks for the
    author (e.g. images a Word import left out) are appended to `notes`.

    Raises PermissionDenied or ValidationError.
    """
    require(actor, Role.EDITOR, data.organization, action="disclosure.create")
    content.validate(data)
    disclosure = Disclosure(author_id=actor.id, status=Status.DRAFT, version=1)
    disclosure.supersedes = _supersedes(data)
    content.apply_fields(disclosure, content.input_fields(data, notes))
    db.session.add(disclosure)
    db.session.flush()
    audit.record(actor, "disclosure.create", disclosure, after=snapshot_json(disclosure))
    db.session.commit()
    return disclosure


def update(actor, disclosure_id: int, data: DisclosureInput,
           notes: list[str] | None = None,
           correction: revisions.Correction | None = None) -> Disclosure:
    """Edit a draft; the previous state is kept as a version. Requires `editor` on both the
    current and the new organization. A published document is not changed: the edit
    becomes its pending revision (`revisions.propose`, with `correction`).

    Raises PermissionDenied, InvalidTransition, Conflict or ValidationError.
    """
    disclosure = get_disclosure(disclosure_id)
    if disclosure.status is Status.PUBLISHED:
        revisions.propose(actor, disclosure_id, data, correction, notes)
        return disclosure
    require(actor, Role.EDITOR, disclosure.organization, action="disclosure.update",
            target=disclosure)
    require(actor, Role.EDITOR, data.organization, action="disclosure.update",
            target=disclosure)
    DISCLOSURE.expect(disclosure, "edit")
    content.validate(data, disclosure.catalogue_entry_id)
    before = snapshot_json(disclosure)
    keep_version(actor, disclosure)
    disclosure.supersedes = _supersedes(data)
    content.apply_fields(disclosure, content.input_fields(data, notes))
    audit.record(actor, "disclosure.update", disclosure, before=before,
                 after=snapshot_json(disclosure))
    db.session.commit()
    return disclosure


def submit(actor, disclosure_id: int) -> Disclosure:
    """Send a draft for review. Requires `editor` on its organization."""
    disclosure = get_disclosure(disclosure_id)
    check(actor, disclosure, "submit")
    if not disclosure.body_html.strip() and not disclosure.attachments:
        raise ValidationError("正文和附件不能都为空，请填写正文或上传附件后再提交。")
    privacy.require_clean(disclosure)
    transition(actor, disclosure, "submit")
    db.session.commit()
    return disclosure


def _review_steps() -> int:
    return 2 if int(current_app.config["DISCLOSURE_REVIEW_STEPS"]) >= 2 else 1


def approve(actor, disclosure_id: int, comment: str = "") -> Disclosure:
    """Approve a submission (初审 or 终审). Requires `reviewer` on its organization; the
    author may never approve their own draft, and the 终审 reviewer must differ from the
    初审 reviewer. Raises PermissionDenied or InvalidTransition."""
    disclosure = get_disclosure(disclosure_id)
    check(actor, disclosure, "approve")
    if disclosure.status is Status.SUBMITTED:
        step = 1
        target = Status.FIRST_APPROVED if _review_steps() == 2 else Status.APPROVED
    else:
        step, target = 2, Status.APPROVED
    privacy.require_clean(disclosure)
    db.session.add(DisclosureReview(disclosure=disclosure, step=step, reviewer_id=actor.id,
                                    approved=True, comment=comment.strip()[:1000],
                                    version=disclosure.version))
    transition(actor, disclosure, "approve", target=target, message=comment)
    db.session.commit()
    return disclosure


def _last_review(disclosure: Disclosure, step: int) -> DisclosureReview | None:
    reviews = [r for r in disclosure.reviews if r.step == step and r.approved]
    return reviews[-1] if reviews else None


def reject(actor, disclosure_id: int, comment: str) -> Disclosure:
    """Return a submission to its author with a reason. Requires `reviewer`, not the author."""
    disclosure = get_disclosure(disclosure_id)
    policy.require(actor, "reject", disclosure, audit_action="disclosure.reject")
    if not comment.strip():
        raise ValidationError("退回时请填写退回理由。", field="comment")
    check(actor, disclosure, "reject")
    step = 1 if disclosure.status is Status.SUBMITTED else 2
    db.session.add(DisclosureReview(disclosure=disclosure, step=step, reviewer_id=actor.id,
                                    approved=False, comment=comment.strip()[:1000],
                                    version=disclosure.version))
    transition(actor, disclosure, "reject", message=comment)
    db.session.commit()
    return disclosure


def publish(actor, disclosure_id: int, *, published_at: datetime | None = None) -> Disclosure:
    """Publish an approved disclosure, assigning its 索引号 on first publication and
    marking the document it supersedes. Requires `editor` or `reviewer` on its organization.

    `published_at` records the original date of a document carried over from an earlier
    site (历史信息导入); only an `admin` of the organization may give it. Raises
    PermissionDenied, InvalidTransition or ValidationError.
    """
    disclosure = get_disclosure(disclosure_id)
    check(actor, disclosure, "publish")
    privacy.require_clean(disclosure)
    when = _publication_time(actor, disclosure, published_at)
    if disclosure.index_number is None:
        disclosure.index_number = allocate_index_number(disclosure.organization,
                                                        to_local(when).year)
    disclosure.published_at = when
    disclosure.first_published_at = disclosure.first_published_at or when
    old = disclosure.supersedes
    if old is not None and DISCLOSURE.can(old, "supersede"):
        transition(actor, old, "supersede", data={"by": disclosure.id})
    transition(actor, disclosure, "publish",
               data={"index_number": disclosure.index_number, "published_at": when,
                     "late": disclosure.is_late})
    db.session.commit()
    return disclosure


def _publication_time(actor, disclosure: Disclosure, published_at: datetime | None) -> datetime:
    now = utcnow()
    if published_at is None:
        return now
    require(actor, Role.ADMIN, disclosure.organization, action="disclosure.publish_backdated",
            target=disclosure)
    if published_at > now or to_local(published_at).date() < disclosure.formed_on:
        raise ValidationError("补录的发布时间须在信息形成日期之后、当前时间之前。",
                              field="published_at")
    return published_at


def allocate_index_number(organization: Organization, year: int) -> str:
    """Next `<credit code>/<YYYY>-<NNNNN>`. The row lock (or SQLite's write lock, which
    every writing transaction holds) keeps two publications from taking the same serial."""
    prefix = organization.index_code
    if not prefix:
        raise Conflict(f"“{organization.full_name}”及其上级均未设置统一社会信用代码，"
                       "无法生成索引号。")
    return f"{prefix}/{year}-{next_value(IndexSequence, prefix=prefix, year=year):05d}"


def withdraw(actor, disclosure_id: int, reason: str) -> Disclosure:
    """Take a published disclosure off the public site. Requires `reviewer`; a reason is
    required and kept. Its 索引号 stays with it and is never reused."""
    disclosure = get_disclosure(disclosure_id)
    policy.require(actor, "withdraw", disclosure, audit_action="disclosure.withdraw")
    if not reason.strip():
        raise ValidationError("撤回时请填写撤回原因。", field="reason")
    check(actor, disclosure, "withdraw")
    disclosure.withdrawn_reason = reason.strip()[:500]
    transition(actor, disclosure, "withdraw", message=reason)
    db.session.commit()
    return disclosure


def add_attachments(actor, disclosure_id: int, files: list[FileStorage], *,
                    confirmed: bool = False) -> Disclosure:
    """Attach files to a draft (checked by content and scanned for personal data).
    Requires `editor`. With `confirmed` the editor records that they checked the files no
    machine can read (images, scans; audited). Nothing is saved if any file is refused.
    On a published document the files are proposed in its pending revision
    (`revisions.add_files`), where personal data is refused at once."""
    disclosure = get_disclosure(disclosure_id)
    if disclosure.status is Status.PUBLISHED:
        revisions.add_files(actor, disclosure_id, files, confirmed=confirmed)
        return disclosure
    require(actor, Role.EDITOR, disclosure.organization, action="attachment.upload",
            target=disclosure)
    DISCLOSURE.expect(disclosure, "attach")
    files = content.chosen(files, len(disclosure.attachments))
    position = len(disclosure.attachments)
    saved = content.store_files(actor, disclosure, files, confirmed=confirmed)
    for offset, stored in enumerate(saved):
        disclosure.attachments.append(
            DisclosureAttachment(file=stored, position=position + offset))
    disclosure.updated_at = utcnow()
    db.session.commit()
    return disclosure


def remove_attachment(actor, disclosure_id: int, file_id: int) -> Disclosure:
    """Detach a file from a draft. Requires `editor`. On a published document the removal
    is proposed in its pending revision (`revisions.remove_file`)."""
    disclosure = get_disclosure(disclosure_id)
    if disclosure.status is Status.PUBLISHED:
        revisions.remove_file(actor, disclosure_id, file_id)
        return disclosure
    require(actor, Role.EDITOR, disclosure.organization, action="attachment.remove",
            target=disclosure)
    DISCLOSURE.expect(disclosure, "detach")
    link = next((a for a in disclosure.attachments if a.stored_file_id == file_id), None)
    if link is None:
        raise ValidationError("该附件不属于此信息。")
    disclosure.attachments.remove(link)
    audit.record(actor, "attachment.remove", disclosure,
                 before={"file": link.file.display_name})
    disclosure.updated_at = utcnow()
    db.session.commit()
    return disclosure
