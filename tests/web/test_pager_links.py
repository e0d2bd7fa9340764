"""`url_with`, the pager's and the sort header's link, keeps the page's own query arguments
as query arguments. A name Flask's `url_for` would take as its own (`_anchor`,
`_external`, `_scheme`, `_method`) or as the route's path argument (`slug`) must neither
break the page nor change where the link points: before, `?slug=x` on a village board and
`?_method=POST` on any paged list answered 500, and `?_external=1&_scheme=javascript`
made the next-page link `javascript://…`."""

from __future__ import annotations

import pytest
from flask import url_for

ODD_NAMES = {"slug": "x", "_anchor": "top", "_external": "1", "_scheme": "javascript",
             "_method": "POST", "disclosure_id": "7"}


def url_with(app):
    return app.jinja_env.globals["url_with"]


@pytest.mark.parametrize("script_root", ["", "/gk"])
def test_query_names_stay_in_the_query(app, orgs, script_root):
    query = "&".join(f"{name}={value}" for name, value in ODD_NAMES.items())
    with app.test_request_context(f"/villages/wangtang/?category=finance&{query}",
                                  base_url=f"http://gk.example.gov.cn{script_root}"):
        link = url_with(app)(after="abc", before=None, page=None)
    assert link == (f"{script_root}/villages/wangtang/?category=finance&{query}&after=abc")


def test_changes_replace_drop_and_add_arguments(app, orgs):
    with app.test_request_context("/disclosures/?category=result&page=3&q=%E6%A0%91+1"):
        build = url_with(app)
        assert build(page=4) == "/disclosures/?category=result&page=4&q=%E6%A0%91+1"
        assert build(page=None, category="") == "/disclosures/?q=%E6%A0%91+1"
        assert build(after="a/b c") == url_for("disclosures.listing", category="result",
                                                page="3", q="树 1", after="a/b c")
    with app.test_request_context("/disclosures/"):
        assert url_with(app)(page=None) == "/disclosures/"


def test_values_are_escaped_as_flask_escapes_them(app, orgs):
    odd = "&=#?%+/:;@!$'()*,~é\u200b<>\" "
    with app.test_request_context("/disclosures/", query_string={"org": odd}):
        assert url_with(app)(after=odd) == url_for("disclosures.listing", org=odd, after=odd)
