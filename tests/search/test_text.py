"""Segmentation, highlighting and attachment text: pure functions."""

import io
import zipfile

from portal.attachments import text as extract
from portal.search.highlight import mark, snippet
from portal.search.tokens import index_tokens, query_tokens
from tests.search.corpus import chinese_pdf, docx_bytes, xlsx_bytes


def test_search_mode_keeps_the_short_words_inside_long_ones():
    tokens = index_tokens("关于农村宅基地审批的通知，低保户名单")
    assert {"宅基地", "宅基", "低保", "低保户"} <= set(tokens)


def test_query_words_carry_no_operators():
    assert query_tokens('"低保" OR NEAR(宅基地) -x* col:^y') == [
        "低保", "or", "near", "宅基地", "x", "col", "y"]
    assert query_tokens("ＡＢＣ２０２６") == ["abc2026"]
    assert query_tokens("！？。") == []


def test_mark_escapes_then_marks():
    html = str(mark("<b>低保</b> & 低保户", ["低保"]))
    assert html == "&lt;b&gt;<mark>低保</mark>&lt;/b&gt; &amp; <mark>低保</mark>户"


def test_mark_never_breaks_an_entity():
    assert str(mark("a & b", ["amp"])) == "a &amp; b"


def test_single_characters_are_marked_as_they_were_typed():
    marked = str(mark("王堂村村内道路，王某", ["王", "堂", "村"]))
    assert marked == "<mark>王堂村</mark>村内道路，王某"
    assert str(mark("双塔村低保", ["双塔", "村", "低保"])) == "<mark>双塔</mark>村<mark>低保</mark>"


def test_snippet_centres_on_the_first_match():
    body = "甲" * 200 + "低保" + "乙" * 200
    html = str(snippet(body, "", ["低保"]))
    assert html.startswith("…") and html.endswith("…") and "<mark>低保</mark>" in html


def test_snippet_falls_back_to_attachments_then_to_the_start():
    assert str(snippet("正文", "附件里有猕猴桃", ["猕猴桃"])).startswith("附件：")
    assert str(snippet("正文开头", "", ["标题词"])) == "正文开头"


class Stored:
    def __init__(self, kind, name="0" * 32):
        self.kind, self.storage_name = kind, f"{name}.{kind}"


def _store(app, data: bytes, kind: str) -> Stored:
    from portal.attachments.storage import stored_path

    stored = Stored(kind, "ab" * 16)
    path = stored_path(stored.storage_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return stored


def test_extracts_pdf_docx_and_xlsx(app):
    assert "猕猴桃" in extract.extract_text(_store(app, chinese_pdf("猕猴桃产业"), "pdf"))
    assert "秸秆禁烧" in extract.extract_text(_store(app, docx_bytes("一", "秸秆禁烧"), "docx"))
    assert "光伏发电 120" in extract.extract_text(
        _store(app, xlsx_bytes([["项目", "容量"], ["光伏发电", 120]]), "xlsx"))
    assert extract.extract_text(_store(app, b"\x89PNG\r\n", "png")) == ""


def test_extraction_is_bounded(app, monkeypatch):
    monkeypatch.setattr(extract, "MAX_CHARS", 50)
    monkeypatch.setattr(extract.log, "disabled", True)
    text = extract.extract_text(_store(app, docx_bytes(*["宅基地审批"] * 100), "docx"))
    assert len(text) == 50
    monkeypatch.setattr(extract, "TIME_BUDGET_SECONDS", -1)  # spent before the first piece
    assert extract.extract_text(_store(app, docx_bytes("第一段", "第二段"), "docx")) == "第一段"


def test_zip_bombs_and_broken_files_give_no_text(app, monkeypatch):
    monkeypatch.setattr(extract.log, "disabled", True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (extract.MAX_EXPANDED_BYTES + 1))
    assert extract.extract_text(_store(app, buffer.getvalue(), "docx")) == ""
    assert extract.extract_text(_store(app, b"PK\x03\x04 broken", "xlsx")) == ""
    assert extract.extract_text(_store(app, b"%PDF-1.4\n%%EOF\n", "pdf")) == ""
