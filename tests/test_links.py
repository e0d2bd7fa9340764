"""Links in pages are built once per shape and kept: the page must still carry the links a
fresh build gives, for every mount point the portal is served under."""

from __future__ import annotations

import re

from flask import render_template_string, url_for

NAV = re.compile(r'href="([^"]*)"')


def _links(client, path: str, prefix: str = "") -> list[str]:
    page = client.get(path, base_url=f"http://localhost{prefix}")
    assert page.status_code == 200
    return NAV.findall(page.get_data(as_text=True))


def test_links_follow_the_mount_point_of_each_request(client, app):
    plain = _links(client, "/disclosures/")
    mounted = _links(client, "/disclosures/", "/gk")
    again = _links(client, "/disclosures/")
    assert "/disclosures/?category=decision" in plain
    assert "/gk/disclosures/?category=decision" in mounted
    assert "/disclosures/?category=decision" not in mounted
    assert again == plain


def test_a_kept_link_is_the_one_a_fresh_build_gives(app):
    template = ("{{ url_for('disclosures.listing', category=c) }}|"
                "{{ url_for('disclosures.detail', disclosure_id=n) }}|"
                "{{ url_for('disclosures.listing', category=c, _anchor='x') }}|"
                "{{ url_for('disclosures.listing', category=c, _external=True) }}")
    for host in ("gk.example.gov.cn", "other.example.gov.cn"):
        with app.test_request_context("/", base_url=f"https://{host}"):
            for category, number in (("decision", 1), ("result", 2), ("decision", 1)):
                shown = render_template_string(template, c=category, n=number).split("|")
                assert shown == [url_for("disclosures.listing", category=category),
                                 url_for("disclosures.detail", disclosure_id=number),
                                 url_for("disclosures.listing", category=category, _anchor="x"),
                                 url_for("disclosures.listing", category=category,
                                         _external=True)]
                assert shown[3].startswith(f"https://{host}/")


def test_equal_values_of_other_types_keep_links_of_their_own(app):
    with app.test_request_context("/"):
        shown = [render_template_string("{{ url_for('disclosures.listing', page=v) }}", v=value)
                 for value in (1, True, "1", 1.0)]
    assert shown == ["/disclosures/?page=1", "/disclosures/?page=True", "/disclosures/?page=1",
                     "/disclosures/?page=1.0"]
