"""Importing a Word .docx as a document body: structure kept, nothing unsafe let through."""

import time

import pytest

from portal.attachments.word import import_docx
from portal.errors import PayloadTooLarge, ValidationError
from portal.sanitize import clean_html

IMAGE_REL = ("rIdImage", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
             "image", "media/image1.png", None)
LINK_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


def test_headings_paragraphs_and_tables_are_imported(app, samples):
    result = import_docx(samples.upload("实施办法.docx", samples.docx()))

    assert result.html.startswith("<h2>总则</h2><h3>适用范围</h3>")
    assert "<p>为进一步推进政务公开，𠀀村制定本办法。</p>" in result.html
    assert "<table>" in result.html and "<td><p>道路硬化</p></td>" in result.html
    assert result.warnings == []
    assert clean_html(result.html) == result.html


def test_embedded_images_are_dropped_with_a_note(app, samples):
    body = samples.paragraph("附图如下：") + samples.image_run
    content = samples.docx(body, extra_parts={"word/media/image1.png": samples.png()},
                           document_rels=(IMAGE_REL,))

    result = import_docx(samples.upload("附图.docx", content))

    assert result.html == "<p>附图如下：</p>"
    assert result.warnings == [
        "文档中的 1 张图片未导入，请将图片另存为 JPG 或 PNG 后作为附件上传。"]


def test_links_keep_safe_targets_only(app, samples):
    body = samples.link("政府网", "rIdGov") + samples.link("点我", "rIdJs")
    rels = (("rIdGov", LINK_TYPE, "https://www.gov.cn/", "External"),
            ("rIdJs", LINK_TYPE, "javascript:alert(1)", "External"))

    result = import_docx(samples.upload("链接.docx", samples.docx(body, document_rels=rels)))

    assert ('<a href="https://www.gov.cn/" rel="noopener noreferrer">政府网</a>'
            in result.html)
    assert "javascript" not in result.html and "<p>点我</p>" in result.html


def test_markup_typed_as_text_stays_text(app, samples):
    body = samples.paragraph("&lt;script&gt;alert(1)&lt;/script&gt;")

    result = import_docx(samples.upload("正文.docx", samples.docx(body)))

    assert result.html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_document_without_text_gets_a_note(app, samples):
    result = import_docx(samples.upload("空白.docx", samples.docx("")))

    assert result.html == ""
    assert result.warnings == ["文档中没有可导入的文字内容。"]


@pytest.mark.parametrize(("name", "make"), [
    ("旧格式.doc", lambda s: s.ole("WordDocument")),
    ("伪装.docx", lambda s: s.pdf()),
    ("伪装.docx", lambda s: b"MZ" + bytes(100)),
    ("损坏.docx", lambda s: s.docx()[:300]),
    ("损坏.docx", lambda s: s.docx(extra_parts={"word/document.xml": "<w:document"})),
    ("表格.docx", lambda s: s.xlsx()),
], ids=["doc", "pdf", "exe", "truncated", "broken-xml", "xlsx"])
def test_other_or_corrupt_files_are_refused(app, samples, name, make):
    with pytest.raises(ValidationError, match="无法读取该 Word 文件"):
        import_docx(samples.upload(name, make(samples)))


def test_no_file_chosen_is_refused(app, samples):
    with pytest.raises(ValidationError, match="请选择"):
        import_docx(samples.upload("", b""))


class TestSizeLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "ATTACHMENT_MAX_BYTES": 512}

    def test_oversized_docx_is_refused(self, app, samples):
        with pytest.raises(PayloadTooLarge, match="512 字节"):
            import_docx(samples.upload("大文件.docx", samples.docx()))


def open_fields(count: int) -> str:
    """A paragraph of `count` field starts that never end: mammoth looks through every open
    field for each run it reads, so the work grows with the square of `count` (20,000 of
    them, 4 KB zipped, take mammoth about 15 s on a two-core test machine)."""
    return "<w:p>" + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>' * count + "</w:p>"


class TestBudget:
    """A document whose conversion needs more time or memory than IMPORT_TIME_LIMIT_SECONDS
    and IMPORT_MEMORY_LIMIT_BYTES allow is refused with a message saying so."""

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "IMPORT_TIME_LIMIT_SECONDS": 1,
                "IMPORT_MEMORY_LIMIT_BYTES": 64 * 1024 * 1024}

    def test_a_document_too_complex_to_convert_in_time_is_refused(self, app, samples):
        content = samples.docx(open_fields(20_000))
        assert len(content) < 10_000
        start = time.monotonic()
        with pytest.raises(ValidationError) as refused:
            import_docx(samples.upload("公告.docx", content))

        assert time.monotonic() - start < 3
        assert refused.value.message == ("该 Word 文件过于复杂，无法在 1 秒内完成转换。"
                                         "请另存为较简单的格式或拆分后再导入。")

    def test_a_document_too_large_to_hold_is_refused(self, app, samples):
        app.config["IMPORT_TIME_LIMIT_SECONDS"] = 120  # memory, not the clock, stops it
        content = samples.docx(samples.paragraph("第一条 村民代表会议每季度召开一次。")
                               * 200_000)
        assert len(content) < 200_000
        with pytest.raises(ValidationError) as refused:
            import_docx(samples.upload("公告.docx", content))

        assert refused.value.message == ("该 Word 文件过于复杂，转换所需内存超过 64 MB。"
                                         "请另存为较简单的格式或拆分后再导入。")

    def test_an_ordinary_document_still_converts(self, app, samples):
        assert import_docx(samples.upload("实施办法.docx", samples.docx())).html
