"""Import a Word .docx as the rich-text body of a document.

Mammoth turns the document's structure (headings, paragraphs, lists, tables, bold/italic)
into HTML; fonts, colours and page layout are dropped on purpose. Word headings 1–3 become
h2–h4 (the page title is the only h1). A 公文 is read for its structure first
(portal.attachments.gongwen): its 版头 and repeated title are dropped, its level headings
(一、（一）1.（1）) become h2–h5, and its 文号, 发文机关 and 成文日期 are returned.
Embedded images are not imported: the caller shows the returned warning so staff upload
them as attachments. The HTML is always passed through `clean_html`. Both run in a child
process within the import budget (portal.bounded): a small document can keep mammoth
busy for minutes.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

import mammoth
from flask import current_app
from werkzeug.datastructures import FileStorage

from portal import bounded
from portal.attachments import gongwen
from portal.attachments.storage import clean_display_name, detect_kind, read_limited
from portal.bounded import Budget, BudgetExceeded
from portal.errors import ValidationError
from portal.sanitize import clean_html

UNREADABLE = ("无法读取该 Word 文件：请确认它是未损坏的 .docx 文件"
              "（.doc 或 WPS 文件请先在 Word 或 WPS 中“另存为”.docx 格式）。")
TOO_COMPLEX = "该 Word 文件过于复杂，{reason}。请另存为较简单的格式或拆分后再导入。"
# Uncompressed size of the document's XML parts; guards against ZIP bombs.
MAX_EXPANDED_BYTES = 100 * 1024 * 1024

# Paragraphs that held only an image are empty once the image is gone.
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>")
_HEADINGS = {"1": "h2", "2": "h3", "3": "h4", "4": "h4", "5": "h4", "6": "h4"}
STYLE_MAP = "\n".join(
    ["p[style-name='Title'] => h2:fresh", "p[style-name='标题'] => h2:fresh"]
    + [f"p[style-name='{prefix} {level}'] => {tag}:fresh"
       for level, tag in _HEADINGS.items() for prefix in ("heading", "标题")]
    + gongwen.STYLE_MAP_LINES
)


@dataclass(frozen=True)
class WordImport:
    """The cleaned HTML, notes (in Chinese) to show the person who imported it, and what
    the document says of itself (文号, 发文机关, 成文日期, 标题)."""

    html: str
    warnings: list[str] = field(default_factory=list)
    found: gongwen.Found = field(default_factory=gongwen.Found)


def import_docx(file: FileStorage, title: str = "") -> WordImport:
    """Convert an uploaded .docx into clean HTML for a document body.

    For staff editing a document; stores nothing. The document's own title is left out of
    the body when it repeats `title` or when `title` is empty (the caller then takes
    `found.title`). The conversion runs within the import budget (portal.bounded).
    Raises ValidationError when no file was chosen, it is not a readable .docx or it is
    too complex to convert within the budget, PayloadTooLarge above ATTACHMENT_MAX_BYTES.
    """
    if file is None or not file.filename:
        raise ValidationError("请选择要导入的 Word 文件。")
    display_name = clean_display_name(file.filename)
    data = io.BytesIO(b"".join(read_limited(file.stream, display_name)))
    if detect_kind(data) != "docx" or _expanded_size(data) > MAX_EXPANDED_BYTES:
        raise ValidationError(UNREADABLE)
    try:
        html, image_count, messages, found = bounded.run(
            convert, data.getvalue(), title or "", budget=Budget.for_imports())
    except BudgetExceeded as exceeded:
        current_app.logger.info("docx import of %r stopped: %s", display_name, exceeded)
        raise ValidationError(TOO_COMPLEX.format(reason=exceeded.reason("转换"))) from None
    except Exception as error:  # a corrupt package fails in many ways (zip, XML, keys)
        current_app.logger.info("docx import failed for %r: %s", display_name, error)
        raise ValidationError(UNREADABLE) from error
    for message in messages:
        current_app.logger.debug("docx import of %r: %s", display_name, message)
    return WordImport(html, _warnings(html, image_count), found)


def convert(data: bytes, title: str = "") -> tuple[str, int, list[str], gongwen.Found]:
    """The document as clean HTML, how many images were left out, mammoth's notes and
    what the 公文 says of itself. Pure: runs in the budgeted child."""
    skipped_images: list[object] = []
    found: list[gongwen.Found] = []

    def restructure(document):
        document, what = gongwen.restructure(document, title)
        found.append(what)
        return document

    def skip_image(image) -> dict:
        skipped_images.append(image)
        return {}  # no src: clean_html drops the <img>

    result = mammoth.convert_to_html(
        io.BytesIO(data),
        style_map=STYLE_MAP,
        include_embedded_style_map=False,
        external_file_access=False,
        convert_image=mammoth.images.img_element(skip_image),
        transform_document=restructure,
    )
    html = _EMPTY_PARAGRAPH.sub("", clean_html(result.value))
    return (html, len(skipped_images), [message.message for message in result.messages],
            found[0] if found else gongwen.Found())


def _expanded_size(data: io.BytesIO) -> int:
    """Declared uncompressed size of everything except media (which is never read)."""
    with zipfile.ZipFile(data) as archive:
        size = sum(info.file_size for info in archive.infolist()
                   if not info.filename.startswith("word/media/"))
    data.seek(0)
    return size


def _warnings(html: str, image_count: int) -> list[str]:
    warnings = []
    if image_count:
        warnings.append(f"文档中的 {image_count} 张图片未导入，"
                        "请将图片另存为 JPG 或 PNG 后作为附件上传。")
    if not html.strip():
        warnings.append("文档中没有可导入的文字内容。")
    return warnings
