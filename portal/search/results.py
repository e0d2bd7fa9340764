"""Search hits as the results page shows them: link, highlighted title and snippet, and
what, who and when; plus the choices of the filter form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, url_for
from markupsafe import Markup

from portal.extensions import db
from portal.organizations.models import Organization, OrgChoice, OrgKind
from portal.paging import Cursor
from portal.search.backends import documents
from portal.search.documents import (
    CATEGORY_LABELS,
    DISCLOSURE,
    KIND_CATEGORIES,
    KIND_LABELS,
    NOTICE,
)
from portal.search.highlight import mark, snippet
from portal.search.index import Hit, indexed_years

SUGGESTIONS = ("低保", "宅基地", "工程项目", "财务公开", "法治政府", "征地补偿")


@dataclass
class Result:
    url: str
    title: Markup
    snippet: Markup
    kind_label: str
    category_label: str
    publisher: str
    published_at: datetime


def _reply_url(hit: Hit) -> str:
    """The public reply list starting at this reply (newest first, keyset-paged), so the
    link needs no count of the replies before it. The cursor sits just above the reply:
    its own reply time and the next id."""
    start = Cursor(hit.published_at, hit.ref_id + 1).encode()
    return url_for("inquiries.replies", after=start, _anchor=f"reply-{hit.ref_id}")


def _url(hit: Hit, organizations: dict[int, Organization]) -> str:
    if hit.kind == DISCLOSURE:
        return url_for("disclosures.detail", disclosure_id=hit.ref_id)
    if hit.kind == NOTICE:
        return url_for("villages.notice", slug=organizations[hit.village_id].slug,
                       notice_id=hit.ref_id)
    return _reply_url(hit)


def present(hits: list[Hit], tokens: list[str]) -> list[Result]:
    """The hits of one page, ready for the template."""
    wanted = {h.organization_id for h in hits} | {h.village_id for h in hits if h.village_id}
    organizations = {o.id: o for o in db.session.scalars(
        sa.select(Organization).where(Organization.id.in_(wanted)))} if wanted else {}
    return [Result(url=_url(hit, organizations), title=mark(hit.title, tokens),
                   snippet=snippet(hit.body, hit.attachment_text, tokens),
                   kind_label=KIND_LABELS[hit.kind],
                   category_label=CATEGORY_LABELS.get(hit.category, ""),
                   publisher=organizations[hit.organization_id].publisher_name
                   if hit.organization_id in organizations else "",
                   published_at=hit.published_at)
            for hit in hits]


def filter_choices() -> dict:
    """Options for the filter form, kept per public-content version: reading which
    organizations, villages and years have documents scans the whole index (12 ms at
    100,000 documents), and it changes only when public content does."""
    from portal.pagecache import per_content_version

    return per_content_version("search.filter_choices", _filter_choices)


def _filter_choices() -> dict:
    """Kinds, categories per kind, organizations and villages that have indexed
    documents, years."""
    # One index probe per unit and village (a county has hundreds), not a list of every
    # indexed document's (17 ms at 300,000 documents).
    organizations = list(db.session.scalars(
        sa.select(Organization).where(
            sa.exists().where(documents.c.organization_id == Organization.id),
            Organization.kind != OrgKind.VILLAGE, Organization.active.is_(True))
        .order_by(Organization.path)))
    villages = list(db.session.scalars(
        sa.select(Organization).where(
            sa.exists().where(documents.c.village_id == Organization.id),
            Organization.kind == OrgKind.VILLAGE, Organization.active.is_(True))
        .order_by(Organization.path)))
    return {"kinds": KIND_LABELS, "categories": {KIND_LABELS[k]: v
                                                  for k, v in KIND_CATEGORIES.items()},
            "organizations": [OrgChoice.of(o) for o in organizations],
            "villages": [OrgChoice.of(v) for v in villages],
            "years": indexed_years()}


def browse_links() -> list[tuple[str, str]]:
    """(label, url) of the public lists, for empty queries and misses."""
    from portal.disclosures.models import Category

    links = [(c.label, url_for("disclosures.listing", category=c.value)) for c in Category]
    links += [("村务公开", url_for("villages.index")), ("留言答复", url_for("inquiries.replies"))]
    optional = (("consultations.listing", "征求意见"), ("catalogue.listing", "公开目录"))
    links += [(label, url_for(endpoint)) for endpoint, label in optional
              if endpoint in current_app.view_functions]
    return links
