"""先审后发 for edits: an edit of something public is a revision a reviewer approves
(政府信息公开条例 Art. 26 and 国办发〔2019〕54号: published information is accurate, and a
change to it is reviewed as the original was).

- An editor's change to a published disclosure — its fields, its body (typed or imported
  from Word), attachments added or removed — is kept as a pending `DisclosureRevision`
  holding the whole proposed state. The document itself, and with it the public page, the
  JSON API, the feeds, the search index and the page cache, keeps the approved state.
- One revision is pending per document. Its author may change it (or discard it) while it
  waits; any other editor is told it is there.
- A reviewer of the document's organization who is not the revision's author approves it
  (optional comment) or sends it back (with a reason). Approval keeps the previous state
  as a `DisclosureVersion` and applies the revision in one transaction with its audit
  event; the changed document bumps the public content version (portal.pagecache.version)
  and re-indexes itself (portal.search.sync).
- The personal-data gate (`privacy.require_clean_revision`) runs when text or files are
  proposed and again at approval; taking a file away is never blocked by it.
- A substantive revision (实质性修改) needs a 更正说明; once approved the public page and
  the API list it with its date. Other revisions show only 最后修订.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from portal import audit, validation
from portal.attachments.models import StoredFile
from portal.attachments.storage import discard_file
from portal.auth import policy
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.auth.rules import OWN_REVISION
from portal.disclosures import content, privacy
from portal.disclosures.lifecycle import DISCLOSURE
from portal.disclosures.models import (
    Disclosure,
    DisclosureAttachment,
    DisclosureRevision,
    RevisionStatus,
)
from portal.disclosures.queries import get_disclosure
from portal.disclosures.revision_diff import diff
from portal.errors import Conflict, PermissionDenied, ValidationError
from portal.extensions import db
from portal.timeutil import format_local, utcnow


@dataclass
class Correction:
    """How the editor describes a revision. A substantive one (实质性修改) carries a
    更正说明 the public page lists once approved. With `suspected_checked` the editor
    records that the suspected numbers left in the text are nobody's personal data."""

    substantive: bool = False
    note: str = ""
    suspected_checked: bool = False


class OwnRevision(PermissionDenied):
    """A reviewer tried to decide on a revision they wrote."""

    def __init__(self, action: str, target: Disclosure, actor):
        super().__init__(OWN_REVISION, action=action,
                         target=target, actor=actor)


def may_review(actor, revision: DisclosureRevision) -> bool:
    """Whether `actor` may approve or send back `revision`: a reviewer of the document's
    organization who did not write it."""
    return policy.may(actor, "review_revision", revision.disclosure)


def may_amend(actor, revision: DisclosureRevision) -> bool:
    """Whether `actor` may change or discard `revision`: its author, still an editor."""
    return policy.may(actor, "amend_revision", revision.disclosure)


def _published(actor, disclosure_id: int, action: str) -> Disclosure:
    disclosure = get_disclosure(disclosure_id)
    require(actor, Role.EDITOR, disclosure.organization, action=action, target=disclosure)
    DISCLOSURE.expect(disclosure, "revise")
    return disclosure


def _someone_elses(revision: DisclosureRevision) -> Conflict:
    return Conflict(f"已有待审核的修订（{revision.author.display_name}于"
                    f"{format_local(revision.created_at)}提交），审核完成或提交人撤销后"
                    "才能提交新的修订。")


def _open(actor, disclosure: Disclosure) -> tuple[DisclosureRevision, bool]:
    """The actor's pending revision of `disclosure`, or a new one starting from its current
    state; and whether it is new. Raises Conflict while someone else's is pending."""
    revision = disclosure.pending_revision
    if revision is not None:
        if revision.author_id != actor.id:
            raise _someone_elses(revision)
        return revision, False
    revision = DisclosureRevision(disclosure=disclosure, author_id=actor.id, edit_count=0,
                                  proposed=content.state(disclosure))
    db.session.add(revision)
    try:
        db.session.flush()
    except IntegrityError:  # another editor's revision was saved a moment ago
        db.session.rollback()
        raise Conflict("已有待审核的修订，请刷新页面查看。") from None
    return revision, True


def _save(actor, revision: DisclosureRevision, is_new: bool) -> None:
    revision.edit_count += 1
    revision.updated_at = utcnow()
    changes = diff(revision.disclosure, revision.proposal)
    audit.record(actor, "disclosure.revision_propose" if is_new else "disclosure.revision_amend",
                 revision.disclosure,
                 after={"revision": revision.id, "changes": changes.labels,
                        "substantive": revision.substantive,
                        "correction_note": revision.correction_note})


def _note(correction: Correction) -> str:
    if not correction.substantive:
        return ""
    return validation.text(correction.note, field="correction_note", label="更正说明",
                           max_length=500, multiline=True)


def propose(actor, disclosure_id: int, data: content.DisclosureInput,
            correction: Correction | None = None,
            notes: list[str] | None = None) -> DisclosureRevision:
    """Propose a change to a published document, or change the actor's pending proposal.
    Requires `editor` on its organization, which stays. The proposed text, 更正说明 and files
    pass the personal-data gate. Remarks of a Word import are appended to `notes`.

    Raises PermissionDenied, InvalidTransition, Conflict (another editor's revision is
    pending) or ValidationError (PersonalDataFound, a missing 更正说明, no change at all).
    """
    correction = correction or Correction()
    disclosure = _published(actor, disclosure_id, "disclosure.revision_propose")
    if data.organization != disclosure.organization:
        raise ValidationError("已发布文件不能更换发布机构。", field="organization")
    content.validate(data, disclosure.catalogue_entry_id)
    note = _note(correction)
    revision, is_new = _open(actor, disclosure)
    fields = content.input_fields(data, notes)
    del fields["organization"]
    proposed = {**revision.proposed, **content.jsonable(fields)}
    if proposed == content.state(disclosure):
        raise ValidationError("与现行版本相比没有改动，无需提交审核。"
                              + ("" if is_new else "如要放弃这份修订，请点击“撤销修订”。"))
    revision.proposed = proposed
    revision.substantive, revision.correction_note = correction.substantive, note
    if correction.suspected_checked:
        privacy.clear_suspected_in_revision(actor, revision)
    privacy.require_clean_revision(revision)
    _save(actor, revision, is_new)
    db.session.commit()
    return revision


def _with_files(revision: DisclosureRevision, ids: list[int]) -> dict:
    files = content.stored_files(ids)
    return {**revision.proposed, "attachment_ids": [f.id for f in files],
            "attachments": [f.display_name for f in files]}


def add_files(actor, disclosure_id: int, files: list[FileStorage], *,
              confirmed: bool = False) -> DisclosureRevision:
    """Propose attaching files to a published document (stored, scanned and audited now,
    public once the revision is approved). Requires `editor`; with `confirmed` the editor
    records that they checked the files no machine can read. Nothing is kept if a file or
    the revision holds personal data. Raises as `propose`."""
    disclosure = _published(actor, disclosure_id, "attachment.upload")
    revision, is_new = _open(actor, disclosure)
    ids = list(revision.proposal.attachment_ids)
    files = content.chosen(files, len(ids))
    saved = content.store_files(actor, disclosure, files, confirmed=confirmed)
    db.session.flush()
    revision.proposed = _with_files(revision, ids + [stored.id for stored in saved])
    try:
        privacy.require_clean_revision(revision)
    except ValidationError:
        for stored in saved:  # refused: nothing of it stays, on disk either
            discard_file(stored)
        raise
    _save(actor, revision, is_new)
    db.session.commit()
    return revision


def remove_file(actor, disclosure_id: int, file_id: int) -> DisclosureRevision:
    """Propose taking a file off a published document (or out of the pending revision
    that added it). Requires `editor`. Raises as `propose`."""
    disclosure = _published(actor, disclosure_id, "attachment.remove")
    revision, is_new = _open(actor, disclosure)
    ids = revision.proposal.attachment_ids
    if file_id not in ids:
        raise ValidationError("该附件不属于此信息。")
    stored = db.session.get(StoredFile, file_id)
    audit.record(actor, "attachment.remove", disclosure,
                 before={"file": stored.display_name, "revision": revision.id})
    revision.proposed = _with_files(revision, [i for i in ids if i != file_id])
    _save(actor, revision, is_new)
    db.session.commit()
    return revision


def _pending(actor, disclosure_id: int, action: str) -> tuple[Disclosure, DisclosureRevision]:
    """The document and its pending revision, for a reviewer who did not write it."""
    disclosure = get_disclosure(disclosure_id)
    verdict = policy.check(actor, "review_revision", disclosure)
    if verdict is not None and verdict != OWN_REVISION:
        policy.require(actor, "review_revision", disclosure, audit_action=action)
    revision = disclosure.pending_revision
    if revision is None:
        raise Conflict("该信息没有待审核的修订。")
    if verdict == OWN_REVISION:
        raise OwnRevision(action, disclosure, actor)
    return disclosure, revision


def _comment(value: str, *, required: bool) -> str:
    if required and not (value or "").strip():
        raise ValidationError("退回修订时请填写退回理由。", field="comment")
    return validation.text(value, field="comment", label="审核意见", max_length=1000,
                           required=False, multiline=True)


def _set_attachments(disclosure: Disclosure, ids: list[int]) -> None:
    links = {link.stored_file_id: link for link in disclosure.attachments}
    kept = []
    for position, stored in enumerate(content.stored_files(ids)):
        link = links.get(stored.id) or DisclosureAttachment(file=stored)
        link.position = position
        kept.append(link)
    disclosure.attachments = kept


def approve(actor, disclosure_id: int, comment: str = "", *,
            seen: str | None = None) -> Disclosure:
    """Approve the pending revision and apply it: the previous state is kept as a version,
    the public sees the revision from this commit on. Requires `reviewer` on the document's
    organization, not the revision's author; `seen`, when given, is the revision's digest
    as the reviewer saw it. The personal-data gate runs again.

    Raises PermissionDenied (OwnRevision), Conflict (nothing pending, or changed since
    seen), InvalidTransition (the document is no longer published) or ValidationError.
    """
    action = "disclosure.revision_approve"
    disclosure, revision = _pending(actor, disclosure_id, action)
    comment = _comment(comment, required=False)
    if seen is not None and seen != revision.digest:
        raise Conflict("这份修订在您打开页面后已被修改，请查看最新内容后再审核。")
    DISCLOSURE.expect(disclosure, "revise")
    privacy.require_clean_revision(revision)
    before = content.snapshot_json(disclosure)
    content.keep_version(revision.author, disclosure)
    content.apply_fields(disclosure, revision.proposal.fields())
    _set_attachments(disclosure, revision.proposal.attachment_ids)
    _decide(actor, revision, RevisionStatus.APPROVED, comment)
    audit.record(actor, action, disclosure, before=before,
                 after={**content.snapshot_json(disclosure), "revision": revision.id,
                        "substantive": revision.substantive,
                        "correction_note": revision.correction_note},
                 message=comment)
    db.session.commit()
    return disclosure


def _decide(actor, revision: DisclosureRevision, status: RevisionStatus, comment: str) -> None:
    revision.status = status
    revision.reviewer_id = actor.id
    revision.decided_at = utcnow()
    revision.review_comment = comment


def send_back(actor, disclosure_id: int, reason: str) -> DisclosureRevision:
    """Send the pending revision back to its author with a reason; the document stays as
    it is. Requires `reviewer`, not the author. Raises PermissionDenied, Conflict or
    ValidationError."""
    action = "disclosure.revision_return"
    disclosure, revision = _pending(actor, disclosure_id, action)
    reason = _comment(reason, required=True)
    _decide(actor, revision, RevisionStatus.RETURNED, reason)
    audit.record(actor, action, disclosure, after={"revision": revision.id}, message=reason)
    db.session.commit()
    return revision


def discard(actor, disclosure_id: int) -> DisclosureRevision:
    """The author withdraws their pending revision; the document stays as it is. Requires
    `editor` and authorship. Raises PermissionDenied or Conflict."""
    action = "disclosure.revision_discard"
    disclosure = get_disclosure(disclosure_id)
    require(actor, Role.EDITOR, disclosure.organization, action=action, target=disclosure)
    revision = disclosure.pending_revision
    if revision is None:
        raise Conflict("该信息没有待审核的修订。")
    if revision.author_id != actor.id:
        raise PermissionDenied("只有提交修订的人可以撤销它。", action=action,
                               target=disclosure, actor=actor)
    revision.status = RevisionStatus.DISCARDED
    revision.updated_at = utcnow()
    audit.record(actor, action, disclosure, after={"revision": revision.id})
    db.session.commit()
    return revision
