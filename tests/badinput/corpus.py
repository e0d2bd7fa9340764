"""The bad-input corpus: what hostile or broken clients send, and a check that no markup a
browser would run ever comes back on a page.

Shared by the tests in this folder. Payloads are plain data; which field gets which payload
is decided by the tests.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Cross-site scripting: plain, event handlers, script URLs, SVG, and the mutation-XSS cases of
# bleach's advisories (CVE-2020-6802 noscript, CVE-2020-6816 math/svg + style, CVE-2021-23980
# svg/math + p + style) plus the namespace-confusion forms around them.
XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">点击</a>',
    '<a href="jav&#x09;ascript:alert(1)">点击</a>',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<body onload="alert(1)">',
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<noscript><style></noscript><img src=x onerror=alert(1)>",
    "<math><style><img src=x onerror=alert(1)></style></math>",
    "<svg><p><style><img src=x onerror=alert(1)></style></p></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\">",
    "<math></p><style><!--</style><img src/onerror=alert(1)>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
]
SQL = ["' OR 1=1 --", '"; DROP TABLE users; --', "1; SELECT pg_sleep(5)", "%' AND '%'='"]
LONG = "长" * 10_000
HUGE_NUMBER = "9" * 30  # past every 64-bit column
MANY_DIGITS = "1" * 10_000  # past Python's int() digit limit
ODD_DIGITS = "²"  # str.isdigit() says yes, int() says no
CONTROL = "第\x00一\x01条\x08\x0b\x1b[31m\x7f"
BIDI = "发票\u202efdp.exe\u202c与\u2066隔离\u2069\u200f"
ASTRAL = "𠀀𪚥𡃁村委会（𠮷）"
INVALID_UTF8 = b"\xff\xfe\xc3\x28\xa0\xa1\xed\xa0\x80"  # stray, truncated, surrogate

# Text payloads sent through every text field and query parameter.
TEXT_PAYLOADS = {
    "xss": XSS[0] + XSS[1] + XSS[11],
    "sql": SQL[0] + SQL[1],
    "long": LONG,
    "control": CONTROL,
    "bidi": BIDI,
    "huge_number": HUGE_NUMBER,
    "many_digits": MANY_DIGITS,
    "odd_digits": ODD_DIGITS,
    "astral": ASTRAL,
}

CHINESE = re.compile(r"[\u4e00-\u9fff]")
SCRIPT_URL = re.compile(r"^(?:javascript|vbscript|data):", re.IGNORECASE)
RUNNABLE_TAGS = {"script", "iframe", "frame", "object", "embed", "applet", "base", "link",
                 "meta", "form"}
# The site's own scripts: the body editor's two files (templates/_editor.html), from our
# /static under their content hash. Any other script element came from input.
OWN_SCRIPT = re.compile(r"/static/(vendor/jodit/jodit\.min\.js|js/editor\.js)\?v=[0-9a-f]{12}")


class _RunnableFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and len(attrs) == 2 and ("defer", None) in attrs \
                and OWN_SCRIPT.fullmatch(dict(attrs).get("src") or ""):
            return
        if tag in RUNNABLE_TAGS - {"form", "link", "meta"}:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            url = re.sub(r"[\s\x00-\x1f]", "", value or "")
            if name in {"href", "src", "action", "formaction", "xlink:href", "data"} \
                    and SCRIPT_URL.match(url):
                self.found.append(f"<{tag} {name}={url[:20]}>")

    handle_startendtag = handle_starttag


def runnable_markup(page: str) -> list[str]:
    """Markup in `page` that a browser would run: script and embedding elements, `on…`
    attributes, script or data URLs. The site itself uses none of these but the editor's
    own two scripts (OWN_SCRIPT), so anything found came from input."""
    finder = _RunnableFinder()
    finder.feed(page)
    finder.close()
    return finder.found


def has_chinese(text: str) -> bool:
    return CHINESE.search(text) is not None
