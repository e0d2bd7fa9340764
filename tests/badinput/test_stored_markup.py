"""Script stored anywhere never comes back runnable on any page.

Every text a person can type is overwritten in the database with the XSS corpus (rich-text
columns with what `clean_html` makes of it, as every service stores them), then every GET
route in the URL map — public pages, staff pages, feeds, the API — is read as a role that
may use it, and no page may hold markup a browser would run.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.sanitize import clean_html
from tests.badinput.corpus import XSS, runnable_markup
from tests.badinput.test_every_endpoint import _routes, _url

# Columns holding what people type (titles, bodies, names, reasons …), by name.
TYPED = {"title", "body", "summary", "name", "display_name", "note", "text", "reason",
         "comment", "keywords", "source", "doc_number", "description", "content", "answer",
         "subject", "contact_name", "address", "level1", "level2", "basis", "overview",
         "problems", "other_matters", "legality_conclusion", "adoption_summary",
         "how_to_participate", "short_window_reason", "discussion_meeting", "legality_reviewer",
         "office", "hours", "how_to_apply", "remedies", "channels", "audience", "manner",
         "time_limit", "party", "source_url", "legal_representative", "reply_text"}
HOSTILE = "".join(XSS)  # longest payloads last, so short columns still get several
# Responses a browser renders as markup. JSON (the API) carries text as data: a client that
# puts it into a page must escape it, as the portal's own pages do.
MARKUP = {"text/html", "application/xhtml+xml", "application/atom+xml", "application/xml",
          "text/xml", "image/svg+xml"}


def _typed_columns(table: sa.Table) -> list[sa.Column]:
    return [column for column in table.columns
            if isinstance(column.type, sa.String) and not column.primary_key
            and not column.foreign_keys and not isinstance(column.type, sa.Enum)
            and (column.name in TYPED or column.name.endswith("_html"))]


def _hostile(column: sa.Column) -> str:
    """As many whole payloads as the column holds (room left for a row id)."""
    if column.name.endswith("_html"):
        return clean_html(HOSTILE)
    room = (column.type.length or 100_000) - 10
    text = ""
    for payload in XSS:
        if len(text) + len(payload) > room:
            break
        text += payload
    return text


def _make_everything_hostile() -> list[str]:
    touched = []
    for table in db.metadata.sorted_tables:
        columns = _typed_columns(table)
        if not columns or table.name.startswith("audit"):
            continue
        # The row id at the end keeps unique columns (目录事项 names) unique.
        suffix = sa.cast(table.c.id, sa.String) if "id" in table.c else sa.literal("")
        values = {c.name: sa.literal(_hostile(c)) + suffix for c in columns}
        db.session.execute(table.update().values(**values))
        touched += [f"{table.name}.{c.name}" for c in columns]
    db.session.commit()
    return touched


def test_no_page_runs_stored_script(app, world, client_for, url_values):
    touched = _make_everything_hostile()
    assert "disclosures.title" in touched and "village_notices.body_html" in touched

    failures = []
    for rule, method in _routes(app):
        if method != "GET":
            continue
        url = _url(app, rule, url_values(rule))
        response = client_for(rule.endpoint).get(url)
        if response.status_code >= 500:
            failures.append(f"GET {url} → {response.status_code}")
        elif response.mimetype in MARKUP and (
                found := runnable_markup(response.get_data(as_text=True))):
            failures.append(f"GET {url} runs {found[:3]}")
    assert not failures, "\n".join(failures)
