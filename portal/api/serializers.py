"""JSON shapes of the API (described by `portal.api.openapi`; a test keeps them in step).

Times are RFC 3339 in Beijing time (+08:00), dates ISO 8601, amounts decimal strings.
Links are absolute (SITE_URL when configured). Replies carry no contact details and are
masked (`portal.privacy.mask`), as on the public reply list.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from portal.attachments.models import StoredFile
from portal.disclosures.models import Disclosure
from portal.inquiries.models import Inquiry
from portal.organizations.models import Organization
from portal.personal_data.files import is_public
from portal.privacy import mask
from portal.timeutil import to_local
from portal.villages.models import VillageNotice
from portal.villages.public_views import public_url


def timestamp(moment: datetime | None) -> str | None:
    """RFC 3339 in Beijing time, to the second."""
    return to_local(moment).isoformat(timespec="seconds") if moment else None


def day(value: date | None) -> str | None:
    """ISO 8601 date."""
    return value.isoformat() if value else None


def amount(value: Decimal | None) -> str | None:
    """A money amount as a string with two decimals (never a float)."""
    return f"{value:.2f}" if value is not None else None


def organization(org: Organization | None) -> dict | None:
    """An organization by slug and names."""
    if org is None:
        return None
    return {"slug": org.slug, "name": org.full_name, "publisher_name": org.publisher_name}


def _file(stored: StoredFile, url: str) -> dict:
    return {"name": stored.display_name, "kind": stored.kind, "size": stored.size,
            "sha256": stored.sha256, "url": url}


def disclosure(d: Disclosure) -> dict:
    """A published (or superseded) disclosure with its gov.cn metadata and its dated
    更正说明 (approved substantive revisions, oldest first)."""
    return {
        "id": d.id, "index_number": d.index_number, "title": d.title,
        "category": d.category.value, "category_label": d.category.label,
        "organization": organization(d.organization), "doc_number": d.doc_number,
        "written_on": day(d.written_on), "topic": d.topic, "keywords": d.keywords,
        "mode": d.mode.value, "validity": d.validity.value, "repealed_on": day(d.repealed_on),
        "source": d.source, "status": d.status.value,
        "published_at": timestamp(d.published_at), "updated_at": timestamp(d.updated_at),
        "body_html": d.body_html,
        "attachments": [_file(link.file, public_url("disclosures.attachment",
                                                    disclosure_id=d.id,
                                                    file_id=link.stored_file_id))
                        for link in d.attachments if is_public(link.file)],
        "corrections": [{"date": day(to_local(c.decided_at).date()), "note": c.correction_note}
                        for c in d.corrections],
        "url": public_url("disclosures.detail", disclosure_id=d.id),
    }


def _finance(notice: VillageNotice) -> dict | None:
    table = notice.finance_table
    if table is None:
        return None
    files = {fmt: public_url("villages.finance_file", slug=notice.village.slug,
                             notice_id=notice.id, fmt=fmt) for fmt in ("xlsx", "csv")}
    return {"files": files, "total_income": amount(table.total_income),
            "total_expense": amount(table.total_expense),
            "rows": [{"date": day(row.entry_date), "item": mask(row.item),
                      "income": amount(row.income), "expense": amount(row.expense),
                      "note": mask(row.note)} for row in table.rows]}


def notice(n: VillageNotice) -> dict:
    """A published village notice, with its finance table when it has one."""
    slug = n.village.slug
    return {
        "id": n.id, "title": n.title, "category": n.category.value,
        "category_label": n.category.label, "village": organization(n.village),
        "town": organization(n.village.parent), "period_start": day(n.period_start),
        "period_end": day(n.period_end), "is_major": n.is_major,
        "window_start": day(n.window_start), "window_end": day(n.window_end),
        "published_at": timestamp(n.published_at), "updated_at": timestamp(n.updated_at),
        "body_html": n.body_html, "finance": _finance(n),
        "attachments": [_file(link.file, public_url("villages.file", slug=slug,
                                                    notice_id=n.id,
                                                    file_id=link.stored_file_id))
                        for link in n.attachments if is_public(link.file)],
        "url": public_url("villages.notice", slug=slug, notice_id=n.id),
    }


def reply(inquiry: Inquiry) -> dict:
    """A published reply: question and answer masked, no contact details."""
    return {
        "number": inquiry.number, "type": inquiry.type.value, "type_label": inquiry.type.label,
        "title": inquiry.public_text(inquiry.title),
        "question": inquiry.public_text(inquiry.body),
        "reply": inquiry.public_text(inquiry.reply_text), "status": inquiry.status.value,
        "received_at": timestamp(inquiry.received_at),
        "replied_at": timestamp(inquiry.replied_at),
        "organization": organization(inquiry.reply_organization or inquiry.organization),
        "url": public_url("inquiries.replies"),
    }
