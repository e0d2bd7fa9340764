"""OFD files (GB/T 33190-2016, the national fixed-layout format many offices now issue):
checked on upload and read for their text.

An OFD is a ZIP package: `OFD.xml` names each document's root (`DocRoot`, e.g.
`Doc_0/Document.xml`); the document lists its pages (`Pages/Page/@BaseLoc`, relative to
the document's folder or, with a leading "/", to the package); each page's content holds
`TextObject`s (with a `Boundary` "x y w h") whose `TextCode`s carry the text and its
baseline `Y`. Text on one baseline is one line — writers often put each character in an
object of its own, and an ID number must read as one number, not eighteen — and lines
are joined with line breaks. Template pages (letterhead) are not read.

Defensive, as the DOCX reader is: no external library (the maintained ones pull in a PDF
renderer); parts are read from the package by their declared size, which bounds what
decompression may produce (callers also bound the whole package, portal.attachments.text);
XML with a document type declaration is refused outright, so no entity can expand; nothing
outside the package is ever opened.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.parsers import expat

MAX_PART_BYTES = 20 * 1024 * 1024
MAX_VERIFIED_BYTES = 20 * 1024 * 1024  # page content parsed on upload, all pages together
LINE_TOLERANCE = 1.0  # millimetres between baselines still read as one line


class DamagedOfd(Exception):
    """The package is not a readable OFD: a part is missing, too large or not XML."""


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


def _parse(data: bytes, start: Callable[[str, dict], None],
           end: Callable[[str], None] | None = None,
           text: Callable[[str], None] | None = None) -> None:
    """Run expat over `data` with namespace-free element names; a DTD is refused."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def refuse(*_args) -> None:
        raise DamagedOfd("document type declarations are not accepted")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = lambda name, attrs: start(_local(name), attrs)
    if end is not None:
        parser.EndElementHandler = lambda name: end(_local(name))
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise DamagedOfd(f"not well-formed XML: {error}") from None


def _info(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    name = posixpath.normpath(name.strip().lstrip("/"))
    try:
        return archive.getinfo(name)
    except KeyError:
        raise DamagedOfd(f"part {name!r} is missing") from None


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    info = _info(archive, name)
    if info.file_size > MAX_PART_BYTES:
        raise DamagedOfd(f"part {name!r} is larger than {MAX_PART_BYTES} bytes")
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise DamagedOfd(f"part {info.filename!r} cannot be read: {error}") from None


def _texts_of(data: bytes, element: str, attribute: str | None = None) -> list[str]:
    """The text (or `attribute`) of every `element` in `data`, in order."""
    found: list[str] = []
    inside: list[str] = []

    def start(name: str, attrs: dict) -> None:
        if name == element:
            if attribute is not None:
                found.append(attrs.get(attribute, ""))
            else:
                inside.append("")

    def end(name: str) -> None:
        if name == element and attribute is None:
            found.append(inside.pop())

    def text(data: str) -> None:
        if inside:
            inside[-1] += data

    _parse(data, start, end, text)
    return [value.strip() for value in found if value.strip()]


def page_parts(archive: zipfile.ZipFile) -> list[str]:
    """The content part of every page of every document, in reading order."""
    roots = _texts_of(_read(archive, "OFD.xml"), "DocRoot")
    if not roots:
        raise DamagedOfd("OFD.xml names no document")
    parts = []
    for root in roots:
        root = posixpath.normpath(root.lstrip("/"))
        folder = posixpath.dirname(root)
        for location in _texts_of(_read(archive, root), "Page", "BaseLoc"):
            parts.append(location.lstrip("/") if location.startswith("/")
                         else posixpath.join(folder, location))
    return parts


def verify(path: Path) -> None:
    """Check that `path` opens as an OFD: the package, its documents and every page's
    content part are there, and are XML as far as MAX_VERIFIED_BYTES of pages go (the
    upload's worker waits for this; the bounded text reading does the rest). Raises
    DamagedOfd."""
    try:
        with zipfile.ZipFile(path) as archive:
            budget = MAX_VERIFIED_BYTES
            for part in page_parts(archive):
                budget -= _info(archive, part).file_size
                if budget >= 0:
                    _parse(_read(archive, part), lambda _name, _attrs: None)
    except (zipfile.BadZipFile, OSError) as error:
        raise DamagedOfd(f"not a readable package: {error}") from None


def page_text(data: bytes) -> str:
    """The text of one page's content, a line per baseline."""
    lines: list[list[str]] = []
    state = {"origin": 0.0, "baseline": None, "code": None}

    def number(value: str | None, default: float = 0.0) -> float:
        try:
            return float(value) if value is not None else default
        except ValueError:
            return default

    def start(name: str, attrs: dict) -> None:
        if name == "TextObject":
            boundary = (attrs.get("Boundary") or "").split()
            state["origin"] = number(boundary[1] if len(boundary) > 1 else None)
        elif name == "TextCode":
            previous = state["baseline"]
            # a TextCode without Y goes on where the one before it stopped
            baseline = (state["origin"] + number(attrs["Y"]) if "Y" in attrs
                        else previous if previous is not None else state["origin"])
            if previous is None or abs(baseline - previous) > LINE_TOLERANCE:
                lines.append([])
                state["baseline"] = baseline
            state["code"] = []

    def end(name: str) -> None:
        if name == "TextCode" and state["code"] is not None:
            lines[-1].append("".join(state["code"]))
            state["code"] = None

    def text(data: str) -> None:
        if state["code"] is not None:
            state["code"].append(data)

    _parse(data, start, end, text)
    return "\n".join("".join(line) for line in lines)


def page_texts(path: Path) -> Iterator[tuple[int, str]]:
    """(page number from 1, its text) for every page. Raises DamagedOfd."""
    with zipfile.ZipFile(path) as archive:
        for number, part in enumerate(page_parts(archive), start=1):
            yield number, page_text(_read(archive, part))
