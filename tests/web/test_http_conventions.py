"""The web's conventions: a 405 names the methods that work, robots.txt and the favicon
exist, text is sent gzip-compressed to clients that accept it (and only then), and
Retry-After appears only where waiting helps."""

from __future__ import annotations

import gzip

import pytest

from portal.compression import accepts_gzip


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("post", "/feeds/", {"GET", "HEAD", "OPTIONS"}),
    ("delete", "/disclosures/", {"GET", "HEAD", "OPTIONS"}),
    ("get", "/staff/messages/read", {"POST", "OPTIONS"}),
    ("put", "/inquiries/new", {"GET", "HEAD", "OPTIONS", "POST"}),
])
def test_a_405_names_the_methods_that_would_work(client, orgs, method, path, allowed):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed
    assert "请求方式不正确" in response.get_data(as_text=True)


def test_robots_keeps_crawlers_out_of_the_back_office_only(client, orgs):
    response = client.get("/robots.txt")
    lines = response.get_data(as_text=True).splitlines()
    assert response.status_code == 200 and response.mimetype == "text/plain"
    disallowed = {line.split(": ", 1)[1] for line in lines if line.startswith("Disallow")}
    assert {"/staff/", "/inspect/", "/login"} <= disallowed
    assert not disallowed & {"/", "/disclosures/", "/villages/", "/inquiries/replies"}


def test_the_favicon_is_there_in_both_forms(client, orgs):
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200 and ico.data[:4] == b"\x00\x00\x01\x00"
    page = client.get("/").get_data(as_text=True)
    svg = page.split('<link rel="icon" href="', 1)[1].split('"', 1)[0]
    answer_ = client.get(svg)
    assert answer_.status_code == 200 and answer_.mimetype == "image/svg+xml"
    assert b"<svg" in answer_.data


def test_text_is_compressed_for_clients_that_accept_gzip(client, corpus):
    plain = client.get("/disclosures/")
    packed = client.get("/disclosures/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 2


def test_a_compressed_page_revalidates_with_its_own_etag(client, corpus):
    first = client.get("/disclosures/", headers={"Accept-Encoding": "gzip"})
    tag = first.headers["ETag"]
    assert tag.endswith('-gzip"')
    again = client.get("/disclosures/", headers={"Accept-Encoding": "gzip",
                                                  "If-None-Match": tag})
    assert again.status_code == 304
    identity = client.get("/disclosures/").headers["ETag"]
    assert identity != tag


@pytest.mark.parametrize("header", ["gzip;q=0", "identity", "br", ""])
def test_no_compression_unless_gzip_is_accepted(client, corpus, header):
    response = client.get("/disclosures/", headers={"Accept-Encoding": header})
    assert "Content-Encoding" not in response.headers


def test_tiny_answers_and_head_requests_are_left_alone(client, corpus):
    assert "Content-Encoding" not in client.get(
        "/healthz", headers={"Accept-Encoding": "gzip"}).headers
    head = client.head("/disclosures/", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in head.headers


def test_accept_encoding_is_read_as_rfc_9110_says():
    assert accepts_gzip("gzip") and accepts_gzip("deflate, gzip;q=0.5") and accepts_gzip("*")
    assert not accepts_gzip("gzip;q=0") and not accepts_gzip("*, gzip;q=0")
    assert not accepts_gzip("") and not accepts_gzip("identity") and not accepts_gzip("*;q=0")
    assert not accepts_gzip("gzip;q=zero")


def test_retry_after_only_where_waiting_helps(client, corpus):
    for path in ("/", "/disclosures/", "/nowhere", "/feeds/disclosures.atom"):
        assert "Retry-After" not in client.get(path).headers, path
