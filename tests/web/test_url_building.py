"""Templates build links with a kept `url_for` (portal.templating.kept_url_for): every link
it gives must be the one Flask builds, whatever the values, the mount point or the order
in which the same link is asked for."""

from __future__ import annotations

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.templating import kept_url_for

CASES = [
    ("public.home", {}),
    ("disclosures.detail", {"disclosure_id": 0}),
    ("disclosures.detail", {"disclosure_id": 7}),
    ("disclosures.detail", {"disclosure_id": 2**31 - 1}),
    ("disclosures.listing", {"category": "result"}),
    ("disclosures.listing", {"page": 2}),
    ("disclosures.listing", {"page": True}),
    ("disclosures.listing", {"page": 1}),
    ("disclosures.listing", {"page": -3}),
    ("disclosures.listing", {"org": "12", "page": 12}),
    ("disclosures.listing", {"page": 12, "org": "12"}),
    ("disclosures.listing", {"year": 2026, "page": 3}),
    ("villages.notice", {"slug": "shuangta-cun", "notice_id": 41}),
    ("villages.notice", {"notice_id": 41, "slug": "wangtang"}),
    ("villages.board", {"slug": "wangtang", "category": "finance"}),
    ("disclosures.listing", {"tags": ["a", "b"]}),
    ("disclosures.detail", {"disclosure_id": 5, "_anchor": "files"}),
    ("disclosures.detail", {"disclosure_id": 5, "_external": True}),
    ("inquiries.track", {"number": "2026-000016"}),
]


@pytest.mark.parametrize("script_root", ["", "/gk"])
def test_every_kept_link_is_the_one_flask_builds(app, script_root):
    build = kept_url_for()
    for _round in range(2):  # built, then kept
        for endpoint, values in CASES:
            with app.test_request_context("/", base_url=f"http://gk.example.gov.cn{script_root}"):
                assert build(endpoint, **values) == url_for(endpoint, **values), (endpoint, values)


def test_a_kept_link_follows_the_mount_point(app):
    build = kept_url_for()
    with app.test_request_context("/"):
        assert build("disclosures.detail", disclosure_id=3) == "/disclosures/3"
    with app.test_request_context("/", base_url="http://gk.example.gov.cn/portal"):
        assert build("disclosures.detail", disclosure_id=3) == "/portal/disclosures/3"


def test_a_blueprint_relative_endpoint_is_built_for_its_own_blueprint(app):
    build = kept_url_for()
    with app.test_request_context("/villages/wangtang/"):
        app.preprocess_request()
        assert build(".board", slug="wangtang") == "/villages/wangtang/"


def test_without_a_request_links_are_still_built(app):
    build = kept_url_for()
    with app.test_request_context("/"):
        expected = url_for("disclosures.detail", disclosure_id=9, _external=True)
    app.config["SERVER_NAME"] = "gk.example.gov.cn"
    with app.app_context():
        assert build("disclosures.detail", disclosure_id=9) == \
            url_for("disclosures.detail", disclosure_id=9)
    assert expected.endswith("/disclosures/9")


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # the app is read only
@given(ids=st.lists(st.integers(min_value=0, max_value=2**40), min_size=1, max_size=5),
       slug=st.sampled_from(["wangtang", "v1", "12", "town07-v04"]),
       page=st.one_of(st.none(), st.integers(min_value=-5, max_value=10**6), st.booleans()))
def test_kept_links_match_for_any_ids(app, ids, slug, page):
    build = kept_url_for()
    with app.test_request_context("/"):
        for notice_id in ids:
            values = {"slug": slug, "notice_id": notice_id}
            if page is not None:
                values["page"] = page
            assert build("villages.notice", **values) == url_for("villages.notice", **values)


def test_the_kept_navigation_and_footer_follow_the_mount_point(app):
    for root in ("", "/gk", ""):
        page = app.test_client().get("/villages/", base_url=f"http://localhost{root}")
        html = page.get_data(as_text=True)
        assert f'<li><a href="{root}/disclosures/?category=decision">决策公开</a></li>' in html
        assert f'<a href="{root}/sitemap.xml">站点地图</a>' in html
        assert html.count('class="main-nav"') == 1 and html.count('class="site-footer"') == 1


@pytest.mark.parametrize("script_root", ["", "/gk"])
def test_row_links_are_the_links_flask_builds(app, script_root):
    from portal.templating import row_links

    row_link = row_links()
    for _round in range(2):
        with app.test_request_context("/", base_url=f"http://gk.example.gov.cn{script_root}"):
            notice = row_link("villages.notice", "notice_id", slug="wangtang")
            detail = row_link("disclosures.detail", "disclosure_id")
            for row_id in (5, 0, 2**31 - 1, 41, True, -2, "7"):
                assert notice(row_id) == url_for("villages.notice", slug="wangtang",
                                                 notice_id=row_id), row_id
                assert detail(row_id) == url_for("disclosures.detail", disclosure_id=row_id)


def test_a_row_link_may_write_the_id_into_the_query(app):
    from portal.templating import row_links

    row_link = row_links()
    with app.test_request_context("/"):
        page = row_link("disclosures.listing", "page", category="result")
        assert [page(n) for n in (2, 3)] == [url_for("disclosures.listing", category="result",
                                                     page=n) for n in (2, 3)]


@pytest.mark.parametrize("auto_reload", [False, True])
def test_shared_macros_render_as_the_imported_ones(app, auto_reload, tmp_path):
    """`macros.<name>` (portal.templating.SharedMacros) writes what `{% from %}` writes;
    in development (auto-reload) an edited `_macros.html` is seen without a restart."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    from portal.paging import KeysetPage
    from portal.templating import SharedMacros

    env = app.jinja_env.overlay(auto_reload=auto_reload)
    env.globals["macros"] = SharedMacros(env)
    page = KeysetPage(["x"], "after-cursor", None)
    shared = "{{ macros.keyset_pagination(page) }}"
    imported = '{% from "_macros.html" import keyset_pagination %}{{ keyset_pagination(page) }}'
    with app.test_request_context("/disclosures/?category=result"):
        html = env.from_string(shared).render(page=page)
        assert html == env.from_string(imported).render(page=page)
        assert 'rel="next"' in html and "after=after-cursor" in html

        edited = tmp_path / "_macros.html"
        edited.write_text("{% macro keyset_pagination(page) %}改过的分页{% endmacro %}",
                          encoding="utf-8")
        env.loader = ChoiceLoader([FileSystemLoader(str(tmp_path)), app.jinja_env.loader])
        again = env.from_string(shared).render(page=page)
        assert (again == "改过的分页") is auto_reload
