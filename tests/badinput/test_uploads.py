"""Disguised and oddly named uploads through every upload form, over HTTP.

Refused: a program or web page renamed .pdf/.jpg/.docx/.xlsx (400, a Chinese message, no
file listed afterwards), and a name with ../ in it. Accepted and harmless: a polyglot that
really starts as a PDF or JPEG (served only as a download of its declared kind, never
sniffed), a name with CR/LF, NUL or bidi controls (the display name is cleaned, no header
can be injected), and an astral-plane Chinese name (kept exactly).
"""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import quote, unquote

import pytest

from portal.auth.models import Role
from portal.disclosures import services as disclosures
from portal.disclosures.models import Category
from portal.villages import services as villages
from portal.villages.models import NoticeCategory
from tests.attachments.conftest import docx_bytes, jpeg_bytes, pdf_bytes, zip_bytes
from tests.badinput.corpus import has_chinese
from tests.sample_files import ofd

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
PDF_HTML_POLYGLOT = pdf_bytes() + HTML
JPEG_HTML_POLYGLOT = jpeg_bytes() + HTML

DISGUISED = [
    ("通知.pdf", EXE), ("照片.jpg", HTML), ("照片.png", SVG), ("公告.pdf", HTML),
    ("公告.docx", b"PK\x03\x04" + b"\x00" * 30), ("报表.xlsx", EXE), ("通知.pdf", b""),
    ("通知.pdf.exe", pdf_bytes()), ("通知", pdf_bytes()), ("名单.csv", HTML),
    ("公示.ofd", ofd("低保名单公示")[:300]), ("公示.ofd", zip_bytes({"OFD.xml": "<ofd:OFD"})),
]
# Browsers send CR and LF in a file name as %0D%0A; a raw one breaks the multipart header.
RAW_CRLF = "通知\r\nX-Injected: yes.pdf"
ODD_NAMES = [
    "通知%0D%0AX-Injected: yes.pdf", "通知\x00.exe.pdf", "发票\u202efdp.exe\u202c.pdf",
    "𠀀𪚥村委会公告.pdf", "文件夹/子目录/通知.pdf",
]


@pytest.fixture
def drafts(world, orgs):
    """A draft disclosure and a draft village notice to upload to, with their pages."""
    editor = world["users"][Role.EDITOR]
    clerk = world["users"][Role.VILLAGE_CLERK]
    doc = disclosures.create_draft(editor, disclosures.DisclosureInput(
        organization=orgs["town"], category=Category.RESULT, title="附件测试", body_html="正文",
        formed_on=date(2026, 11, 2)))
    notice = villages.create_draft(clerk, villages.NoticeInput(
        village=orgs["village_a"], category=NoticeCategory.FINANCE, title="附件测试公告",
        body_html="正文", period_start=date(2026, 7, 1), period_end=date(2026, 9, 30)))
    return {
        "staff_disclosures.upload": (f"/staff/disclosures/{doc.id}/attachments", "files",
                                     f"/staff/disclosures/{doc.id}"),
        "staff_villages.attachments": (f"/staff/villages/{notice.id}/attachments", "files",
                                       f"/staff/villages/{notice.id}"),
        "staff_villages.finance": (f"/staff/villages/{notice.id}/finance", "finance_file",
                                   f"/staff/villages/{notice.id}"),
    }


def _post(client, url, field, name, content):
    return client.post(url, data={field: (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("endpoint", ["staff_disclosures.upload", "staff_villages.attachments",
                                      "staff_villages.finance"])
def test_disguised_files_are_refused_and_not_kept(client_for, drafts, endpoint):
    url, field, page = drafts[endpoint]
    client = client_for(endpoint)
    failures = []
    for name, content in DISGUISED:
        response = _post(client, url, field, name, content)
        body = response.get_data(as_text=True)
        if response.status_code not in (400, 413, 415) or not has_chinese(body):
            failures.append(f"{name!r} ({len(content)} bytes) → {response.status_code}")
    # (A backslash path arrives as "....通知.pdf": the multipart header unescapes "\\.")
    for name in ("../../通知.pdf", "a/../通知.pdf"):
        response = _post(client, url, field, name, pdf_bytes())
        if response.status_code != 400 or "上级目录" not in response.get_data(as_text=True):
            failures.append(f"{name!r} → {response.status_code}")
    response = _post(client, url, field, RAW_CRLF, pdf_bytes())
    if response.status_code not in (302, 303, 400) or not has_chinese(response.get_data(
            as_text=True)):
        failures.append(f"raw CR/LF in the name → {response.status_code}")
    listed = client.get(page).get_data(as_text=True)
    failures += [f"{name!r} is listed after refusal" for name, _ in DISGUISED
                 if f">{name}<" in listed]
    assert not failures, "\n".join(failures)


def test_word_import_refuses_a_disguised_docx(client_for, world):
    client = client_for("staff_disclosures.new")
    page = client.get("/staff/disclosures/new").get_data(as_text=True)
    from tests.badinput.forms import filled, form_for

    values = filled(form_for(page, "/staff/disclosures/new"), title="保留的标题",
                    repealed_on="")
    for content in (EXE, HTML, b"PK\x03\x04broken"):
        data = {**values, "word_file": (io.BytesIO(content), "正文.docx")}
        response = client.post("/staff/disclosures/new", data=data,
                               content_type="multipart/form-data")
        body = response.get_data(as_text=True)
        assert response.status_code == 400, response.status_code
        assert has_chinese(body) and "保留的标题" in body
    data = {**values, "word_file": (io.BytesIO(docx_bytes()), "正文𠀀.docx")}
    imported = client.post("/staff/disclosures/new", data=data,
                           content_type="multipart/form-data")
    # a good file fills the form for the person to check; saving is the next submit
    assert imported.status_code == 200
    assert "保留的标题" in imported.get_data(as_text=True)
    assert "&lt;h2&gt;总则&lt;/h2&gt;" in imported.get_data(as_text=True)
    assert "草稿已保存" not in imported.get_data(as_text=True)


def _downloads(client, page: str) -> list[str]:
    import re

    html = client.get(page).get_data(as_text=True)
    return sorted(set(re.findall(r'href="(/staff/(?:disclosures|villages)/\d+/'
                                 r'(?:attachments|files)/\d+)"', html)))


@pytest.mark.parametrize("endpoint", ["staff_disclosures.upload", "staff_villages.attachments"])
def test_odd_names_and_polyglots_are_served_only_as_downloads(client_for, drafts, endpoint):
    url, field, page = drafts[endpoint]
    client = client_for(endpoint)
    uploads = [(name, pdf_bytes()) for name in ODD_NAMES]
    uploads += [("多格式.pdf", PDF_HTML_POLYGLOT), ("多格式.jpg", JPEG_HTML_POLYGLOT)]
    for name, content in uploads:
        response = _post(client, url, field, name, content)
        assert response.status_code in (302, 303), (name, response.status_code)

    links = _downloads(client, page)
    assert len(links) == len(uploads)
    names = []
    for link in links:
        response = client.get(link)
        assert response.status_code == 200
        assert "X-Injected" not in response.headers  # no header of its own
        assert not any("\r" in v or "\n" in v for v in response.headers.values())
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.mimetype in ("application/pdf", "image/jpeg")
        disposition = response.headers["Content-Disposition"]
        names.append(unquote(disposition.split("filename*=UTF-8''")[1]))
    assert "𠀀𪚥村委会公告.pdf" in names  # astral Chinese kept exactly
    assert "通知.pdf" in names  # the client's path is dropped
    for name in names:
        assert not any(ch in name for ch in "\r\n\x00\u202e\u202c/\\"), repr(name)
    assert "通知%0D%0AX-Injected: yes.pdf" in names
    assert quote("发票fdp.exe.pdf") in "".join(quote(n) for n in names)
