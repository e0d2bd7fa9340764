"""Checks on what residents type: clear Chinese messages naming the field.

Decisions on invisible characters — NUL and the other C0/C1 controls, the bidi embeddings,
overrides and isolates (U+202A–U+202E, U+2066–U+2069), and U+FFFD, which is what bytes
that were not UTF-8 become in a form body (portal.safety.LenientFormDataParser) — per kind
of field:
- Plain text a person types (titles, names, reasons, comments; one line or several) is
  refused with a message naming the field (`text`, and `ChineseForm` for every text field
  of every form), so the person sees what happened and nothing is half-saved. Tab and line
  breaks are allowed where the field has several lines. A hidden override makes
  "发票<U+202E>fdp.exe" read as "发票exe.pdf" to the next reader; a NUL breaks PostgreSQL.
- Rich text (bodies of disclosures, village notices, consultations: `RichTextField`) has
  controls and bidi marks stripped: they come invisibly with text pasted from Word or a web
  page, and the author could not find them to delete. Broken encoding is still refused.
- Query strings: the search box strips them (`portal.search.params`, there is no form to
  show a message on); every other parameter is checked by its view (`is_number`, choices,
  slugs) and a bad one is a 400 (or 404 for a slug that names nothing).
- Upload file names: controls and bidi marks are stripped from the display name
  (`portal.attachments.storage`); the stored name is generated.
- Passwords are taken as typed: never shown, only hashed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TypeVar

from portal.errors import FieldErrors, ValidationError

T = TypeVar("T")

MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
POSTAL_CODE = re.compile(r"\d{6}")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")
CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_ALLOWED_CONTROL = {"\n", "\r", "\t"}
# In a query string Werkzeug keeps bytes that are not valid UTF-8 as their %XX escapes
# (the search box drops them). Form bodies read them as U+FFFD (portal.safety), so a
# typed "%E4%BD%A0" in a pasted link stays text.
UNDECODABLE = re.compile(r"%[89A-Fa-f][0-9A-Fa-f]")
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


class Problems:
    """Collects every field's refusal, so a form reports all its problems at once instead
    of one per submission:

        problems = Problems()
        title = problems.check(text, data.title, field="title", label="标题", max_length=100)
        phone = problems.check(validation.phone, data.contact_phone)
        problems.raise_any()

    `check` returns the check's result, or `default` when it refused (the refusal is kept);
    `add` keeps a refusal found otherwise. A field refused once keeps its first message.
    """

    def __init__(self) -> None:
        self.errors: list[ValidationError] = []

    def check(self, check: Callable[..., T], *args, default: T | None = None,
              **kwargs) -> T | None:
        try:
            return check(*args, **kwargs)
        except ValidationError as error:
            self.add(error)
            return default

    def add(self, error: ValidationError) -> None:
        if isinstance(error, FieldErrors):
            for each in error.errors:
                self.add(each)
        elif error.field is None or error.field not in self.fields:
            self.errors.append(error)

    @property
    def fields(self) -> set[str]:
        return {error.field for error in self.errors if error.field}

    def raise_any(self) -> None:
        """Raises the one ValidationError found, or FieldErrors for several."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise FieldErrors(self.errors)


# The largest id a PostgreSQL `integer` column holds; nine digits always fit below it.
DATABASE_INT_MAX = 2**31 - 1
NUMBER_DIGITS = 9


def is_number(value: str | None, *, max_digits: int = NUMBER_DIGITS) -> bool:
    """Whether a query or form value is a plain number that fits a database integer: ASCII
    digits only, at most `max_digits` of them. Use it instead of `str.isdigit()`, which
    also says yes to "²" and "١" (int() refuses the first), and to ten thousand digits
    (int() refuses those, and a database column cannot hold them)."""
    return bool(value) and len(value) <= max_digits and value.isascii() and value.isdigit()


def character_problem(value: str, *, label: str, multiline: bool) -> str | None:
    """The message for broken encoding or invisible control characters in plain text,
    or None when there is neither."""
    if "\ufffd" in value:
        return f"{label}中含有无法识别的字符（可能是编码错误），请删除后重新输入。"
    for char in value:
        if (unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROL) \
                or char in _BIDI or (not multiline and char in "\n\r"):
            return f"{label}中含有不可见的控制字符，请删除后重新输入。"
    return None


_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + "".join(sorted(_BIDI)) + "]")


def strip_invisible(value: str | None) -> str | None:
    """Rich text without control characters (tab and line breaks stay) and bidi marks."""
    return _INVISIBLE.sub("", value) if value else value


def text(value: str | None, *, field: str, label: str, max_length: int,
         required: bool = True, multiline: bool = False) -> str:
    """Trimmed text, or ValidationError naming the problem and the field."""
    value = (value or "").replace("\r\n", "\n").strip()
    if not value:
        if required:
            raise ValidationError(f"请填写{label}。", field=field)
        return ""
    if problem := character_problem(value, label=label, multiline=multiline):
        raise ValidationError(problem, field=field)
    if len(value) > max_length:
        raise ValidationError(f"{label}不能超过 {max_length} 个字（现有 {len(value)} 个字）。",
                              field=field)
    return value


def phone(value: str | None, *, field: str = "contact_phone", required: bool = True) -> str:
    digits = re.sub(r"[\s()（）]", "", value or "").replace("+86", "", 1)
    if not digits and not required:
        return ""
    if not (MOBILE.fullmatch(digits) or LANDLINE.fullmatch(digits)):
        raise ValidationError("请填写正确的联系电话：11 位手机号，"
                              "或带区号的固定电话（如 0370-1234567）。", field=field)
    return digits


def id_number(value: str | None, *, field: str = "id_number") -> str:
    """An 18-digit 居民身份证号码 with a valid check digit."""
    number = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError("身份证号码应为 18 位（最后一位可以是 X）。", field=field)
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK[total % 11] != number[-1]:
        raise ValidationError("身份证号码校验不通过，请核对后重新填写。", field=field)
    return number


def credit_code(value: str | None, *, field: str = "organization_code") -> str:
    code = (value or "").strip().upper()
    if not CREDIT_CODE.fullmatch(code):
        raise ValidationError("统一社会信用代码应为 18 位数字或大写字母。", field=field)
    return code


def postal_code(value: str | None) -> str:
    code = (value or "").strip()
    if code and not POSTAL_CODE.fullmatch(code):
        raise ValidationError("邮政编码应为 6 位数字。", field="postal_code")
    return code


def email(value: str | None, *, required: bool) -> str:
    address = (value or "").strip()
    if not address:
        if required:
            raise ValidationError("选择“电子邮件”获取时请填写电子邮箱。", field="email")
        return ""
    if len(address) > 120 or not EMAIL.fullmatch(address):
        raise ValidationError("电子邮箱格式不正确。", field="email")
    return address


def choice(value: str | None, options: dict[str, str], *, field: str, label: str) -> str:
    if value not in options:
        raise ValidationError(f"请选择{label}。", field=field)
    return value


FIRST_YEAR, LAST_YEAR = 1949, 2100


def year(value: str | None, *, field: str = "year") -> int | None:
    """A year as people type it in a 按年份浏览 box or a link: "2023", "2023年",
    "２０２３", " 2023 年 "; None when empty. Raises ValidationError with the form to use."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or ""))
    if not text:
        return None
    digits = text.removesuffix("年")
    if not (digits.isascii() and digits.isdigit() and len(digits) == 4
            and FIRST_YEAR <= int(digits) <= LAST_YEAR):
        raise ValidationError(f"年份“{(value or '')[:20]}”无效：请写四位数字，如 2023 或 2023年"
                              f"（{FIRST_YEAR}–{LAST_YEAR}）。", field=field)
    return int(digits)
