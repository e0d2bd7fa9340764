"""One date format on every page: `2026-12-03`, and `2026-12-03 14:05` for times.

Templates write dates only through the filters `local_date` and `local_dt`
(portal/templating.py); `isoformat()` appears only in attributes for machines
(`<time datetime>`, a date input's value, a URL); the letter format (`2026年12月3日`) only
on the printed 公开栏 poster. The crawl in tests/web/test_enum_labels.py reads every page
in every state and fails when one shows both formats.
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
ISO_DAY = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
LETTER_DAY = re.compile(r"(?<!\d)\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)
ATTRIBUTE = re.compile(r'\b[\w-]+="$')


def mixed_dates(text: str) -> list[str]:
    """The first date of each format when a text shows both, else []."""
    iso, letter = ISO_DAY.search(text), LETTER_DAY.search(text)
    return [iso.group(0), letter.group(0)] if iso and letter else []


def test_the_scan_tells_the_formats_apart():
    assert mixed_dates("发布日期 2026-12-03 14:05，成文日期 2026年12月1日") == [
        "2026-12-03", "2026年12月1日"]
    assert mixed_dates("发布日期 2026-12-03，成文日期 2026-12-01") == []
    assert mixed_dates("受理编号 2026-000123，公示期 2026年9月28日至2026年10月12日") == []


def _templates():
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix in (".html", ".xml", ".txt"):
            yield path, path.read_text(encoding="utf-8")


def test_templates_write_dates_only_through_the_filters():
    stray = []
    for path, text in _templates():
        for match in EXPRESSION.finditer(text):
            if not re.search(r"\.isoformat\(|strftime\(", match.group(1)):
                continue
            line_start = text.rfind("\n", 0, match.start()) + 1
            in_attribute = ATTRIBUTE.search(text[line_start:match.start()])
            if not (in_attribute or "url_for(" in match.group(1)):
                stray.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
    assert stray == []


def test_the_letter_format_is_only_on_the_printed_poster():
    users = [str(path.relative_to(TEMPLATES)) for path, text in _templates()
             if "letter_date" in text or "cn_date" in text]
    assert users == ["villages/poster.html"]
