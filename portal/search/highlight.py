"""Highlighted titles and snippets for search results.

The text is escaped first and the query words are then wrapped in <mark>: the pieces
between and inside the matches are escaped one by one, so markup in a document (or in a
query) can never reach the page. Words are matched case-insensitively; single characters
are marked together as they stood in the query (王堂村), alone only when the query has
nothing longer, so a query like 双塔村 低保 does not paint every 村 on the page.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

SNIPPET_CHARS = 120
CONTEXT_BEFORE = 30


def _marked_words(tokens: list[str]) -> list[str]:
    """Words to mark: the query's words of two or more characters, and runs of its single
    characters joined again (王 堂 村 → 王堂村); lone characters only if nothing else."""
    words, run = [], []
    for token in [*tokens, ""]:
        if len(token) == 1:
            run.append(token)
            continue
        if len(run) > 1:
            words.append("".join(run))
        run = []
        if token:
            words.append(token)
    return words or list(tokens)


def _pattern(tokens: list[str]) -> re.Pattern | None:
    words = _marked_words(tokens)
    if not words:
        return None
    words.sort(key=len, reverse=True)  # the longest alternative wins at one position
    return re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)


def mark(text: str, tokens: list[str]) -> Markup:
    """`text` escaped, with every query word wrapped in <mark>."""
    pattern = _pattern(tokens)
    if pattern is None:
        return escape(text)
    out: list[str] = []
    position = 0
    for found in pattern.finditer(text):
        out.append(str(escape(text[position:found.start()])))
        out.append(f"<mark>{escape(found.group())}</mark>")
        position = found.end()
    out.append(str(escape(text[position:])))
    # Every piece was escaped above; only the <mark> tags are ours.
    return Markup("".join(out))  # nosec B704


def snippet(body: str, attachment_text: str, tokens: list[str],
            width: int = SNIPPET_CHARS) -> Markup:
    """A window of about `width` characters around the first match in the body, else in
    the attachments (prefixed 附件：), else the start of the body; highlighted."""
    pattern = _pattern(tokens)
    for prefix, text in (("", body), ("附件：", attachment_text)):
        found = pattern.search(text) if pattern is not None and text else None
        if found is not None:
            start = max(0, found.start() - CONTEXT_BEFORE)
            # escape() already returns Markup; the wrapper only fixes the type.
            return Markup(escape(prefix)) + _window(text, start, width, tokens)  # nosec B704
    return _window(body or attachment_text, 0, width, tokens)


def _window(text: str, start: int, width: int, tokens: list[str]) -> Markup:
    end = min(len(text), start + width)
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    # lead and tail are our own constants ("…" or ""); mark() escapes the text.
    return Markup(lead) + mark(text[start:end], tokens) + Markup(tail)  # nosec B704
