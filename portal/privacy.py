"""Personal data in published text (个人信息保护法): find it, and mask it before publication.

Pure functions, no Flask and no database: village notices and published inquiry replies call
`scan` to block publication and `mask` to offer the masked text.

Decisions:
- Three kinds: 18-digit resident ID numbers (GB 11643: MOD 11-2 check digit, a real birth
  date from 1900-01-01 to today in Asia/Shanghai, a real province code), mainland mobile
  numbers (1[3-9] and nine digits) and bank-card numbers (16-19 digits passing Luhn).
- Residents type on phones, so full-width digits, Ｘ, ＋, － and the ideographic space count
  as their ASCII forms for detection; every such character maps to exactly one character,
  so offsets stay those of the original text. Masked forms are always ASCII.
- Accepted groupings: ID numbers contiguous or 6-8-4 with single spaces; mobiles 3-4-4 with
  one kind of separator (space or hyphen) throughout, optionally after +86, 86 or 0086;
  cards contiguous or in groups of four (a last group of 1-3 digits allowed), one separator
  throughout. Landlines (0370-1234567, 010-12345678) never match: no 11 digits after 1[3-9].
- A value embedded in a longer run of digits or ASCII letters (order numbers, hashes) is not
  a finding, nor is a grouped value whose grouping carries on (`1234 5678 9012 3456 7890`).
  A digit-only value that fails its check (Luhn, MOD 11-2) is not a finding either; dates
  and amounts such as 20230101 are far shorter than 11 digits and never match.
- `*` counts as part of a value: already-masked text (`138****1234`) is never a finding, and
  since every masked form starts with a digit and ends with a digit or X, the text next to
  it can only become less of a match: `scan(mask(text)) == []` after a single pass.
- Overlaps: the earliest and then longest candidate wins; on an equal span an ID number beats
  a bank card, which beats a mobile (an ID that happens to pass Luhn is still an ID).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# One character for one character, so match offsets are offsets into the original text.
_NORMALIZE = str.maketrans(
    "０１２３４５６７８９Ｘｘ＋－\u3000", "0123456789Xx+- "
)
_NOT_AFTER = r"(?<![0-9A-Za-z*])"
_NOT_BEFORE = r"(?![0-9A-Za-z*])"
# Grouped values must not continue (or start) a grouping: no "digit, separator" next to them.
_GROUP_NOT_AFTER = _NOT_AFTER + r"(?<![0-9][ -])"
_GROUP_NOT_BEFORE = _NOT_BEFORE + r"(?![ -][0-9])"
_MOBILE_PREFIX = r"(?:(?:\+|00)?86[ -]?)?"

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


def _today() -> date:
    return datetime.now(LOCAL_TZ).date()


def is_valid_id_number(value: str) -> bool:
    """Whether 18 characters are a plausible resident ID: province, birth date, check digit."""
    if not re.fullmatch(r"[1-9][0-9]{16}[0-9Xx]", value):
        return False
    if int(value[:2]) not in PROVINCE_CODES:
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if not EARLIEST_BIRTH_DATE <= born <= _today():
        return False
    return id_check_char(value[:17]) == value[17].upper()


def _digits(matched: str) -> str:
    """The normalized value without separators or the +86 prefix of a mobile number."""
    return re.sub(r"[^0-9X]", "", matched.upper())


def _mobile_digits(matched: str) -> str:
    return _digits(matched)[-11:]


@dataclass(frozen=True)
class _Pattern:
    kind: PersonalDataKind
    regex: re.Pattern[str]
    value: Callable[[str], str]
    valid: Callable[[str], bool]


def _always(value: str) -> bool:
    return True


def _pattern(
    kind: PersonalDataKind,
    body: str,
    *,
    grouped: bool,
    valid: Callable[[str], bool] = _always,
    value: Callable[[str], str] = _digits,
) -> _Pattern:
    """A pattern whose group 1 is a candidate, tried at every position of the text."""
    before, after = (_GROUP_NOT_AFTER, _GROUP_NOT_BEFORE) if grouped else (_NOT_AFTER, _NOT_BEFORE)
    # A capturing lookahead consumes nothing, so finditer yields overlapping candidates too.
    return _Pattern(kind, re.compile(f"{before}(?=({body}){after})"), value, valid)


_PATTERNS = (
    _pattern(PersonalDataKind.ID_NUMBER, r"[1-9][0-9]{16}[0-9Xx]",
             grouped=False, valid=is_valid_id_number),
    _pattern(PersonalDataKind.ID_NUMBER, r"[1-9][0-9]{5} [0-9]{8} [0-9]{3}[0-9Xx]",
             grouped=True, valid=is_valid_id_number),
    _pattern(PersonalDataKind.MOBILE, _MOBILE_PREFIX + r"1[3-9][0-9]{9}",
             grouped=False, value=_mobile_digits),
    _pattern(PersonalDataKind.MOBILE, _MOBILE_PREFIX + r"1[3-9][0-9]([ -])[0-9]{4}\2[0-9]{4}",
             grouped=True, value=_mobile_digits),
    _pattern(PersonalDataKind.BANK_CARD, r"[0-9]{16,19}",
             grouped=False, valid=luhn_valid),
    _pattern(PersonalDataKind.BANK_CARD,
             r"[0-9]{4}([ -])[0-9]{4}\2[0-9]{4}\2[0-9]{4}(?:\2[0-9]{1,3})?",
             grouped=True, valid=luhn_valid),
)


def mask_value(kind: PersonalDataKind, digits: str) -> str:
    """Masked form of a bare value: `138****1234`, `410421********1234`, `6222********1234`."""
    if kind is PersonalDataKind.MOBILE:
        return f"{digits[:3]}****{digits[-4:]}"
    if kind is PersonalDataKind.ID_NUMBER:
        return f"{digits[:6]}{'*' * 8}{digits[-4:]}"
    return f"{digits[:4]}{'*' * (len(digits) - 8)}{digits[-4:]}"


def _candidates(text: str) -> list[Finding]:
    """Every valid match of every pattern, overlaps included."""
    normalized = text.translate(_NORMALIZE)
    found = []
    for pattern in _PATTERNS:
        for match in pattern.regex.finditer(normalized):
            start, end = match.span(1)
            value = pattern.value(match.group(1))
            if pattern.valid(value):
                masked = mask_value(pattern.kind, value)
                found.append(Finding(pattern.kind, start, end, text[start:end], masked))
    return found


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
    """`text` with every finding replaced by its masked form; everything else unchanged."""
    parts, position = [], 0
    for finding in scan(text):
        parts += [text[position:finding.start], finding.masked]
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)
