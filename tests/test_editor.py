"""The rich-text editor on the three forms with a body (disclosures, village notices,
consultation drafts): the textarea stays the field and is marked for the editor, the page
loads the vendored bundle from our own /static under the unchanged policy, and a body too
long to take is refused with a Chinese message that keeps what was written."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from flask import url_for

from portal.assets import IMMUTABLE
from portal.consultations.models import Consultation
from portal.disclosures.models import Disclosure, DisclosureRevision
from portal.extensions import db
from portal.forms import RICH_TEXT_MAX_CHARS
from portal.headers import CONTENT_SECURITY_POLICY
from portal.sanitize import clean_html
from portal.villages.models import VillageNotice
from tests.badinput.conftest import (  # noqa: F401 (fixtures)
    client_for,
    draft_input_factory,
    url_values,
    world,
)
from tests.badinput.forms import filled, form_for
from tests.test_sanitize import WORD_PASTE

# (page endpoint, rich-text field); each page posts to itself.
FORMS = [
    ("staff_disclosures.new", "body_html"),
    ("staff_disclosures.edit", "body_html"),
    ("staff_villages.new", "body_html"),
    ("staff_consultations.new", "draft_html"),
    ("staff_consultations.edit", "draft_html"),
]
EDITOR_FILES = ("vendor/jodit/jodit.min.js", "vendor/jodit/jodit.min.css", "js/editor.js",
                "css/editor.css")
# The policy as it stood before the editor: the editor must live with it, not loosen it.
POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
          "frame-ancestors 'none'; form-action 'self'")
BODIES = (Disclosure.body_html, VillageNotice.body_html, Consultation.draft_html)


def _url(app, endpoint: str, url_values) -> str:  # noqa: F811 (the fixture, passed in)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        return url_for(endpoint, **url_values(rule))


def _page(app, client_for, url_values, endpoint):  # noqa: F811
    client = client_for(endpoint)
    url = _url(app, endpoint, url_values)
    response = client.get(url)
    assert response.status_code == 200, (endpoint, response.status_code)
    return client, url, response


def _textarea(page: str, name: str) -> str:
    return re.search(rf'<textarea[^>]*\bname="{name}"[^>]*>', page).group(0)


@pytest.mark.parametrize("endpoint, field", FORMS)
def test_the_body_is_a_textarea_marked_for_the_editor(app, client_for, url_values,  # noqa: F811
                                                      endpoint, field):
    _client, _page_url, response = _page(app, client_for, url_values, endpoint)
    textarea = _textarea(response.get_data(as_text=True), field)
    assert 'data-editor="rich"' in textarea
    assert f'data-max-chars="{RICH_TEXT_MAX_CHARS}"' in textarea


@pytest.mark.parametrize("endpoint, field", FORMS)
def test_the_page_loads_the_vendored_editor_under_the_unchanged_policy(
        app, client_for, url_values, endpoint, field):  # noqa: F811
    client, _page_url, response = _page(app, client_for, url_values, endpoint)
    page = response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"] == POLICY == CONTENT_SECURITY_POLICY
    for name in EDITOR_FILES:
        found = re.search(rf'(?:src|href)="(/static/{re.escape(name)}\?v=[0-9a-f]{{12}})"', page)
        assert found, f"{endpoint} does not load {name} through static_url"
        served = client.get(html.unescape(found.group(1)))
        assert served.status_code == 200, name
        assert served.headers["Cache-Control"] == IMMUTABLE
        assert served.headers["Content-Security-Policy"] == POLICY
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert all(re.search(r'\bsrc="/static/', tag) for tag in scripts), scripts


def test_pages_without_a_body_field_load_no_script(client):
    for path in ("/", "/disclosures/", "/inquiries/new", "/login"):
        assert "<script" not in client.get(path).get_data(as_text=True), path


def _stored_counts() -> tuple:
    counts = tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                   for model in (Disclosure, DisclosureRevision, VillageNotice, Consultation))
    longest = tuple(db.session.scalar(sa.select(sa.func.max(sa.func.length(column))))
                    for column in BODIES)
    return counts, longest


@pytest.mark.parametrize("endpoint, field", FORMS)
def test_an_over_long_body_is_refused_in_chinese_and_kept(app, client_for, url_values,  # noqa: F811
                                                          endpoint, field):
    """One character past the limit, all Chinese: as a url-encoded form (9 bytes a
    character) it still fits the request limit, so the form comes back with the text."""
    client, url, response = _page(app, client_for, url_values, endpoint)
    before = _stored_counts()
    body = "过" + "长" * RICH_TEXT_MAX_CHARS
    values = filled(form_for(response.get_data(as_text=True), url), **{field: body})
    values.pop("word_file", None)

    refused = client.post(url, data=values)

    page = refused.get_data(as_text=True)
    assert refused.status_code == 400, page[:500]
    assert f"不能超过 {RICH_TEXT_MAX_CHARS:,} 个" in page
    assert f"共 {RICH_TEXT_MAX_CHARS + 1:,} 个字符" in page
    assert body in html.unescape(page)  # what was written is still in the form
    db.session.expire_all()
    assert _stored_counts() == before  # nothing saved, not even part of it


def test_a_long_body_within_the_limit_is_saved(app, client_for, url_values):  # noqa: F811
    endpoint, field = "staff_villages.new", "body_html"
    client, url, response = _page(app, client_for, url_values, endpoint)
    body = "村务" * 20_000
    values = filled(form_for(response.get_data(as_text=True), url), **{field: body})

    saved = client.post(url, data=values)

    assert saved.status_code in (302, 303), saved.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert any(body in stored for stored in db.session.scalars(sa.select(VillageNotice.body_html)))


@pytest.mark.parametrize("endpoint, field, model, column", [
    ("staff_disclosures.new", "body_html", Disclosure, Disclosure.body_html),
    ("staff_villages.new", "body_html", VillageNotice, VillageNotice.body_html),
    ("staff_consultations.new", "draft_html", Consultation, Consultation.draft_html),
])
def test_a_word_paste_is_saved_as_clean_structure(app, client_for, url_values,  # noqa: F811
                                                  endpoint, field, model, column):
    client, url, response = _page(app, client_for, url_values, endpoint)
    values = filled(form_for(response.get_data(as_text=True), url), **{field: WORD_PASTE})
    values.pop("word_file", None)

    saved = client.post(url, data=values)

    assert saved.status_code in (302, 303), saved.get_data(as_text=True)[:500]
    db.session.expire_all()
    stored = db.session.scalar(sa.select(column).order_by(model.id.desc()).limit(1))
    assert stored == clean_html(WORD_PASTE)
    assert "<h2>" in stored and 'colspan="2"' in stored and "Mso" not in stored
