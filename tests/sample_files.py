"""Real sample files for tests: a PDF or OFD whose text reads what is asked, so text
extraction and the personal-data scan see it as a person would."""

from __future__ import annotations

import io
import zipfile

OFD_NS = "http://www.ofdspec.org/2016"


def chinese_pdf(text: str) -> bytes:
    """A one-page PDF whose text layer reads `text`: CID = Unicode code point, mapped back
    by a ToUnicode CMap, no embedded font."""
    hex_text = "".join(f"{ord(ch):04X}" for ch in text)
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
            "/CMapName /Identity-UCS def 1 begincodespacerange <0000> <FFFF> "
            "endcodespacerange 1 beginbfrange <0000> <FFFF> <0000> endbfrange endcmap "
            "CMapName currentdict /CMap defineresource pop end end")
    stream = f"BT /F1 12 Tf 72 720 Td <{hex_text}> Tj ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        "/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
        f"<< /Length {len(cmap)} >>\nstream\n{cmap}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return bytes(out)


# A short readable PDF for tests that only need an attachment that passes every check.
PDF = chinese_pdf("附件：实施方案")


def ofd(*pages: str, per_character: bool = True) -> bytes:
    """An OFD (GB/T 33190) with one page per argument, one line per line of it. As many
    writers do, `per_character` puts every character in a TextObject of its own (one
    baseline per line); otherwise a line is one TextObject whose later TextCodes carry no
    Y. The document root and the pages are given with relative and absolute locations."""
    def page(text: str) -> str:
        objects = []
        for row, line in enumerate(text.split("\n")):
            y = 20 + row * 8
            if per_character:
                objects += [f'<ofd:TextObject ID="{row}{col}" Boundary="{20 + col * 4} {y} 4 5" '
                            f'Font="1" Size="3.5"><ofd:TextCode X="0" Y="3.5">{ch}'
                            "</ofd:TextCode></ofd:TextObject>"
                            for col, ch in enumerate(line)]
            else:
                half = len(line) // 2
                objects.append(f'<ofd:TextObject ID="{row}" Boundary="20 {y} 170 5" Font="1" '
                               f'Size="3.5"><ofd:TextCode X="0" Y="3.5">{line[:half]}'
                               f"</ofd:TextCode><ofd:TextCode X=\"{half * 4}\">{line[half:]}"
                               "</ofd:TextCode></ofd:TextObject>")
        return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}">'
                '<ofd:Content><ofd:Layer ID="1">' + "".join(objects)
                + "</ofd:Layer></ofd:Content></ofd:Page>")

    listed = "".join(
        f'<ofd:Page ID="{n}" BaseLoc="{"/Doc_0/" if n % 2 else ""}Pages/Page_{n}/Content.xml"/>'
        for n in range(len(pages)))
    parts = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NS}" '
                   'Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>1'
                   "</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
                   "</ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document '
                              f'xmlns:ofd="{OFD_NS}"><ofd:CommonData><ofd:PhysicalBox>0 0 210 '
                              "297</ofd:PhysicalBox></ofd:CommonData>"
                              f"<ofd:Pages>{listed}</ofd:Pages></ofd:Document>",
    }
    parts |= {f"Doc_0/Pages/Page_{n}/Content.xml": page(text) for n, text in enumerate(pages)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()
