"""Importing a Word 公文 into the disclosure form: the form comes back with the 正文 and
the metadata the document states, says what it recognised, and saves nothing until the
person submits it."""

import io
import re
from html import unescape

from sqlalchemy import func, select

from portal.disclosures.models import Disclosure
from portal.extensions import db
from tests.attachments.conftest import docx_bytes, gongwen_body

TITLE = "民权县人民政府关于印发双塔镇路灯维修实施方案的通知"


def _form(orgs, **changes):
    data = {"organization": str(orgs["town"].id), "category": "result", "title": "",
            "body_html": "", "formed_on": "2023-03-06", "written_on": "", "doc_number": "",
            "topic": "综合政务", "keywords": "", "mode": "proactive", "validity": "valid",
            "repealed_on": "", "source": "", "supersedes_index": ""}
    data.update(changes)
    return data


def _post(client, data, content=None, url="/staff/disclosures/new"):
    if content is not None:
        data = {**data, "word_file": (io.BytesIO(content), "路灯维修通知.docx")}
    return client.post(url, data=data, content_type="multipart/form-data")


def _value(page: str, name: str) -> str:
    field = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*?(?:value="([^"]*)"[^>]*)?>'
                      rf'(?:([^<]*)</textarea>)?', page)
    assert field is not None, name
    return unescape(field.group(1) or (field.group(2) or "").removeprefix("\r\n"))


def _saved() -> int:
    return db.session.scalar(select(func.count()).select_from(Disclosure))


def test_an_import_fills_the_empty_fields_and_saves_nothing(client, login, staff, orgs):
    login(staff["editor"])
    response = _post(client, _form(orgs), docx_bytes(gongwen_body()))

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _saved() == 0
    assert _value(page, "title") == TITLE
    assert _value(page, "doc_number") == "民政发〔2023〕12号"
    assert _value(page, "written_on") == "2023-03-05"
    assert _value(page, "source") == "民权县人民政府"
    body = _value(page, "body_html")
    assert body.startswith("<p>各乡镇人民政府，县直各单位：</p>")
    assert "<h2>一、总体要求</h2>" in body and "<h5>（1）镇长负总责</h5>" in body
    assert "民权县人民政府文件" not in body and TITLE not in body
    for notice in ("已按公文格式识别，正文中去掉了版头（发文机关标志、发文字号）"
                   "和与标题重复的标题行",
                   "已从文档中填入：标题", "发文字号“民政发〔2023〕12号”", "尚未保存"):
        assert notice in unescape(page)

    saved = client.post("/staff/disclosures/new", data=_form(
        orgs, title=_value(page, "title"), body_html=body, doc_number=_value(page, "doc_number"),
        written_on=_value(page, "written_on"), source=_value(page, "source")))
    assert saved.status_code == 302
    doc = db.session.scalars(select(Disclosure)).one()
    assert doc.doc_number == "民政发〔2023〕12号" and doc.source == "民权县人民政府"
    assert "<h3>（一）加强组织领导。</h3>" in doc.body_html


def test_fields_already_filled_are_kept(client, login, staff, orgs):
    login(staff["editor"])
    typed = _form(orgs, title=TITLE, doc_number="民政发〔2023〕13号", written_on="2023-03-04",
                  source="民权县人民政府办公室")
    page = _post(client, typed, docx_bytes(gongwen_body())).get_data(as_text=True)

    assert _saved() == 0
    assert _value(page, "title") == TITLE
    assert _value(page, "doc_number") == "民政发〔2023〕13号"
    assert _value(page, "written_on") == "2023-03-04"
    assert _value(page, "source") == "民权县人民政府办公室"
    assert TITLE not in _value(page, "body_html")  # it repeats the typed title
    assert "已从文档中填入" not in page
    assert ("文档中的发文字号为“民政发〔2023〕12号”，与已填写的“民政发〔2023〕13号”不同"
            in unescape(page))


def test_a_damaged_word_file_is_refused_and_what_was_typed_stays(client, login, staff, orgs):
    login(staff["editor"])
    typed = _form(orgs, title="保留的标题", body_html="手写的正文", doc_number="双政〔2026〕7号")
    for content in (docx_bytes(gongwen_body())[:400], b"PK\x03\x04broken",
                    docx_bytes(extra_parts={"word/document.xml": "<w:document"})):
        response = _post(client, typed, content)

        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "无法读取该 Word 文件：请确认它是未损坏的 .docx 文件" in page
        assert _value(page, "title") == "保留的标题"
        assert _value(page, "body_html") == "手写的正文"
        assert _value(page, "doc_number") == "双政〔2026〕7号"
        assert _saved() == 0


def test_a_published_document_takes_an_import_into_its_revision_form(
        client, login, staff, published):
    doc = published(title=TITLE, doc_number="", written_on=None)
    login(staff["editor"])
    page = _post(client, {**_form({"town": doc.organization}, title=TITLE),
                          "substantive": "", "correction_note": ""},
                 docx_bytes(gongwen_body()), url=f"/staff/disclosures/{doc.id}/edit")

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert _value(text, "doc_number") == "民政发〔2023〕12号"
    assert "提交修订审核" in text
    db.session.refresh(doc)
    assert doc.pending_revision is None and doc.doc_number == ""
