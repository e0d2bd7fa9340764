"""Real sample files for tests: a PDF whose text layer reads what is asked, so text
extraction and the personal-data scan see it as a person would."""

from __future__ import annotations


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
