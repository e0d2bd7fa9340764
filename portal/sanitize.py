"""Rich text for public pages: the one place that turns untrusted HTML into safe HTML.

This is the only module that imports bleach. Staff write disclosure bodies in an editor,
paste them from other sites or import them from Word; everything is cleaned here before
it is stored, and the result can be rendered with `|safe`.

Decisions:
- A conservative tag set for government documents; no `style`, `class` or `id`
  attributes (no CSS sanitizer: formatting comes from the site's own stylesheet).
- `h1` becomes `h2` and `h6` becomes `h5`: the page title is the document's only `h1`
  and the body keeps four heading levels, the four levels of a 公文 (一、（一）1.（1）).
- The content of script, style, iframe, object, svg, math, noscript, template … is removed
  with the element, so no stray `alert(1)` text is left behind.
- Links: http, https, mailto and relative links; absolute links get
  `rel="noopener noreferrer"`. A link without an href keeps only its text.
- Images: only same-site paths starting with a single `/` (no `data:`, no other hosts); an
  image without such a source is dropped.
- The result is stable: `clean_html(clean_html(x)) == clean_html(x)`. Some trees cannot
  survive being written out and parsed again (a heading nested in a heading through
  foreign content, say), so cleaning repeats until the output no longer changes.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from bleach import html5lib_shim
from bleach.sanitizer import BleachSanitizerFilter

ALLOWED_TAGS = frozenset({
    "p", "br", "h2", "h3", "h4", "h5", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tfoot", "tr", "th", "td",
    "caption", "a", "img", "hr", "span", "div", "pre", "code",
})
ALLOWED_ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "th": frozenset({"scope", "colspan", "rowspan"}),
    "td": frozenset({"colspan", "rowspan"}),
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# Removed together with everything inside them.
DROP_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "frame", "object", "embed", "applet", "noscript", "noembed",
    "noframes", "template", "textarea", "select", "svg", "math", "title",
})
HEADING_MAP = {"h1": "h2", "h6": "h5"}

_TAG_TYPES = frozenset({"StartTag", "EndTag", "EmptyTag"})
_URL_NOISE = re.compile(r"[\t\n\r]")
_SAME_SITE_PATH = re.compile(r"/(?![/\\])[^\s\x00-\x1f\x7f]*")
_ABSOLUTE_URL = re.compile(r"(?:https?:|[/\\]{2})", re.IGNORECASE)
_VALUE_RULES = {
    "width": re.compile(r"\d{1,4}%?"),
    "height": re.compile(r"\d{1,4}%?"),
    "colspan": re.compile(r"\d{1,3}"),
    "rowspan": re.compile(r"\d{1,3}"),
    "scope": re.compile(r"row|col|rowgroup|colgroup", re.IGNORECASE),
}


def _decoded_url(value: str) -> str:
    """The URL a browser would see: entities decoded, tabs/newlines removed, trimmed."""
    return _URL_NOISE.sub("", html.unescape(value)).strip(" \x00-\x1f")


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    if tag == "img" and name == "src":
        return _SAME_SITE_PATH.fullmatch(_decoded_url(value)) is not None
    rule = _VALUE_RULES.get(name)
    return rule is None or rule.fullmatch(value.strip()) is not None


class _PrepareFilter(html5lib_shim.Filter):
    """Before sanitizing: drop dangerous elements with their content, map headings."""

    def __iter__(self):
        depth = 0
        for token in super().__iter__():
            kind = token["type"]
            if depth:
                depth += {"StartTag": 1, "EndTag": -1}.get(kind, 0)
                continue
            if kind in _TAG_TYPES and token["name"] in DROP_WITH_CONTENT:
                depth = 1 if kind == "StartTag" else 0
                continue
            if kind in _TAG_TYPES:
                token["name"] = HEADING_MAP.get(token["name"], token["name"])
            yield token


class _FinishFilter(html5lib_shim.Filter):
    """After sanitizing: rel on absolute links, unwrap bare links, drop bare images.

    Also doubles a newline right after `<pre>`, which the parser would otherwise eat on
    the next round (keeps cleaning idempotent).
    """

    def __iter__(self):
        kept_links: list[bool] = []
        after_pre = False
        for token in super().__iter__():
            kind, name = token["type"], token.get("name")
            if after_pre and kind in ("Characters", "SpaceCharacters") \
                    and token["data"].startswith("\n"):
                yield {"type": "Characters", "data": "\n"}
            after_pre = kind == "StartTag" and name == "pre"
            if name == "a" and kind == "StartTag":
                kept_links.append(self._prepare_link(token))
                if not kept_links[-1]:
                    continue
            elif name == "a" and kind == "EndTag":
                if kept_links and not kept_links.pop():
                    continue
            elif name == "img" and (None, "src") not in token.get("data", {}):
                continue
            yield token

    @staticmethod
    def _prepare_link(token: dict) -> bool:
        attrs = token.get("data", {})
        href = attrs.get((None, "href"))
        if href is None:
            return False
        if _ABSOLUTE_URL.match(_decoded_url(href)):
            attrs[(None, "rel")] = "noopener noreferrer"
        return True


def _parser() -> html5lib_shim.BleachHTMLParser:
    # Tags outside this set are turned into text by bleach's tokenizer; the dropped and
    # renamed ones must reach the tree so the filters above can see them.
    return html5lib_shim.BleachHTMLParser(
        tags=ALLOWED_TAGS | DROP_WITH_CONTENT | set(HEADING_MAP),
        strip=True,
        consume_entities=False,
        namespaceHTMLElements=False,
    )


_SERIALIZER_OPTIONS = {
    "quote_attr_values": "always",
    "omit_optional_tags": False,
    "escape_lt_in_attrs": True,
    "resolve_entities": False,
    "sanitize": False,
    "alphabetical_attributes": False,
}


# Rounds of cleaning before giving up on a fixed point (one or two are the rule; the
# output of every round is safe, only its stability is at stake).
MAX_ROUNDS = 5


def clean_html(html_text: str) -> str:
    """Return a safe version of untrusted HTML for storage and display.

    Used by every service that stores rich text (disclosure bodies, Word imports, village
    notices). Never raises on odd input; returns "" for empty input.
    """
    result = _clean_once(html_text or "")
    for _ in range(MAX_ROUNDS):
        again = _clean_once(result)
        if again == result:
            break
        result = again
    return result


def _clean_once(html_text: str) -> str:
    if not html_text:
        return ""
    dom = _parser().parseFragment(html_text)
    walker = html5lib_shim.getTreeWalker("etree")
    stream = BleachSanitizerFilter(
        source=_PrepareFilter(walker(dom)),
        allowed_tags=ALLOWED_TAGS,
        attributes=_allow_attribute,
        allowed_protocols=ALLOWED_PROTOCOLS,
        strip_disallowed_tags=True,
        strip_html_comments=True,
    )
    serializer = html5lib_shim.BleachHTMLSerializer(**_SERIALIZER_OPTIONS)
    return serializer.render(_FinishFilter(stream))


# Markup that would *run* something: refused outright rather than silently cleaned, so the
# author learns what was in the text they pasted (and the attempt is on the record).
EXECUTABLE_TAGS = frozenset({"script", "iframe", "frame", "object", "embed", "applet", "base",
                             "meta", "link", "form"})
_SCRIPT_URL = re.compile(r"^(?:javascript|vbscript|data):", re.IGNORECASE)
_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data"})


class _UnsafeFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in EXECUTABLE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name} 事件属性")
            elif name in _URL_ATTRIBUTES and value and _SCRIPT_URL.match(_decoded_url(value)):
                self.found.append(f"{_decoded_url(value).split(':')[0].lower()}: 链接")

    handle_startendtag = handle_starttag


def find_unsafe(html_text: str) -> list[str]:
    """Name the constructs in `html_text` that would execute in a browser (script and
    embedding tags, `on…` event attributes, javascript:/vbscript:/data: URLs), each once,
    in order of appearance. Ordinary formatting (style, class, span) is not reported:
    `clean_html` simply drops it."""
    finder = _UnsafeFinder()
    finder.feed(html_text or "")
    finder.close()
    return list(dict.fromkeys(finder.found))


_BLOCK_TAGS = frozenset({
    "p", "br", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "hr", "table", "caption", "ul", "ol", "thead", "tbody", "tfoot",
})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        self.handle_starttag(tag, [])

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(html_text: str) -> str:
    """Plain text of a rich-text body for search and snippets, whitespace collapsed.

    Block elements separate words with one space; inline markup adds none (Chinese text
    has no spaces between words). Cleans first, so script or style content never leaks.
    """
    extractor = _TextExtractor()
    extractor.feed(clean_html(html_text))
    extractor.close()
    return " ".join("".join(extractor.parts).split())


_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")


def text_to_html(text: str) -> str:
    """Turn plain text typed by staff into HTML: blank lines separate paragraphs, single
    newlines become `<br>`. Leading full-width spaces (段首缩进) are kept."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = []
    for block in _BLANK_LINE.split(text):
        lines = [line.rstrip() for line in block.strip("\n").split("\n")]
        if any(lines):
            paragraphs.append("<p>" + "<br>".join(html.escape(line, quote=False)
                                                  for line in lines) + "</p>")
    return clean_html("\n".join(paragraphs))
