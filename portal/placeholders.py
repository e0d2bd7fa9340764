"""Placeholders in texts that people edit and the system fills: notification wordings
(`portal.notifications.templates`) and reply templates (`portal.inquiries.reply_templates`).

One syntax everywhere: `{名称}`, a name between ASCII braces. A wording is checked when it
is saved, so it can only name placeholders its kind provides; a filled text that still
holds one (ASCII or full-width braces, as an editor's input method may type them) is
recognisably unfinished.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping

from portal.errors import ValidationError

# What a person sees as a placeholder left in a text: `{单位}`, `｛电话｝`, `{numbr}`.
LEFT = re.compile(r"[{｛][^{}｛｝\n]{1,12}[}｝]")
_NAME = re.compile(r"\{([^{}\n]{1,30})\}")


def names(text: str, *, field: str = "body") -> set[str]:
    """The names `text` uses as {placeholders}. Raises ValidationError (on `field`) for a
    brace without its partner."""
    try:
        return {name.split(".")[0].split("[")[0]
                for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        raise ValidationError("模板中的花括号不成对：占位符写作 {名称}。", field=field) from None


def require_known(text: str, known: Iterable[str], *, where: str, field: str = "body") -> None:
    """Refuse a text naming a placeholder outside `known`, or one in full-width braces
    (which would never be filled); the message names them and lists what `where` may use.
    Raises ValidationError."""
    known = tuple(known)
    wide = [found for found in left_in(text) if "｛" in found or "｝" in found]
    if wide:
        raise ValidationError(f"占位符须用半角花括号：{'、'.join(wide)} 应写作 {{名称}}。",
                              field=field)
    unknown = names(text, field=field) - set(known)
    if unknown:
        shown = "、".join(sorted(f"{{{name}}}" for name in unknown if name)) or "{}"
        raise ValidationError(f"模板使用了未知的占位符 {shown}；{where}可用："
                              + "、".join(f"{{{name}}}" for name in known), field=field)


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with each {名称} that has a non-empty value replaced; the others stay as
    written, for a person to fill."""
    return _NAME.sub(lambda m: values.get(m.group(1)) or m.group(0), text)


def left_in(text: str) -> list[str]:
    """The placeholders still in a text, each once, in order of first appearance."""
    return list(dict.fromkeys(LEFT.findall(text)))
