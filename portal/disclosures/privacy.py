"""Personal data in disclosures (个人信息保护法): the text and attachments of a document are
scanned before it is submitted for review, approved and published; a revision of a published
document (its text, its 更正说明 and the files it proposes) before it goes to review and
again when it is approved. A finding blocks the step with the place named. Editors mask the
text in one click, replace attachments with masked copies, and confirm files no machine can
read. Suspected numbers a person cleared are kept per document, so they stay cleared in its
revisions.
"""

from __future__ import annotations

from portal import audit
from portal.attachments.models import StoredFile
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.disclosures.content import keep_version, snapshot_json, stored_files
from portal.disclosures.models import Disclosure, DisclosureRevision, Status
from portal.disclosures.queries import get_disclosure
from portal.errors import InvalidTransition, ValidationError
from portal.extensions import db
from portal.personal_data import files as file_scan
from portal.personal_data import texts as personal_data
from portal.personal_data.texts import TextField
from portal.privacy import mask, scan
from portal.sanitize import html_to_text
from portal.timeutil import utcnow

EDITABLE = (Status.DRAFT, Status.PUBLISHED)


def text_fields(disclosure: Disclosure) -> list[TextField]:
    return [TextField("标题", disclosure.title), TextField("发文字号", disclosure.doc_number),
            TextField("主题词", disclosure.keywords),
            TextField("正文", html_to_text(disclosure.body_html))]


def files(disclosure: Disclosure) -> list:
    return [link.file for link in disclosure.attachments]


def places(disclosure: Disclosure) -> list[str]:
    """What still blocks the document: findings in its text and attachments."""
    return personal_data.places(disclosure, text_fields(disclosure), files(disclosure))


def has_only_suspected(disclosure: Disclosure) -> bool:
    found = personal_data.findings(disclosure, text_fields(disclosure))
    return bool(found) and all(finding.suspected for _field, finding in found)


def require_clean(disclosure: Disclosure) -> None:
    """Raise PersonalDataFound (audited, the places listed) while anything blocks."""
    personal_data.require_clean(disclosure, text_fields(disclosure), files(disclosure))


def revision_fields(revision: DisclosureRevision) -> list[TextField]:
    proposal = revision.proposal
    return [TextField("标题", proposal.title), TextField("发文字号", proposal.doc_number),
            TextField("主题词", proposal.keywords),
            TextField("正文", html_to_text(proposal.body_html)),
            TextField("更正说明", revision.correction_note)]


def revision_files(revision: DisclosureRevision) -> list[StoredFile]:
    """The files a revision proposes, in its order."""
    return stored_files(revision.proposal.attachment_ids)


def revision_places(revision: DisclosureRevision) -> list[str]:
    """What blocks approving the revision."""
    return personal_data.places(revision.disclosure, revision_fields(revision),
                                revision_files(revision))


def require_clean_revision(revision: DisclosureRevision) -> None:
    """Raise PersonalDataFound (audited, the places listed) while anything in the proposed
    text, 更正说明 or files blocks."""
    personal_data.require_clean(revision.disclosure, revision_fields(revision),
                                revision_files(revision))


def clear_suspected_in_revision(actor, revision: DisclosureRevision) -> int:
    """The revision's author confirms the suspected numbers in its text are nobody's
    personal data; cleared for the document, audited. The caller checked and commits."""
    return personal_data.clear_suspected(actor, revision.disclosure, revision_fields(revision))


def _editable(actor, disclosure_id: int, action: str) -> Disclosure:
    disclosure = get_disclosure(disclosure_id)
    require(actor, Role.EDITOR, disclosure.organization, action=action, target=disclosure)
    if disclosure.status is not Status.DRAFT:
        raise InvalidTransition(disclosure.status.label, "修改")
    return disclosure


def mask_personal_data(actor, disclosure_id: int) -> int:
    """Mask every ID, mobile and bank number in a draft's title, 文号, keywords and body.
    Requires `editor`; the text before is kept as a version. Returns how many."""
    disclosure = _editable(actor, disclosure_id, "disclosure.mask")
    fields = ("title", "doc_number", "keywords", "body_html")
    count = sum(len(scan(getattr(disclosure, name))) for name in fields)
    if count == 0:
        raise ValidationError("正文和标题中没有需要打码的号码。")
    before = snapshot_json(disclosure)
    keep_version(actor, disclosure)
    for name in fields:
        setattr(disclosure, name, mask(getattr(disclosure, name)))
    disclosure.updated_at = utcnow()
    audit.record(actor, "disclosure.mask", disclosure, before=before,
                 after={"masked": count})
    db.session.commit()
    return count


def clear_suspected(actor, disclosure_id: int) -> int:
    """The editor confirms the suspected numbers left in a draft are nobody's personal
    data. Requires `editor`; audited."""
    disclosure = _editable(actor, disclosure_id, "personal_data.clear_suspected")
    count = personal_data.clear_suspected(actor, disclosure, text_fields(disclosure))
    db.session.commit()
    return count


def confirm_attachment(actor, disclosure_id: int, file_id: int) -> Disclosure:
    """The editor confirms they checked an attachment no machine could read (or one with
    only suspected numbers) and it holds no personal data. Requires `editor`; audited.
    Raises Conflict for a file with definite findings."""
    disclosure = _editable(actor, disclosure_id, "attachment.privacy_confirm")
    link = next((a for a in disclosure.attachments if a.stored_file_id == file_id), None)
    if link is None:
        raise ValidationError("该附件不属于此信息。")
    file_scan.confirm(actor, link.file, disclosure)
    db.session.commit()
    return disclosure
