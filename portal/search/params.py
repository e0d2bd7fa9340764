"""Reading the search page's query string.

Whatever a visitor (or a broken client) sends, the query text is cleaned, not refused:
bytes that were not UTF-8 (Werkzeug keeps them as %XX escapes), replacement characters
and control characters are dropped, and a very long query is cut to MAX_QUERY_CHARS, each
with a note shown above the results. Filters are different: an unknown parameter or a
value that names nothing is a mistake in a link, answered with 400 and a message saying
which one and what is accepted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from portal.errors import NotFound, ValidationError
from portal.organizations.models import Organization, OrgKind
from portal.organizations.services import get_by_slug
from portal.search.documents import CATEGORY_LABELS, KIND_CATEGORIES, KIND_LABELS
from portal.search.index import SearchQuery
from portal.search.tokens import query_tokens
from portal.validation import UNDECODABLE
from portal.validation import year as parse_year

MAX_QUERY_CHARS = 100
MAX_QUERY_WORDS = 16
MAX_PAGE = 500
_SLUG = re.compile(r"[A-Za-z0-9_-]{1,60}")
PARAMETERS = {"q": "搜索词", "type": "类型", "category": "栏目", "org": "发布机构",
              "village": "村", "year": "年份", "page": "页码"}


@dataclass
class SearchParams:
    """The cleaned request: text shown back in the box, its words, notes, filters."""

    text: str = ""
    tokens: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kind: str | None = None
    category: str | None = None
    organization: Organization | None = None
    village: Organization | None = None
    year: int | None = None
    page: int = 1

    @property
    def has_filters(self) -> bool:
        return any((self.kind, self.category, self.organization, self.village, self.year))

    def query(self, size: int) -> SearchQuery:
        return SearchQuery(tokens=self.tokens, kind=self.kind, category=self.category,
                           organization=self.organization, village=self.village,
                           year=self.year, page=self.page, size=size)


def clean_query(raw: str) -> tuple[str, list[str]]:
    """The query without undecodable bytes and control characters, at most
    MAX_QUERY_CHARS long, and the notes to show about what was changed."""
    notes = []
    text = UNDECODABLE.sub("", raw).replace("\ufffd", "")
    if text != raw:
        notes.append("搜索词中有无法识别的字符（可能是编码错误），已忽略。")
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
                   for ch in text)
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.append(f"搜索词过长，只按前 {MAX_QUERY_CHARS} 个字搜索。")
    return text, notes


def _choice(value: str, allowed: dict[str, str], label: str) -> str:
    if value not in allowed:
        raise ValidationError(f"{label}“{value[:40]}”不存在。可选：" + "、".join(
            f"{key}（{name}）" for key, name in allowed.items()) + "。", field=label)
    return value


def _organization(slug: str, *, village: bool) -> Organization:
    label = "村" if village else "发布机构"
    try:
        organization = get_by_slug(slug) if _SLUG.fullmatch(slug) else None
    except NotFound:
        organization = None
    if organization is None or (organization.kind is OrgKind.VILLAGE) != village:
        raise ValidationError(f"找不到{label}“{slug[:40]}”，请从筛选列表中选择。", field=label)
    return organization


def _number(value: str, label: str, low: int, high: int) -> int:
    if not value.isascii() or not value.isdigit() or not low <= int(value[:6]) <= high:
        raise ValidationError(f"{label}“{value[:20]}”无效，应为 {low}–{high} 之间的数字。",
                              field=label)
    return int(value)


def parse(args: MultiDict) -> SearchParams:
    """SearchParams from the query string. Raises ValidationError for an unknown
    parameter or a filter value that names nothing (never for the query text)."""
    unknown = sorted(set(args) - PARAMETERS.keys())
    if unknown:
        raise ValidationError(f"不支持的查询参数“{unknown[0][:40]}”。可用的参数：" + "、".join(
            f"{key}（{label}）" for key, label in PARAMETERS.items()) + "。")
    text, notes = clean_query(args.get("q", ""))
    params = SearchParams(text=text, notes=notes)
    params.tokens = query_tokens(text, limit=MAX_QUERY_WORDS)
    if len(query_tokens(text, limit=MAX_QUERY_WORDS + 1)) > MAX_QUERY_WORDS:
        notes.append(f"搜索词过多，只按前 {MAX_QUERY_WORDS} 个词搜索。")
    if kind := args.get("type"):
        params.kind = _choice(kind, KIND_LABELS, "类型")
    if category := args.get("category"):
        allowed = KIND_CATEGORIES[params.kind] if params.kind else CATEGORY_LABELS
        params.category = _choice(category, allowed, "栏目")
    if slug := args.get("org"):
        params.organization = _organization(slug, village=False)
    if slug := args.get("village"):
        params.village = _organization(slug, village=True)
    if year := args.get("year"):
        params.year = parse_year(year, field="年份")
    if page := args.get("page"):
        params.page = _number(page, "页码", 1, MAX_PAGE)
    return params
