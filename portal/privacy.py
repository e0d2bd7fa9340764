"""Personal data in published text (个人信息保护法): find it, and mask it before publication.

Pure functions, no Flask and no database: village notices and published inquiry replies call
`scan` to block publication and `mask` to offer the masked text; a published reply shows
`mask_reply(text, names)`, so that the residents in it cannot be identified.

Decisions:
- Three kinds: resident ID numbers, mainland mobile numbers (1[3-9] and nine digits) and
  bank-card numbers (16-19 digits passing Luhn). An ID number has a real province code and
  a real birth date from 1900-01-01 to today in Asia/Shanghai: 18 characters (GB 11643)
  whose last is the MOD 11-2 check character, or 15 digits of the first generation whose
  YYMMDD is read as 19YYMMDD (no check digit).
- An 18-digit ID number whose structure is real but whose check character is wrong is a
  mistyped ID number, not some other number: a finding with `suspected=True`, labelled
  疑似身份证号. An 18-digit run with an impossible date or province is not an ID number.
- Masks hide the birth date of an ID number whole: 18 digits keep the first six and the
  last four (`410421********1234`), 15 digits the first six and the last three
  (`410421******123`, the sequence number). Mobiles keep 3 + 4, cards 4 + 4.
- Residents type on phones, so full-width digits, Ｘ, ＋, the ideographic and no-break spaces
  and the dashes －, U+2010-U+2015 (en and em dash among them) and U+2212 count as their
  ASCII forms (space, hyphen) for detection; every such character maps to exactly one
  character, so offsets stay those of the original text. Masked forms are always ASCII.
- The text is read as runs of digit groups, each group joined to the next by exactly one
  separator: a space or a dash of any width (these are the two kinds of separator). A value
  is either one group on its own (contiguous) or a whole grouping: two to five groups joined
  by one kind of separator throughout. Accepted groupings: ID numbers 6-8-4, 6-4-4-4,
  3-3-4-4-4 and 4-4-4-4-2; mobiles 3-4-4, 3-8 and 4-3-4, optionally after a group 86 or
  0086 (with or without +), which may also precede an 11-digit group; cards 4-4-4-4 and
  4-4-4-4 plus a last group of 1-3 digits. Landlines (0370-1234567, 010-12345678) never
  match: no 11 digits starting 1[3-9]; dates (2023-01-01) and amounts (1,234.56) are
  groupings of none of these shapes.
- A group touching ASCII letters or other digits (order numbers, hashes) is not a value. A
  grouping is not one either when it carries on with its own kind of separator
  (`1234 5678 9012 3456 7890`, `1 138 1234 5678`); a number joined to it by the other kind
  does not carry it on (`2023-01-01 138 1234 5678` is a date and a mobile: the group 01
  joined by a dash on one side and a space on the other may belong to either grouping).
- 16-19 digits (contiguous or grouped as a card) that fail Luhn are an account number
  (kind BANK_CARD, `suspected=True`, labelled 银行账号) when an account word (账号 帐号 卡号
  账户 帐户 存折 银行 开户行 银行卡 折号, or its traditional form) lies wholly within the
  12 characters before them, whatever else is there (`账号：`, `卡号为 `, `开户银行：农行 `).
  Anywhere else, digits that fail Luhn are no card; dates and amounts such as
  20230101 are far shorter than 11 digits and never match.
- `*` marks the masked part of a value: a group touching `*` never belongs to a grouping,
  and on its own it is a finding only when it is a whole value (`**13812345678`). Every
  masked form starts with at most six digits and ends with at most four, so already-masked
  text (`138****1234`) is never a finding, and the text next to a masked value can only
  become less of a match: `scan(mask(text)) == []` after a single pass.
- Overlaps: the earliest and then longest candidate wins; on an equal span an ID number, even
  a suspected one, beats a bank card, which beats a mobile (an ID that happens to pass Luhn
  is still an ID).
- Names (`mask_names`): every occurrence of each given name of two characters or more is
  replaced by its surname and 某 (张三 → 张某); a name of three or more characters starting
  with one of the 17 common compound surnames keeps both (欧阳娜娜 → 欧阳某), a two-character
  one does not (欧阳 → 欧某). A Latin name keeps only its initial (Zhang San → Z某), since
  which word is the surname cannot be told; it matches as whole words, in any case and
  spacing. One-character names are not masked: they would hit too many other words. Where
  names overlap, the longer one is masked.
- Addresses (`mask_addresses`): detail is a number (digits, or Chinese numerals 一…百两, with
  an optional 第) followed by 组/队, 村民小组/村民组, 号 (甲3号, 12-3号), 号楼/号院/栋/幢/座,
  单元, 层/楼 or 室, or a door plate (门牌15号, 门牌号：15). A run of detail is replaced by
  one `**` when it follows a place name ending in 村 社区 居委会 屯 庄 寨 路 街 大道 巷 胡同
  弄 小区 花园 家园 苑 公寓 大厦 (with an optional 东段…中段 and one space), or when it holds
  two parts or more (3组15号) or a building, unit, room, door plate or 村民小组 (2栋). The
  place names stay (`双塔村3组15号` → `双塔村**`, `人民街东段12号` → `人民街东段**`,
  `幸福小区3号楼2单元501室` → `幸福小区**`): a village, a road or a compound names many
  households. A lone 15号, 3组 or 5层 is left alone: it is as likely a date, a document
  number or a count (3月5号, 〔2023〕12号, 分为3组).
"""

from __future__ import annotations

import enum
import itertools
import re
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from portal.timeutil import local_today

_SPACES = "\u3000\u00a0"
_DASHES = "－\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
# One character for one character, so match offsets are offsets into the original text.
_NORMALIZE = str.maketrans(
    "０１２３４５６７８９Ｘｘ＋" + _SPACES + _DASHES,
    "0123456789Xx+" + " " * len(_SPACES) + "-" * len(_DASHES),
)
# A run of digit groups, each joined to the next by a single separator.
_RUN = re.compile(r"[0-9]+[Xx]?(?:[ -][0-9]+[Xx]?)*+")
_GROUP = re.compile(r"[0-9]+[Xx]?")
# Digits or letters right next to a group make it part of a code (order numbers, hashes).
_CODE_CHARS = frozenset(string.ascii_letters + string.digits)
# Stars next to a group make it the visible part of a masked value.
_MASKED_CHARS = _CODE_CHARS | {"*"}
_MAX_GROUPS = 5
# Words that make 16-19 digits an account number even without a Luhn check digit.
ACCOUNT_WORDS = ("账号", "帐号", "卡号", "账户", "帐户", "存折", "银行", "开户行", "银行卡", "折号",
                 "賬號", "帳號", "卡號", "賬戶", "帳戶", "存摺", "銀行", "開戶行", "摺號")
ACCOUNT_WORD_REACH = 12
_ACCOUNT_WORD = re.compile("|".join(ACCOUNT_WORDS))

PROVINCE_CODES = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55),
     *range(61, 66), 71, 81, 82, 83, 91]
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


class PersonalDataKind(enum.StrEnum):
    ID_NUMBER = "id_number"
    MOBILE = "mobile"
    BANK_CARD = "bank_card"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    PersonalDataKind.ID_NUMBER: "身份证号",
    PersonalDataKind.MOBILE: "手机号",
    PersonalDataKind.BANK_CARD: "银行卡号",
}
# A value that fails its check digit but is reported on its structure or its context.
SUSPECTED_LABELS = {
    PersonalDataKind.ID_NUMBER: "疑似身份证号",
    PersonalDataKind.MOBILE: "手机号",
    PersonalDataKind.BANK_CARD: "银行账号",
}
# Breaks ties between candidates with the same span.
_PRIORITY = {PersonalDataKind.ID_NUMBER: 0, PersonalDataKind.BANK_CARD: 1,
             PersonalDataKind.MOBILE: 2}


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: where it is in the text, what it is, and its masked form."""

    kind: PersonalDataKind
    start: int
    end: int
    text: str
    masked: str
    suspected: bool = False

    @property
    def label(self) -> str:
        """What it is, in Chinese: 身份证号, 疑似身份证号, 手机号, 银行卡号 or 银行账号."""
        return SUSPECTED_LABELS[self.kind] if self.suspected else self.kind.label


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character (0-9 or X) for the first 17 digits of an ID."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def luhn_valid(digits: str) -> bool:
    """Whether a digit string passes the Luhn check used by bank cards."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def id_birth_date(value: str) -> date | None:
    """The birth date in an 18-digit ID number, or in a 15-digit one (YYMMDD, read as
    19YYMMDD), if it is a real date from 1900-01-01 to today."""
    written = value[6:14] if len(value) == 18 else "19" + value[6:12]
    try:
        born = date(int(written[:4]), int(written[4:6]), int(written[6:8]))
    except ValueError:
        return None
    return born if EARLIEST_BIRTH_DATE <= born <= local_today() else None


def _id_structure_valid(value: str) -> bool:
    """Whether an 18- or 15-digit ID number has a real province code and birth date."""
    shape = r"[1-9][0-9]{16}[0-9Xx]" if len(value) == 18 else r"[1-9][0-9]{14}"
    return (re.fullmatch(shape, value) is not None and int(value[:2]) in PROVINCE_CODES
            and id_birth_date(value) is not None)


def _judge_id_number(value: str, text: str, start: int) -> bool | None:
    """15 digits carry no check digit; 18 with a wrong one are a suspected ID number."""
    if not _id_structure_valid(value):
        return None
    return len(value) == 18 and id_check_char(value[:17]) != value[17]


def _judge_mobile(value: str, text: str, start: int) -> bool | None:
    return False if re.fullmatch(r"(?:0086|86)?1[3-9][0-9]{9}", value) else None


def _after_account_word(text: str, start: int) -> bool:
    return _ACCOUNT_WORD.search(text, max(0, start - ACCOUNT_WORD_REACH), start) is not None


def _judge_card(value: str, text: str, start: int) -> bool | None:
    """Luhn-valid digits are a card anywhere; others an account number after 账号 and the like."""
    if not value.isdigit():
        return None
    if luhn_valid(value):
        return False
    return True if _after_account_word(text, start) else None


def _whole(value: str) -> str:
    return value


@dataclass(frozen=True)
class _Form:
    """How one kind of value is written: its groupings (sizes of the digit groups) and a
    judge telling from the value whether it is one (False), a suspected one (True), or
    not one at all (None)."""

    kind: PersonalDataKind
    groupings: frozenset[tuple[int, ...]]
    judge: Callable[[str, str, int], bool | None]
    value: Callable[[str], str] = _whole


_MOBILE_BODIES = ((11,), (3, 4, 4), (3, 8), (4, 3, 4))
# In order of precedence when one span could be either.
_FORMS = (
    _Form(PersonalDataKind.ID_NUMBER,
          frozenset([(18,), (6, 8, 4), (6, 4, 4, 4), (3, 3, 4, 4, 4), (4, 4, 4, 4, 2),
                     (15,), (6, 6, 3)]),
          _judge_id_number),
    _Form(PersonalDataKind.BANK_CARD,
          frozenset([*((size,) for size in range(16, 20)), (4, 4, 4, 4),
                     *((4, 4, 4, 4, last) for last in range(1, 4))]),
          _judge_card),
    _Form(PersonalDataKind.MOBILE,
          frozenset([*_MOBILE_BODIES, (13,), (15,),
                     *((prefix, *body) for prefix in (2, 4) for body in _MOBILE_BODIES)]),
          _judge_mobile, value=lambda digits: digits[-11:]),
)
_GROUPINGS = frozenset().union(*(form.groupings for form in _FORMS))


def mask_value(kind: PersonalDataKind, digits: str) -> str:
    """Masked form of a bare value: `138****1234`, `410421********1234`, `410421******123`
    (a 15-digit ID number), `6222********1234`. The birth date of an ID is always hidden."""
    if kind is PersonalDataKind.MOBILE:
        return f"{digits[:3]}****{digits[-4:]}"
    if kind is PersonalDataKind.ID_NUMBER and len(digits) == 15:
        return f"{digits[:6]}{'*' * 6}{digits[-3:]}"
    if kind is PersonalDataKind.ID_NUMBER:
        return f"{digits[:6]}{'*' * 8}{digits[-4:]}"
    return f"{digits[:4]}{'*' * (len(digits) - 8)}{digits[-4:]}"


def _clear(normalized: str, start: int, end: int, blocking: frozenset[str]) -> bool:
    """Whether neither character just outside `start:end` is one of `blocking`."""
    return normalized[start - 1:start] not in blocking and normalized[end:end + 1] not in blocking


def _segments(normalized: str, groups: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """(first, last) group indexes of each longest stretch joined by one separator."""
    first = 0
    for _separator, same in itertools.groupby(normalized[end] for _start, end in groups[:-1]):
        last = first + sum(1 for _ in same)
        yield first, last
        first = last


def _stretches(normalized: str, groups: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """(first, last) indexes of the groups of a run that may together be one value.

    Every group on its own, unless digits or letters touch it; and every grouping, unless
    digits, letters or stars touch it or it carries on with its own separator. A group
    joined to its neighbours by two different separators may belong to either grouping.
    """
    for index, (start, end) in enumerate(groups):
        if _clear(normalized, start, end, _CODE_CHARS):
            yield index, index
    for first, last in _segments(normalized, groups):
        for a in {first, first + (first > 0)}:
            for b in {last, last - (last < len(groups) - 1)}:
                if 2 <= b - a + 1 <= _MAX_GROUPS and _clear(
                        normalized, groups[a][0], groups[b][1], _MASKED_CHARS):
                    yield a, b


def _finding(text: str, normalized: str, groups: list[tuple[int, int]]) -> Finding | None:
    """The value written as exactly these groups, if they are one."""
    sizes = tuple(end - start for start, end in groups)
    if sizes not in _GROUPINGS:
        return None
    value = "".join(normalized[start:end] for start, end in groups).upper()
    start, end = groups[0][0], groups[-1][1]
    for form in _FORMS:
        suspected = form.judge(value, text, start) if sizes in form.groupings else None
        if suspected is not None:
            if len(form.value(value)) < len(value) and normalized[start - 1:start] == "+":
                start -= 1
            masked = mask_value(form.kind, form.value(value))
            return Finding(form.kind, start, end, text[start:end], masked, suspected)
    return None


def _candidates(text: str) -> Iterator[Finding]:
    """Every value in the text, overlaps included."""
    normalized = text.translate(_NORMALIZE)
    for run in _RUN.finditer(normalized):
        groups = [match.span() for match in _GROUP.finditer(normalized, *run.span())]
        for first, last in _stretches(normalized, groups):
            finding = _finding(text, normalized, groups[first:last + 1])
            if finding is not None:
                yield finding


def scan(text: str) -> list[Finding]:
    """Personal data in `text`, in order of appearance and never overlapping."""
    ordered = sorted(_candidates(text), key=lambda f: (f.start, -f.end, _PRIORITY[f.kind]))
    findings: list[Finding] = []
    for candidate in ordered:
        if not findings or candidate.start >= findings[-1].end:
            findings.append(candidate)
    return findings


def has_personal_data(text: str) -> bool:
    """Whether `text` holds anything `scan` would report; publication is blocked if so."""
    return bool(scan(text))


def mask(text: str) -> str:
    """`text` with every finding replaced by its masked form; everything else unchanged.
    A masked form can join the digits beside it into a new number ("7013812345678" and
    "+86 138 1234 5678" masked to "138****5678" read as a bank card), so masking is
    repeated until nothing is found (each pass leaves fewer digits)."""
    findings = scan(text)
    while findings:
        parts, position = [], 0
        for finding in findings:
            parts += [text[position:finding.start], finding.masked]
            position = finding.end
        parts.append(text[position:])
        masked = "".join(parts)
        if masked == text:  # nothing left to hide in what was found
            break
        text, findings = masked, scan(masked)
    return text


# ---- names and addresses in published replies ------------------------------------------

COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容",
                     "长孙", "宇文", "司徒", "夏侯", "轩辕", "令狐", "钟离", "端木")
_LATIN_NAME = re.compile(r"[A-Za-z]+(?:[ .'-]+[A-Za-z]+)*")


def masked_name(name: str) -> str:
    """张三 → 张某, 欧阳娜娜 → 欧阳某, Zhang San → Z某: the surname, or a Latin initial."""
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2] + "某"
    return name[0].upper() + "某"


def _name_pattern(name: str) -> str:
    if not _LATIN_NAME.fullmatch(name):
        return re.escape(name)
    words = r"[\s.'-]*".join(map(re.escape, re.findall(r"[A-Za-z]+", name)))
    return rf"(?<![A-Za-z])(?i:{words})(?![A-Za-z])"


def mask_names(text: str, names: Iterable[str]) -> str:
    """`text` with every occurrence of each of `names` (two characters or more) replaced by
    its `masked_name`; where two names overlap, the longer is masked."""
    wanted = sorted({name.strip() for name in names if len(name.strip()) > 1},
                    key=len, reverse=True)
    if not wanted:
        return text
    pattern = "|".join(f"(?P<n{index}>{_name_pattern(name)})" for index, name in enumerate(wanted))
    return re.sub(pattern, lambda match: masked_name(wanted[int(match.lastgroup[1:])]), text)


_NUMBER = r"第?(?:[0-9]{1,5}(?![0-9])|[零〇一二三四五六七八九十百两]{1,4})"
# Detail that places a household on its own: a building, unit, room or door plate.
_STRONG_DETAIL = "|".join([
    rf"[A-Za-z]?{_NUMBER}(?:号楼|号院|栋|幢|座)", rf"{_NUMBER}单元", rf"[A-Za-z]?{_NUMBER}室",
    rf"门牌(?:号码|号)?[:：为是]?{_NUMBER}号?", rf"{_NUMBER}(?:村民小组|村民组)",
])
# Detail that is an address only after a place name or beside more detail: 3组, 15号, 5层.
_WEAK_DETAIL = "|".join([
    rf"{_NUMBER}(?:组|队)", rf"(?:[甲乙丙丁]|附)?{_NUMBER}(?:[-之]{_NUMBER}){{0,2}}号",
    rf"{_NUMBER}(?:层|楼)",
])
_DETAIL = re.compile(f"(?P<strong>{_STRONG_DETAIL})|(?P<weak>{_WEAK_DETAIL})")
_PLACE = (r"(?:村|社区|居委会|屯|庄|寨|路|街|大道|巷|胡同|弄|小区|花园|家园|苑|公寓|大厦)"
          r"(?:[东西南北中]段)?")
_ADDRESS = re.compile(
    rf"(?:(?P<place>{_PLACE})\s?|(?<![0-9A-Za-z*]))(?P<detail>(?:{_STRONG_DETAIL}|{_WEAK_DETAIL})+)"
)


def _is_address(match: re.Match[str]) -> bool:
    if match.group("place"):
        return True
    parts = [part.lastgroup for part in _DETAIL.finditer(match.group("detail"))]
    return len(parts) > 1 or "strong" in parts


def mask_addresses(text: str) -> str:
    """`text` with the detail below a village or a road replaced by `**`: `双塔村3组15号` →
    `双塔村**`, `建设路88号` → `建设路**`; the places themselves are kept."""
    normalized = text.translate(_NORMALIZE)
    parts, position = [], 0
    for match in _ADDRESS.finditer(normalized):
        if _is_address(match):
            parts += [text[position:match.start("detail")], "**"]
            position = match.end("detail")
    parts.append(text[position:])
    return "".join(parts)


def mask_reply(text: str, names: Iterable[str] = ()) -> str:
    """What a published reply shows: names, then addresses, then personal data masked.

    Personal data is masked before as well as after, so that a number written right after
    an address (`88号138 1234 5678`) is not taken for masked text once the address is `**`.
    """
    return mask(mask_addresses(mask_names(mask(text), names)))
