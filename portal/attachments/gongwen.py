"""A Word 公文 (official document, GB/T 9704-2012) read for its structure, so that the
imported body is the 正文 and the metadata come from the document's own head and foot.

What is recognised, in mammoth's document model before it becomes HTML:
- 版头: the paragraphs before and including the 发文字号 line (份号, 密级, 紧急程度, the
  发文机关标志 such as "民权县人民政府文件", the 文号 "民政发〔2023〕12号" with 〔〕, [] or ()
  and any 签发人), or, without a 文号, up to a 发文机关标志 ending in 文件 among the first
  three paragraphs, plus the rule under it (a paragraph of only ─—_ characters). Only short
  paragraphs (at most 40 characters) at the very start count. The 版头 is always dropped:
  it is letterhead, and its 文号 and 发文机关 are kept as metadata.
- 标题: the first paragraph after the 版头; a title set over two or three short lines is
  taken whole when a 主送机关 line (ending in "：") follows. Without a 版头, the first
  paragraph counts as the title only when it is the typed title or reads like one (short,
  no sentence punctuation, ends with a 文种 such as 通知、意见、办法、方案). It is dropped
  when it repeats the typed title, or when no title was typed (the caller fills it in).
- 成文日期: the last paragraph that is only a date ("2023年3月5日", "二〇二三年三月五日",
  in brackets or not) before the 版记 (抄送、印发); the short line just above it is the
  发文机关署名, used for the 发文机关 when there is no 版头.
- Level headings in the 正文: 一、 → h2, （一） → h3, 1. or 1、 → h4, （1） → h5. A level
  the document does not use is closed up, so headings never skip a level (a document
  with only 一、 and 1. gets h2 and h3). A numbered paragraph is a heading only when it
  reads like one: at most 30 characters after the number, with no sentence punctuation
  (。；！？：) inside. A single full stop at the end is allowed after 一、 and （一）,
  where 公文 often put one after a heading, but not after 1. and （1）: a short numbered
  sentence there is an item of a list, and stays a paragraph with its number.
- Leading blanks (全角空格, spaces, tabs typed as a first-line indent) are removed from
  table cells and headings. Body paragraphs keep their 全角空格 indent, as typed text does
  (portal.sanitize.text_to_html).

Pure: runs in the budgeted child with the rest of the conversion (portal.attachments.word).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from mammoth import documents

from portal.textnorm import fold

HEADING_STYLES = {level: f"公文标题{level}" for level in range(1, 5)}
STYLE_MAP_LINES = [f"p[style-name='{name}'] => h{level + 1}:fresh"
                   for level, name in HEADING_STYLES.items()]

_CN_DIGITS = "〇一二三四五六七八九"
_NUMBER = "一二三四五六七八九十百"
_LEVELS = (
    (1, re.compile(f"^[{_NUMBER}]+、")),
    (2, re.compile(f"^[（(][{_NUMBER}]+[）)]")),
    (3, re.compile(r"^\d{1,2}(?:[.．、](?!\d))")),
    (4, re.compile(r"^[（(]\d{1,2}[）)]")),
)
MAX_HEADING_CHARS = 30
_SENTENCE_PUNCTUATION = re.compile("[。；！？：;!?:]")
_DOC_NUMBER = re.compile(
    r"(?P<agency>[\u4e00-\u9fff]{1,15})\s*[〔\[［(（]\s*(?P<year>(?:19|20)\d{2})\s*[〕\]］)）]"
    r"\s*(?P<serial>\d{1,5})\s*号")
# Words that open a sentence citing another document's 文号, never a 文号 line itself.
_CITING = ("根据", "按照", "依据", "依照", "参照", "转发", "印发", "关于", "经", "对", "按")
_SIGNER = re.compile("签发人[:：]")  # after the 文号 on its line, in 上行文
_RULE = re.compile(r"^[\s─—━_\-－=＝]*$")
_ARABIC_DATE = re.compile(r"^[（(]?(\d{4})年(\d{1,2})月(\d{1,2})日[）)]?$")
_CHINESE_DATE = re.compile(
    r"^[（(]?([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月"
    r"([一二三四五六七八九十]{1,3})日[）)]?$")
_RECORD = re.compile(r"^(抄送|主送|分送)[:：]|\d{4}年\d{1,2}月\d{1,2}日印发$")
# A 发文机关标志: an issuing body's name, then 文件 ("民权县人民政府文件", "中共双塔镇委员会文件").
_MARK = re.compile("^(?!.*关于)(?P<issuer>.{2,38}(?:政府|委员会|委|办公室|办公厅|局|厅|部|院|"
                   "镇|乡|街道办事处|所|站|中心|党委|党组|支部|村|社区|组|会))文件$")
_GENRES = ("通知", "通报", "意见", "办法", "规定", "决定", "公告", "通告", "报告", "请示",
           "批复", "函", "纪要", "方案", "规划", "细则", "决议", "命令", "议案", "公报",
           "要点", "计划", "总结", "制度", "章程", "指引", "指南", "清单", "规则")
MAX_HEAD_LINE = 40
MAX_HEAD_PARAGRAPHS = 8
MAX_TITLE_LINE = 60


@dataclass(frozen=True)
class Found:
    """What the document says of itself; empty strings where it says nothing."""

    doc_number: str = ""
    issuer: str = ""
    written_on: str = ""  # ISO date
    title: str = ""
    head_dropped: bool = False
    title_dropped: bool = False
    headings: dict[int, int] = field(default_factory=dict)  # GB/T level → count


def same_text(one: str, other: str) -> bool:
    """Equal as a reader sees them: folded, whitespace ignored."""
    return "".join(fold(one).split()) == "".join(fold(other).split())


def normal_doc_number(text: str) -> str:
    """A 发文字号 written with the brackets GB/T 9704 prescribes: 民政发〔2023〕12号."""
    match = _DOC_NUMBER.search(fold(text))
    if match is None:
        return ""
    return f"{match['agency']}〔{match['year']}〕{match['serial']}号"


def text_of(element) -> str:
    """The text a paragraph (or any element) shows."""
    if isinstance(element, documents.Text):
        return element.value
    if isinstance(element, documents.Tab):
        return " "
    return "".join(text_of(child) for child in getattr(element, "children", ()) or ())


def parse_date(text: str) -> date | None:
    """A date-only line in Arabic or Chinese numerals, else None."""
    text = "".join(fold(text).split())
    try:
        if match := _ARABIC_DATE.match(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _CHINESE_DATE.match(text.replace("○", "〇").replace("零", "〇")):
            year = int("".join(str(_CN_DIGITS.index(ch)) for ch in match[1]))
            return date(year, _chinese_number(match[2]), _chinese_number(match[3]))
    except ValueError:
        return None
    return None


def _chinese_number(text: str) -> int:
    """一 … 三十一."""
    tens, _, units = text.rpartition("十")
    if "十" not in text:
        return _CN_DIGITS.index(text)
    return (_CN_DIGITS.index(tens) if tens else 1) * 10 + (
        _CN_DIGITS.index(units) if units else 0)


def heading_level(text: str) -> int | None:
    """The GB/T 9704 level (1 for 一、 … 4 for （1）) of a heading-like paragraph."""
    text = text.strip()
    for level, marker in _LEVELS:
        match = marker.match(text)
        if match is None:
            continue
        rest = text[match.end():].strip()
        if level <= 2 and rest.endswith("。"):
            rest = rest[:-1]
        if (0 < len(rest) <= MAX_HEADING_CHARS and not _SENTENCE_PUNCTUATION.search(rest)
                and not rest.endswith(("，", ","))):
            return level
        return None
    return None


def _issuer_of(line: str) -> str:
    match = _MARK.match("".join(line.split()))
    return match["issuer"] if match else ""


def _is_doc_number_line(text: str) -> bool:
    """A line that is a 发文字号 and nothing else, bar a 签发人 after it."""
    line = _SIGNER.split(fold(text), maxsplit=1)[0].strip()
    return _DOC_NUMBER.fullmatch(line) is not None and not line.startswith(_CITING)


def _find_head(texts: list[str | None]) -> tuple[int, str, str]:
    """(paragraphs in the 版头, its 文号, the 发文机关) or (0, "", "")."""
    seen, number_at, mark_at = 0, -1, -1
    for index, text in enumerate(texts):
        if text is None:
            break
        if not text.strip():
            continue
        seen += 1
        if seen > MAX_HEAD_PARAGRAPHS or len(text.strip()) > MAX_HEAD_LINE + 20:
            break
        if _is_doc_number_line(text):
            number_at = index
            break
        if len(text.strip()) > MAX_HEAD_LINE:
            break
        if _issuer_of(text) and seen <= 3:
            mark_at = index
    end = number_at if number_at >= 0 else mark_at
    if end < 0:
        return 0, "", ""
    issuer = ""
    for text in texts[:end + 1]:
        issuer = issuer or _issuer_of(text or "")
    doc_number = normal_doc_number(texts[number_at] or "") if number_at >= 0 else ""
    end += 1
    while end < len(texts) and texts[end] is not None and _RULE.match(texts[end] or ""):
        end += 1
    return end, doc_number, issuer


def _looks_like_title(text: str) -> bool:
    text = "".join(text.split())
    return (0 < len(text) <= MAX_TITLE_LINE and not _SENTENCE_PUNCTUATION.search(text)
            and text.endswith(_GENRES) and heading_level(text) is None)


def _find_title(texts: list[str | None], start: int, typed: str,
                has_head: bool) -> tuple[list[int], str]:
    """The indexes of the title's paragraphs and its text, or ([], "")."""
    lines = [i for i in range(start, min(len(texts), start + 6))
             if texts[i] is not None and texts[i].strip()]
    if not lines or texts[lines[0]] is None:
        return [], ""
    first = texts[lines[0]].strip()
    if not (has_head or same_text(first, typed) or _looks_like_title(first)):
        return [], ""
    if has_head and not (0 < len(first) <= MAX_TITLE_LINE * 2
                         and not _SENTENCE_PUNCTUATION.search(first)):
        return [], ""
    taken = [lines[0]]
    for index in lines[1:4]:
        text = (texts[index] or "").strip()
        if text.endswith(("：", ":")):  # the 主送机关 closes a title set over several lines
            title = "".join(texts[i].strip() for i in taken)
            return taken, title
        if (len(text) > MAX_TITLE_LINE or _SENTENCE_PUNCTUATION.search(text)
                or heading_level(text) is not None):
            break
        taken.append(index)
    return taken[:1], first


def _find_date(texts: list[str | None]) -> tuple[int, date | None]:
    """The last date-only paragraph before the 版记, with its index."""
    for index in range(len(texts) - 1, -1, -1):
        text = (texts[index] or "").strip()
        if not text:
            continue
        when = parse_date(text)
        if when is not None:
            return index, when
    return -1, None


def _signature_above(texts: list[str | None], index: int) -> str:
    for above in range(index - 1, max(index - 3, -1), -1):
        text = "".join((texts[above] or "").split())
        if text:
            return text if len(text) <= 30 and not re.search(r"[，。；：,.;:]", text) else ""
    return ""


_BLANKS = " \t\u3000\u00a0\u2002\u2003"


def _lstrip(element, state: dict):
    """The element with its leading blanks (and leading tabs) removed."""
    if state["done"]:
        return element
    if isinstance(element, documents.Text):
        value = element.value.lstrip(_BLANKS)
        state["done"] = bool(value)
        return element.copy(value=value)
    if isinstance(element, documents.Tab):
        return documents.Text("")
    children = getattr(element, "children", None)
    if children is None:
        state["done"] = True
        return element
    return element.copy(children=[_lstrip(child, state) for child in children])


def _strip_indents(element):
    """Every paragraph below `element` (tables included) without its leading blanks."""
    if isinstance(element, documents.Paragraph):
        return _lstrip(element, {"done": False})
    children = getattr(element, "children", None)
    if children is None:
        return element
    return element.copy(children=[_strip_indents(child) for child in children])


def restructure(document, typed_title: str) -> tuple[object, Found]:
    """The document with its 版头 (and the title, when it repeats `typed_title` or none was
    typed) removed, level headings styled and first-line blanks gone; what it said of
    itself."""
    children = list(document.children)
    texts = [text_of(c) if isinstance(c, documents.Paragraph) else None for c in children]
    head_end, doc_number, issuer = _find_head(texts)
    title_at, title = _find_title(texts, head_end, typed_title, head_end > 0)
    record_start = next((i for i, t in enumerate(texts)
                         if i > head_end and t and _RECORD.search("".join(t.split()))),
                        len(texts))  # the 版记 (抄送、印发) ends the search for the date
    date_at, written_on = _find_date(texts[:record_start])
    if date_at <= head_end or date_at in title_at:
        date_at, written_on = -1, None
    issuer = issuer or (_signature_above(texts, date_at) if date_at >= 0 else "")
    drop_title = bool(title_at) and (not typed_title.strip() or same_text(title, typed_title))
    dropped = set(range(head_end)) | (set(title_at) if drop_title else set())
    body_from = max([head_end - 1, *title_at])
    heading_at = {i: level for i, t in enumerate(texts)
                  if i > body_from and t and (level := heading_level(t)) is not None}
    tag_of = {level: rank for rank, level in enumerate(sorted(set(heading_at.values())), 1)}
    counts: dict[int, int] = {}
    kept = []
    for index, child in enumerate(children):
        if index in dropped:
            continue
        level = heading_at.get(index)
        if level is not None:
            counts[level] = counts.get(level, 0) + 1
            child = _strip_indents(child.copy(style_name=HEADING_STYLES[tag_of[level]]))
        elif isinstance(child, documents.Table):
            child = _strip_indents(child)
        kept.append(child)
    found = Found(doc_number=doc_number, issuer=issuer,
                  written_on=written_on.isoformat() if written_on else "", title=title,
                  head_dropped=head_end > 0, title_dropped=drop_title, headings=counts)
    return document.copy(children=kept), found
