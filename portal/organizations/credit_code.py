"""统一社会信用代码 (GB 32100-2015): eighteen characters, the last a check character.

Layout: 登记管理部门代码 (1), 机构类别代码 (1), 登记管理机关行政区划码 (6 digits),
主体标识码 (9, the former 组织机构代码), 校验码 (1). Characters come from a 31-character
alphabet, the digits and the capital letters without I, O, S, V and Z. The check
character is chosen so that the weighted sum of all eighteen values is a multiple of 31;
the weight of position i (from 0) is 3^i mod 31.

Pure functions, no Flask and no database: the organization services validate codes typed
into forms, the CLI and tree imports; the demo and test data generate theirs.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
LENGTH = 18
_VALUES = {char: value for value, char in enumerate(ALPHABET)}


def normalize(code: str | None) -> str:
    """The code as stored: trimmed, upper case, full-width characters made ASCII."""
    text = (code or "").strip().upper()
    return text.translate({cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)})


def check_character(first17: str) -> str:
    """The 18th character for the first seventeen. Raises ValueError for a character
    outside the alphabet or a wrong length."""
    if len(first17) != LENGTH - 1 or any(char not in _VALUES for char in first17):
        raise ValueError(f"not the first 17 characters of a credit code: {first17!r}")
    total = sum(_VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def with_check_character(first17: str) -> str:
    """A complete, valid code from its first seventeen characters."""
    return first17 + check_character(first17)


def problem(code: str) -> str | None:
    """Why `code` (normalized) is not a valid 统一社会信用代码, in words for the person who
    typed it, or None when it is valid."""
    if len(code) != LENGTH:
        return f"统一社会信用代码应为 18 位（现为 {len(code)} 位）。"
    wrong = [char for char in code if char not in _VALUES]
    if wrong:
        return (f"统一社会信用代码含有不允许的字符“{wrong[0]}”（只能是数字和除 I、O、S、V、Z "
                "以外的大写字母）。")
    if not code[2:8].isdigit():
        return "统一社会信用代码第 3 至 8 位应为行政区划代码（6 位数字）。"
    expected = check_character(code[:17])
    if code[17] != expected:
        return (f"统一社会信用代码校验位不正确（最后一位应为“{expected}”，现为“{code[17]}”），"
                "请核对。")
    return None
