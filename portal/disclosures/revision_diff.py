"""What a revision changes, as the reviewer reads it: each metadata field before and after,
the body paragraph by paragraph (changed characters marked within a paragraph), and the
attachments added and removed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher

from portal.attachments.models import StoredFile
from portal.catalogue.models import CatalogueEntry
from portal.disclosures.content import stored_files
from portal.disclosures.models import Disclosure, Proposal
from portal.extensions import db
from portal.sanitize import html_to_text

# Unchanged paragraphs shown around a change; longer runs are folded.
CONTEXT = 1
LABELS = (("title", "标题"), ("category", "公开类别"), ("doc_number", "发文字号"),
          ("written_on", "成文日期"), ("formed_on", "信息形成日期"), ("topic", "主题分类"),
          ("keywords", "主题词"), ("mode", "公开方式"), ("validity", "有效性"),
          ("repealed_on", "废止日期"), ("source", "信息来源"),
          ("catalogue_entry_id", "公开目录事项"))
FORMAT_ONLY = "正文文字未变，只改了格式（分段、加粗等）。"
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|tr|div|blockquote|pre|table)>|<br\s*/?>", re.I)


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Line:
    """One paragraph of the body: `same`, `removed`, `added`, `changed` (with `pieces`, each
    ("same" | "removed" | "added", text)), `folded` (`text` says how many), or `format`
    (the words stay, only the markup changes)."""

    kind: str
    text: str = ""
    pieces: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RevisionDiff:
    fields: list[FieldChange]
    body: list[Line]
    added: list[StoredFile]
    removed: list[StoredFile]

    @property
    def is_empty(self) -> bool:
        return not (self.fields or self.body or self.added or self.removed)

    @property
    def labels(self) -> list[str]:
        """What changed, in words, for the audit record."""
        return ([c.label for c in self.fields] + (["正文"] if self.body else [])
                + (["附件"] if self.added or self.removed else []))


def _shown(name: str, value) -> str:
    if value is None or value == "":
        return ""
    if name == "catalogue_entry_id":
        entry = db.session.get(CatalogueEntry, value)
        return entry.label if entry is not None else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "label", str(value))


def paragraphs(body_html: str) -> list[str]:
    return [text for chunk in _BLOCK_END.split(body_html or "") if (text := html_to_text(chunk))]


def _pieces(before: str, after: str) -> list[tuple[str, str]]:
    pieces = []
    for op, a1, a2, b1, b2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("same", before[a1:a2]))
            continue
        if a2 > a1:
            pieces.append(("removed", before[a1:a2]))
        if b2 > b1:
            pieces.append(("added", after[b1:b2]))
    return pieces


def _equal_run(lines: list[str], first: bool, last: bool) -> list[Line]:
    head = [] if first else lines[:CONTEXT]
    tail = [] if last else lines[-CONTEXT:]
    if len(lines) <= len(head) + len(tail) + 1:
        return [Line("same", text) for text in lines]
    folded = len(lines) - len(head) - len(tail)
    return ([Line("same", text) for text in head] + [Line("folded", f"{folded} 段未改动")]
            + [Line("same", text) for text in tail])


def body_lines(before_html: str, after_html: str) -> list[Line]:
    """The body's paragraphs with the changes marked; empty when the text is the same."""
    before, after = paragraphs(before_html), paragraphs(after_html)
    if before == after:
        return [] if before_html == after_html else [Line("format", FORMAT_ONLY)]
    opcodes = SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
    lines: list[Line] = []
    for number, (op, a1, a2, b1, b2) in enumerate(opcodes):
        if op == "equal":
            lines += _equal_run(before[a1:a2], number == 0, number == len(opcodes) - 1)
        elif op == "replace" and a2 - a1 == b2 - b1:
            lines += [Line("changed", pieces=_pieces(old, new))
                      for old, new in zip(before[a1:a2], after[b1:b2], strict=True)]
        else:
            lines += [Line("removed", text) for text in before[a1:a2]]
            lines += [Line("added", text) for text in after[b1:b2]]
    return lines


def diff(disclosure: Disclosure, proposal: Proposal) -> RevisionDiff:
    """What approving `proposal` would change in `disclosure` as it stands."""
    changes = []
    for name, label in LABELS:
        before, after = getattr(disclosure, name), getattr(proposal, name)
        if before != after:
            changes.append(FieldChange(label, _shown(name, before), _shown(name, after)))
    current = [link.stored_file_id for link in disclosure.attachments]
    return RevisionDiff(
        fields=changes, body=body_lines(disclosure.body_html, proposal.body_html),
        added=stored_files([i for i in proposal.attachment_ids if i not in current]),
        removed=stored_files([i for i in current if i not in proposal.attachment_ids]))
