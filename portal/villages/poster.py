"""The A4 poster's QR code, drawn as inline SVG on the server (qrcode package)."""

from __future__ import annotations

import io

import qrcode
from markupsafe import Markup
from qrcode.image.svg import SvgPathImage


def qr_svg(url: str) -> Markup:
    """An SVG QR code for `url`, safe to place in a page. Medium error correction, so a
    slightly scuffed paper copy on the 公开栏 still scans."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         image_factory=SvgPathImage)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg"):]  # drop the XML declaration for inline use
    # The qrcode library's own SVG: paths of a QR matrix, no text from the URL.
    return Markup(svg)  # nosec B704
