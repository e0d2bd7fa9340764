"""Fixtures for the attachment tests: sample files built in code, small but real enough
for content detection and for mammoth, offered through the `samples` fixture."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import FileStorage

from tests.sample_files import PDF

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"


def pdf_bytes(padding: int = 0) -> bytes:
    """A readable one-page PDF (附件：实施方案), `padding` bytes longer than that."""
    return PDF + (b"%" + b"x" * padding + b"\n" if padding else b"")


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def jpeg_bytes() -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + b"\xff\xd9"


def zip_bytes(parts: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _content_types(overrides: dict[str, str]) -> str:
    items = "".join(f'<Override PartName="/{part}" ContentType="{kind}"/>'
                    for part, kind in overrides.items())
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="png" ContentType="image/png"/>' + items + "</Types>")


def _relationships(*rels: tuple[str, str, str, str | None]) -> str:
    items = "".join(
        f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"'
        + (f' TargetMode="{mode}"' if mode else "") + "/>"
        for rid, kind, target, mode in rels)
    return (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_RELS}">'
            f"{items}</Relationships>")


STYLES = (f'<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="{W_NS}">'
          # Chinese Word names its heading styles "1", "2" by id, "heading 1" by name.
          '<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/></w:style>'
          '<w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/></w:style>'
          "</w:styles>")


def paragraph(text: str, style: str | None = None) -> str:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{props}<w:r><w:t>{text}</w:t></w:r></w:p>"


def table(rows: list[list[str]]) -> str:
    cells = "".join("<w:tr>" + "".join(f"<w:tc>{paragraph(c)}</w:tc>" for c in row) + "</w:tr>"
                    for row in rows)
    return f"<w:tbl>{cells}</w:tbl>"


def indented(text: str) -> str:
    """A paragraph indented the way 公文 are typed: a first-line indent of two characters
    and two 全角空格 in front."""
    return ('<w:p><w:pPr><w:ind w:firstLineChars="200" w:firstLine="640"/></w:pPr>'
            f"<w:r><w:t xml:space=\"preserve\">\u3000\u3000{text}</w:t></w:r></w:p>")


def indented_table(rows: list[list[str]]) -> str:
    cells = "".join("<w:tr>" + "".join(f"<w:tc>{indented(c)}</w:tc>" for c in row) + "</w:tr>"
                    for row in rows)
    return f"<w:tbl>{cells}</w:tbl>"


def gongwen_body(*, doc_number: str = "民政发〔2023〕12号",
                 written: str = "二〇二三年三月五日") -> str:
    """A 公文 as GB/T 9704-2012 lays it out: 份号, 发文机关标志, 文号, the red rule, a title
    over two lines, 主送机关, 正文 with four heading levels and a table, 署名, 成文日期, 版记."""
    return "".join([
        paragraph("000012"), paragraph("民权县人民政府文件"), paragraph(doc_number),
        paragraph("━━━━━━━━━━━━━━━━"),
        paragraph("民权县人民政府关于印发"), paragraph("双塔镇路灯维修实施方案的通知"),
        paragraph("各乡镇人民政府，县直各单位："),
        indented("现将《双塔镇路灯维修实施方案》印发给你们，请认真贯彻执行。"),
        paragraph("一、总体要求"),
        indented("坚持问题导向，三月底前完成全部路灯的排查和维修。"),
        paragraph("（一）加强组织领导。"),
        paragraph("1.明确责任分工"),
        paragraph("（1）镇长负总责"),
        indented("1.各村要在3月底前完成摸底，摸底结果报镇党政办公室备案。"),
        indented_table([["项目", "金额（元）"], ["道路硬化", "120000"]]),
        paragraph("二、保障措施"),
        paragraph("民权县人民政府"), paragraph(written),
        paragraph("（此件公开发布）"),
        paragraph("抄送：县委办公室，县人大常委会办公室。"),
        paragraph("民权县人民政府办公室　　2023年3月6日印发"),
    ])


IMAGE_RUN = (
    '<w:p><w:r><w:drawing><wp:inline><wp:docPr id="1" name="图片 1" descr="示意图"/>'
    '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
    '<pic:pic><pic:blipFill><a:blip r:embed="rIdImage"/></pic:blipFill></pic:pic>'
    "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>")


def link(text: str, rel_id: str) -> str:
    return f'<w:p><w:hyperlink r:id="{rel_id}"><w:r><w:t>{text}</w:t></w:r></w:hyperlink></w:p>'


DEFAULT_BODY = (paragraph("总则", "1") + paragraph("适用范围", "2")
                + paragraph("为进一步推进政务公开，𠀀村制定本办法。")
                + table([["项目", "金额（元）"], ["道路硬化", "120000"]]))


def docx_bytes(body: str = DEFAULT_BODY, *, extra_parts: dict | None = None,
               document_rels: tuple = ()) -> bytes:
    """A real .docx: content types, package and document relationships, styles, body."""
    document = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}" '
                f'xmlns:r="{R_NS}" '
                'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
                'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
                'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
                f"<w:body>{body}</w:body></w:document>")
    styles_rel = ("rIdStyles", "http://schemas.openxmlformats.org/officeDocument/2006/"
                  "relationships/styles", "styles.xml", None)
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    parts = {
        "[Content_Types].xml": _content_types({
            "word/document.xml": f"{main}.document.main+xml",
            "word/styles.xml": f"{main}.styles+xml"}),
        "_rels/.rels": _relationships(("rId1", OFFICE_DOC, "word/document.xml", None)),
        "word/_rels/document.xml.rels": _relationships(styles_rel, *document_rels),
        "word/document.xml": document,
        "word/styles.xml": STYLES,
    }
    parts.update(extra_parts or {})
    return zip_bytes(parts)


def xlsx_bytes() -> bytes:
    sheet_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return zip_bytes({
        "[Content_Types].xml": _content_types({"xl/workbook.xml": "application/vnd."
                                               "openxmlformats-officedocument.spreadsheetml."
                                               "sheet.main+xml"}),
        "_rels/.rels": _relationships(("rId1", OFFICE_DOC, "xl/workbook.xml", None)),
        "xl/workbook.xml": f'<workbook xmlns="{sheet_ns}"><sheets/></workbook>',
    })


def ofd_bytes() -> bytes:
    return zip_bytes({
        "OFD.xml": '<?xml version="1.0" encoding="UTF-8"?><ofd:OFD '
                   'xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">'
                   "<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody>"
                   "</ofd:OFD>",
        "Doc_0/Document.xml": "<ofd:Document xmlns:ofd=\"http://www.ofdspec.org/2016\"/>",
    })


def ole_bytes(stream: str) -> bytes:
    """An OLE2 compound file header plus one directory sector listing `stream`."""
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16) + struct.pack("<HHH", 0x3E, 3, 0xFFFE)
    header = header.ljust(512, b"\x00")

    def entry(name: str, kind: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        return (encoded.ljust(64, b"\x00") + struct.pack("<HB", len(encoded), kind)).ljust(
            128, b"\x00")

    directory = entry("Root Entry", 5) + entry(stream, 2) + bytes(256)
    return header + directory + bytes(512)


SAMPLES = {
    "pdf": pdf_bytes,
    "ofd": ofd_bytes,
    "doc": lambda: ole_bytes("WordDocument"),
    "docx": docx_bytes,
    "xls": lambda: ole_bytes("Workbook"),
    "xlsx": xlsx_bytes,
    "jpg": jpeg_bytes,
    "png": png_bytes,
}


def upload(name: str, content: bytes | io.IOBase) -> FileStorage:
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    return FileStorage(stream=stream, filename=name)


def files_under(folder: Path) -> list[Path]:
    """Every regular file below `folder` (temporary files included)."""
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


@pytest.fixture
def samples() -> SimpleNamespace:
    """The builders above (test modules cannot import a conftest)."""
    return SimpleNamespace(
        by_kind=SAMPLES, pdf=pdf_bytes, png=png_bytes, jpeg=jpeg_bytes, zip=zip_bytes,
        docx=docx_bytes, xlsx=xlsx_bytes, ofd=ofd_bytes, ole=ole_bytes, upload=upload,
        files_under=files_under, paragraph=paragraph, table=table, link=link,
        indented=indented, gongwen_body=gongwen_body,
        image_run=IMAGE_RUN, default_body=DEFAULT_BODY)


@pytest.fixture
def upload_folder(app) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])
