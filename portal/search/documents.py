"""What of each public document goes into the index, and which documents are public.

Three kinds: published (or superseded) disclosures, published village notices, and
inquiry replies that the resident consented to publish and staff published. Anything else
has no entry, so the index never holds a draft, a withdrawn document or a private reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from portal.attachments.models import StoredFile
from portal.disclosures.models import CATEGORY_LABELS as DISCLOSURE_CATEGORIES
from portal.disclosures.models import PUBLIC_STATUSES, Disclosure
from portal.inquiries.models import ANSWERED_STATUSES, TYPE_LABELS, Inquiry, InquiryType
from portal.sanitize import html_to_text
from portal.villages.models import CATEGORY_LABELS as NOTICE_CATEGORIES
from portal.villages.models import NoticeStatus, VillageNotice

DISCLOSURE, NOTICE, REPLY = "disclosure", "notice", "reply"
KIND_LABELS = {DISCLOSURE: "政府信息公开", NOTICE: "村务公开", REPLY: "留言答复"}
# The categories a `category` filter may name, per kind; the values never overlap.
KIND_CATEGORIES: dict[str, dict[str, str]] = {
    DISCLOSURE: {c.value: label for c, label in DISCLOSURE_CATEGORIES.items()},
    NOTICE: {c.value: label for c, label in NOTICE_CATEGORIES.items()},
    REPLY: {t.value: label for t, label in TYPE_LABELS.items() if t is not InquiryType.OPINION},
}
CATEGORY_LABELS = {value: label for labels in KIND_CATEGORIES.values()
                   for value, label in labels.items()}
MAX_BODY_CHARS = 100_000
MODELS = {Disclosure: DISCLOSURE, VillageNotice: NOTICE, Inquiry: REPLY}


@dataclass
class Entry:
    """One document as the index stores it (text still untokenized)."""

    kind: str
    ref_id: int
    title: str
    body: str
    category: str
    organization_id: int
    village_id: int | None
    published_at: datetime
    files: list[StoredFile] = field(default_factory=list)

    @property
    def attachment_key(self) -> str:
        return ",".join(f"{f.id}:{f.privacy_state}" for f in self.files)


def kind_of(obj) -> str | None:
    """The index kind of a model instance, None for anything not indexed."""
    return MODELS.get(type(obj))


def entry_for(obj) -> Entry | None:
    """The entry for a disclosure, notice or inquiry, or None when it is not public."""
    builder = {DISCLOSURE: _disclosure, NOTICE: _notice, REPLY: _reply}.get(kind_of(obj) or "")
    return builder(obj) if builder is not None else None


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)[:MAX_BODY_CHARS]


def _disclosure(disclosure: Disclosure) -> Entry | None:
    if disclosure.status not in PUBLIC_STATUSES or disclosure.published_at is None:
        return None
    return Entry(
        kind=DISCLOSURE, ref_id=disclosure.id, title=disclosure.title,
        body=_join(html_to_text(disclosure.body_html), disclosure.keywords,
                   disclosure.doc_number, disclosure.index_number or ""),
        category=disclosure.category.value, organization_id=disclosure.organization_id,
        village_id=None, published_at=disclosure.published_at,
        files=[link.file for link in disclosure.attachments])


def _notice(notice: VillageNotice) -> Entry | None:
    if notice.status is not NoticeStatus.PUBLISHED or notice.published_at is None:
        return None
    rows = notice.finance_table.rows if notice.finance_table is not None else []
    items = " ".join(_join(row.item, row.note) for row in rows)
    return Entry(
        kind=NOTICE, ref_id=notice.id, title=notice.title,
        body=_join(html_to_text(notice.body_html), items),
        category=notice.category.value, organization_id=notice.village_id,
        village_id=notice.village_id, published_at=notice.published_at,
        files=[link.file for link in notice.attachments])


def is_published_reply(inquiry: Inquiry) -> bool:
    """The rule of the public reply list (portal.inquiries.queries.published_replies)."""
    return (inquiry.reply_published and inquiry.consent_publish
            and inquiry.status in ANSWERED_STATUSES and inquiry.replied_at is not None)


def _reply(inquiry: Inquiry) -> Entry | None:
    if not is_published_reply(inquiry):
        return None
    return Entry(
        kind=REPLY, ref_id=inquiry.id, title=inquiry.public_text(inquiry.title),
        body=_join(inquiry.public_text(inquiry.body), inquiry.public_text(inquiry.reply_text)),
        category=inquiry.type.value,
        organization_id=inquiry.reply_organization_id or inquiry.organization_id,
        village_id=inquiry.village_id, published_at=inquiry.replied_at)
