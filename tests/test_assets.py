"""Static files under content-hashed URLs, cached for a year only under the current hash."""

from __future__ import annotations

import hashlib
import re

from portal import assets, bundled
from portal.assets import IMMUTABLE, REVALIDATE, ContentHashes
from portal.auth.models import Role


def _stylesheet(client, path: str = "/") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)


def test_the_stylesheet_url_carries_its_content_hash(client):
    url = _stylesheet(client)
    digest = hashlib.sha256((bundled("static") / "css" / "site.css").read_bytes()).hexdigest()
    assert url == f"/static/css/site.css?v={digest[:12]}"


def test_a_hashed_url_is_kept_for_a_year_anything_else_revalidated(client):
    url = _stylesheet(client)
    assert client.get(url).headers["Cache-Control"] == IMMUTABLE
    assert client.get("/static/css/site.css").headers["Cache-Control"] == REVALIDATE
    stale = client.get("/static/css/site.css?v=000000000000")
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == REVALIDATE


def test_signed_in_staff_get_the_same_cacheable_files(client, orgs, make_user, login):
    login(make_user("editor", (Role.EDITOR, orgs["town"])))
    url = _stylesheet(client, "/staff/")
    response = client.get(url)
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert "Pragma" not in response.headers


def test_every_template_links_static_files_through_static_url():
    offenders = [str(path) for path in bundled("templates").rglob("*.html")
                 if re.search(r"url_for\(\s*['\"]static['\"]", path.read_text("utf-8"))]
    assert offenders == []


def test_a_changed_file_gets_its_new_hash_within_a_second(tmp_path, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(assets.time, "monotonic", lambda: clock[0])
    sheet = tmp_path / "site.css"
    sheet.write_text("body { color: black }")
    hashes = ContentHashes(str(tmp_path))
    first = hashes.of("site.css")
    assert first == hashlib.sha256(sheet.read_bytes()).hexdigest()[:12]
    sheet.write_text("body { color: navy; font-size: 20px }")
    clock[0] += 0.5
    assert hashes.of("site.css") == first  # looked at no more than once a second
    clock[0] += 0.6
    assert hashes.of("site.css") == hashlib.sha256(sheet.read_bytes()).hexdigest()[:12]
    assert hashes.of("../outside.css") is None and hashes.of("missing.css") is None
