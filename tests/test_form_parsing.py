"""Form bodies are parsed in work proportional to their size, whatever their shape.

The work is counted, not timed: every Python and built-in call made while parsing (a
profiler hook), and the bytes handed to searches — each regular expression the parsers
use and the multipart decoder's finds over its buffer — counting the part of the subject
a search may scan. A body four times as large may take at most five times the work; a
parser that rescans what it has already seen takes sixteen.
"""

from __future__ import annotations

import io
import sys
from urllib.parse import parse_qsl, quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.sansio import multipart
from werkzeug.sansio.multipart import MultipartDecoder

from portal.safety import LenientFormDataParser, PercentEncodeQuery

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
BOUNDARY = b"----portalboundary7MA4YWxk"
KB = 1024


def _part(name: bytes, value: bytes, filename: bytes | None = None) -> bytes:
    disposition = b'form-data; name="' + name + b'"'
    if filename is not None:
        disposition += b'; filename="' + filename + b'"'
    return (b"--" + BOUNDARY + b"\r\nContent-Disposition: " + disposition + b"\r\n\r\n"
            + value + b"\r\n")


def _file(content: bytes) -> bytes:
    return _part(b"files", content, b"a.pdf") + b"--" + BOUNDARY + b"--\r\n"


URLENCODED_SHAPES = {
    "many fields": lambda n: b"a=1&" * (n // 4),
    "one huge field": lambda n: b"body=" + b"x" * n,
    "escaped Chinese": lambda n: b"body=" + b"%E4%BD%A0" * (n // 9),
    "escapes between letters": lambda n: b"body=" + b"%41a" * (n // 4),
    "lone percent signs": lambda n: b"body=" + b"%" * n,
    "raw bytes that are not UTF-8": lambda n: b"body=" + b"\xff" * n,
    "raw UTF-8": lambda n: b"body=" + "你".encode() * (n // 3),
    "separators only": lambda n: b"&=+" * (n // 3),
}
MULTIPART_SHAPES = {
    "many fields": lambda n: b"".join([_part(b"a", b"1")] * (n // 80))
    + b"--" + BOUNDARY + b"--\r\n",
    "one huge field": lambda n: _part(b"body", b"x" * n) + b"--" + BOUNDARY + b"--\r\n",
    "a file without line breaks": lambda n: _file(b"x" * n),
    "a file of carriage returns": lambda n: _file(b"\r" * n),
    "a file of line feeds": lambda n: _file(b"\n" * n),
    "a file of almost-boundaries": lambda n: _file(
        (b"\r\n--" + BOUNDARY[:-1] + b"x") * (n // (len(BOUNDARY) + 4))),
    "a file of boundaries without line breaks": lambda n: _file(
        (b"x--" + BOUNDARY) * (n // (len(BOUNDARY) + 3))),
    "a long preamble": lambda n: b"x" * n + b"\r\n" + _part(b"a", b"1")
    + b"--" + BOUNDARY + b"--\r\n",
    "long part headers": lambda n: b"--" + BOUNDARY
    + b'\r\nContent-Disposition: form-data; name="a"\r\nX-Note: ' + b"y" * n
    + b"\r\n\r\n1\r\n--" + BOUNDARY + b"--\r\n",
}


def _parse(mimetype: str, body: bytes):
    parser = LenientFormDataParser(max_form_memory_size=None, max_content_length=None,
                                   max_form_parts=None, cls=MultiDict)
    return parser.parse(io.BytesIO(body), mimetype, len(body),
                        {"boundary": BOUNDARY.decode()})


class _Tally:
    """Bytes handed to searches: each regular-expression search, match or substitution
    and each find counts the part of its subject it may scan."""

    def __init__(self):
        self.searched = 0

    def pattern(self, compiled):
        tally = self

        class Counted:
            def search(self, string, pos=0, *rest):
                tally.searched += len(string) - pos
                return compiled.search(string, pos, *rest)

            def match(self, string, pos=0, *rest):
                tally.searched += len(string) - pos
                return compiled.match(string, pos, *rest)

            def sub(self, repl, string, count=0):
                tally.searched += len(string)
                return compiled.sub(repl, string, count)

            def __getattr__(self, name):
                return getattr(compiled, name)

        return Counted()

    def buffer(self):
        tally = self

        class CountedBuffer(bytearray):
            def find(self, sub, start=0, *rest):
                tally.searched += len(self) - start
                return super().find(sub, start, *rest)

        return CountedBuffer()


def _work(mimetype: str, body: bytes, monkeypatch) -> tuple[int, int]:
    """(calls made, bytes searched) while parsing `body`."""
    from portal import safety

    tally = _Tally()
    start = MultipartDecoder.__init__

    def counted_decoder(decoder, *args, **kwargs):
        start(decoder, *args, **kwargs)
        decoder.buffer = tally.buffer()
        decoder.preamble_re = tally.pattern(decoder.preamble_re)
        decoder.boundary_re = tally.pattern(decoder.boundary_re)

    calls = 0

    def count(_frame, event, _arg):
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    with monkeypatch.context() as patch:
        patch.setattr(MultipartDecoder, "__init__", counted_decoder)
        for name in ("BLANK_LINE_RE", "LINE_BREAK_RE", "HEADER_CONTINUATION_RE"):
            patch.setattr(multipart, name, tally.pattern(getattr(multipart, name)))
        patch.setattr(safety, "_ESCAPED_RUN", tally.pattern(safety._ESCAPED_RUN))
        sys.setprofile(count)
        try:
            _parse(mimetype, body)
        finally:
            sys.setprofile(None)
    return calls, tally.searched


def _assert_linear(mimetype: str, make, n: int, monkeypatch) -> None:
    small = _work(mimetype, make(n), monkeypatch)
    large = _work(mimetype, make(4 * n), monkeypatch)
    for what, a, b in zip(("calls", "bytes searched"), small, large, strict=True):
        assert b <= 5 * max(a, 1), f"{what}: {a} for {n} bytes, {b} for {4 * n} bytes"


@pytest.mark.parametrize("shape", URLENCODED_SHAPES)
def test_urlencoded_bodies_parse_in_linear_work(shape, monkeypatch):
    _assert_linear(URLENCODED, URLENCODED_SHAPES[shape], 64 * KB, monkeypatch)


@pytest.mark.parametrize("shape", MULTIPART_SHAPES)
def test_multipart_bodies_parse_in_linear_work(shape, monkeypatch):
    # Werkzeug reads 64 KB at a time: several reads, so a rescan would show.
    _assert_linear(MULTIPART, MULTIPART_SHAPES[shape], 256 * KB, monkeypatch)


def test_url_encoded_fields_beyond_the_part_limit_are_refused():
    from werkzeug.exceptions import RequestEntityTooLarge

    parser = LenientFormDataParser(max_form_parts=1000, cls=MultiDict)
    body = b"a=1&" * 1001
    with pytest.raises(RequestEntityTooLarge):
        parser.parse(io.BytesIO(body), URLENCODED, len(body), {})
    _stream, form, _files = parser.parse(io.BytesIO(body[:-4]), URLENCODED, len(body) - 4, {})
    assert len(form.getlist("a")) == 1000


def _reference(body: bytes) -> list[tuple[str, str]]:
    """What the form parser has always meant: each byte that is not UTF-8, raw or
    %-escaped, reads as U+FFFD; "+" is a space; "%2B" a plus."""
    return parse_qsl(quote(body, safe=PercentEncodeQuery.SAFE), keep_blank_values=True,
                     errors="replace")


FORM_BYTES = st.lists(st.sampled_from([b"a", b"=", b"&", b"+", b"%", b"%2", b"%41", b"%e4",
                                       b"%BD", b"%A0", b"\xe4\xbd\xa0", b"\xff", b"\x00",
                                       b" ", b";", b"\r\n", "𠀀".encode()]),
                      max_size=40).map(b"".join)


@example(b"aa&a&aa")
@given(FORM_BYTES)
def test_urlencoded_bodies_read_as_they_always_have(body):
    _stream, form, _files = _parse(URLENCODED, body)
    # A MultiDict gives a repeated name's values together (aa&a&aa → aa, aa, a), so compare
    # name by name, each name's values in their order.
    assert list(form.lists()) == list(MultiDict(_reference(body)).lists())
