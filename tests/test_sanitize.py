"""Rich text cleaning: what residents see must never run script, and staff's Chinese text
must come through unchanged."""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    clean_html,
    find_unsafe,
    html_to_text,
    text_to_html,
)

MXSS_PAYLOADS = [
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<svg><p><style><img src=x onerror=alert(1)>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "<math><mtext><h1><a><h6></a></h6><mglyph><svg><mtext><style><a title=\"</style>"
    "<img src onerror=alert(1)>\"></style></h1>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\">",
    "<select><template><style><!--</style><a rel=\"--></style></template></select>"
    "<img src onerror=alert(1)>\">",
    "<img src=x onerror=alert(1)//",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"javascript&colon;alert(1)\">x</a>",
    "<a href=\" JaVaScRiPt:alert(1)\">x</a>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<title><img src=x onerror=alert(1)></title>",
    # bleach advisories: CVE-2020-6802 (noscript), CVE-2020-6816 (math/svg + style),
    # CVE-2021-23980 (svg/math + p + style, comments inside style).
    "<noscript><style></noscript><img src=x onerror=alert(1)>",
    "<math><style><img src=x onerror=alert(1)></style></math>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math></p><style><!--</style><img src/onerror=alert(1)>",
    "<svg></p><title><!--</title><img src/onerror=alert(1)>",
    "<svg><p><style><img src=x onerror=alert(1)></style></p></svg>",
]


class _Collector(HTMLParser):
    """Every tag, attribute and text fragment a browser-like parser sees in the output."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self.tags.append((tag, {}))

    def handle_comment(self, data):
        raise AssertionError(f"comment survived: {data!r}")

    def handle_data(self, data):
        self.text.append(data)


def parsed(output: str) -> _Collector:
    collector = _Collector()
    collector.feed(output)
    collector.close()
    return collector


def assert_safe(output: str) -> None:
    for tag, attrs in parsed(output).tags:
        assert tag in ALLOWED_TAGS, (tag, output)
        for name, value in attrs.items():
            assert name in ALLOWED_ATTRIBUTES.get(tag, ()) or (tag, name) == ("a", "rel"), \
                (tag, name, output)
            url = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name in ("href", "src"):
                assert not url.startswith(("javascript:", "vbscript:", "data:")), output
            if name == "src":
                assert url.startswith("/") and not url.startswith(("//", "/\\")), output


@pytest.mark.parametrize("payload", MXSS_PAYLOADS)
def test_known_mxss_payloads_are_neutralised(payload):
    output = clean_html(payload)

    assert_safe(output)  # leftovers such as "&lt;img src=x onerror=…" are inert text
    assert clean_html(output) == output


def test_script_style_and_iframe_content_is_removed_not_shown_as_text():
    output = clean_html("<p>通知</p><script>alert(1)</script><style>p{color:red}</style>"
                        "<iframe>frame text</iframe>")

    assert output == "<p>通知</p>"


def test_chinese_text_with_astral_characters_is_preserved_exactly():
    body = "<p>关于𠀀𠮷村2024年低保名单的公示　　（第一批）：“张三”、‘李四’。</p>"

    assert clean_html(body) == body


def test_document_structure_survives():
    body = ('<h2>一、总体要求</h2><p><strong>加强</strong>和<em>改进</em>。</p>'
            '<ol><li>第一条</li><li>第二条</li></ol>'
            '<table><caption>表1</caption><thead><tr><th scope="col" colspan="2">项目</th>'
            '</tr></thead><tbody><tr><td rowspan="2">甲</td><td>乙</td></tr></tbody></table>'
            '<p>H<sub>2</sub>O，10<sup>3</sup></p><hr><blockquote>引文</blockquote>')

    assert clean_html(body) == body


# What Word puts on the clipboard (abridged): mso classes and styles, <o:p>, conditional
# comments around list numbers, a merged-cell table, a link opening a new window.
WORD_PASTE = """<!--StartFragment--><h1 class=MsoTitle style='mso-outline-level:1'><span
 lang=EN-US style='font-size:22.0pt;font-family:黑体'>第一章 总则<o:p></o:p></span></h1>
<p class=MsoListParagraph style='text-indent:-18pt;mso-list:l0 level1 lfo1'><![if
 !supportLists]><span style='mso-list:Ignore'>1.</span><![endif]>第一项<o:p></o:p></p>
<table class=MsoTableGrid border=1 cellspacing=0 style='border-collapse:collapse'>
<tr style='mso-yfti-irow:0'><td width=200 colspan=2 valign=top style='width:200pt'><p
 class=MsoNormal><b>项目<o:p></o:p></b></p></td></tr>
<tr><td rowspan=2 style='border:solid windowtext 1.0pt'>道路</td><td>100</td></tr>
</table>
<p class=MsoNormal><a href="https://www.gov.cn/" target="_blank" style="color:blue">政府网</a>
</p><!--EndFragment-->"""


def test_a_word_paste_keeps_its_structure_and_loses_its_formatting():
    assert clean_html(WORD_PASTE) == (
        "<h2><span>第一章 总则</span></h2>\n"
        "<p><span>1.</span>第一项</p>\n"
        "<table>\n"
        '<tbody><tr><td colspan="2"><p><b>项目</b></p></td></tr>\n'
        '<tr><td rowspan="2">道路</td><td>100</td></tr>\n'
        "</tbody></table>\n"
        '<p><a href="https://www.gov.cn/" rel="noopener noreferrer">政府网</a>\n</p>')


def test_what_the_editor_adds_beyond_the_allowed_markup_is_dropped():
    edited = ('<table style="border-collapse:collapse;width: 100%;"><tbody><tr>'
              '<th scope="col" style="width: 50%;" data-jodit-selected-cell="true">项目</th>'
              '<td style="width: 50%;" class="jodit-cell">金额</td></tr></tbody></table>'
              '<ul style="list-style-type: circle;"><li>一</li></ul>'
              '<p><a href="https://www.gov.cn/" target="_blank" rel="nofollow">链接</a></p>')

    assert clean_html(edited) == (
        '<table><tbody><tr><th scope="col">项目</th><td>金额</td></tr></tbody></table>'
        '<ul><li>一</li></ul>'
        '<p><a href="https://www.gov.cn/" rel="noopener noreferrer">链接</a></p>')


def test_h1_becomes_h2_and_h6_becomes_h5():
    assert clean_html("<h1>题</h1><h5>五</h5><h6>六</h6>") == "<h2>题</h2><h5>五</h5><h5>六</h5>"


def test_style_class_and_id_are_dropped():
    assert clean_html('<p style="color:red" class="x" id="y">正文</p>') == "<p>正文</p>"


def test_absolute_links_get_noopener_and_relative_links_do_not():
    output = clean_html('<a href="https://www.gov.cn/" target="_blank" rel="opener">国务院</a>'
                        '<a href="/disclosures/1">本站</a><a href="mailto:ban@example.cn">信箱</a>')

    assert output == ('<a href="https://www.gov.cn/" rel="noopener noreferrer">国务院</a>'
                      '<a href="/disclosures/1">本站</a><a href="mailto:ban@example.cn">信箱</a>')


def test_links_with_other_schemes_keep_only_their_text():
    assert clean_html('<a href="ftp://x/">下载</a><a name="top">锚点</a>') == "下载锚点"


@pytest.mark.parametrize("src", ["data:image/png;base64,iVBOR", "http://evil.example/a.png",
                                 "//evil.example/a.png", "/\\evil.example/a.png",
                                 "/&#x2F;evil.example/a.png", "a.png", "java\tscript:x"])
def test_images_only_from_same_site_paths(src):
    assert clean_html(f'<p><img src="{src}" alt="图"></p>') == "<p></p>"


def test_same_site_image_keeps_allowed_attributes():
    output = clean_html('<img src="/attachments/5" alt="示意图" width="300" height="abc" '
                        'onerror="x" loading="lazy">')

    assert output == '<img src="/attachments/5" alt="示意图" width="300">'


def test_entities_and_markup_characters_in_text_stay_escaped():
    output = clean_html("<p>A &amp; B &lt;script&gt; &nbsp;x</p>")

    assert output == "<p>A &amp; B &lt;script&gt; &nbsp;x</p>"
    assert clean_html("a < b > c & d") == "a &lt; b &gt; c &amp; d"


def test_pre_keeps_a_leading_blank_line_across_cleanings():
    once = clean_html("<pre>\n\n  代码</pre>")

    assert clean_html(once) == once
    assert "\n  代码" in once


def test_empty_input():
    assert clean_html("") == ""
    assert html_to_text("") == ""
    assert text_to_html("") == ""


def test_html_to_text_collapses_whitespace_and_separates_blocks():
    body = ("<h2>标题</h2><p>这是<strong>重要</strong>\n  通知&nbsp;&amp;</p>"
            "<ul><li>一</li><li>二</li></ul>")

    assert html_to_text(body) == "标题 这是重要 通知 & 一 二"


def test_html_to_text_never_returns_script_content():
    assert html_to_text("<p>正文</p><script>alert(1)</script><style>x{}</style>") == "正文"


def test_text_to_html_makes_paragraphs_and_line_breaks():
    text = "　　第一段第一行\r\n第一段第二行\n\n\n第二段 <b>粗</b> & 'q'\n  \n"

    assert text_to_html(text) == ("<p>\u3000\u3000第一段第一行<br>第一段第二行</p>\n"
                                  "<p>第二段 &lt;b&gt;粗&lt;/b&gt; &amp; 'q'</p>")


# ---- property tests --------------------------------------------------------------------

DANGEROUS_TAGS = ["script", "style", "iframe", "object", "embed", "svg", "math", "noscript",
                  "textarea", "title", "template", "select", "option", "form", "input",
                  "button", "xmp", "section", "h1", "h5", "h6", "font", "body", "html",
                  "head", "meta", "link", "base", "mglyph", "mtext", "malignmark", "foo"]
TAG_NAMES = sorted(ALLOWED_TAGS) + DANGEROUS_TAGS
ATTR_NAMES = ["href", "src", "title", "alt", "width", "height", "scope", "colspan", "rowspan",
              "onclick", "onerror", "onload", "style", "class", "id", "rel", "target",
              "xlink:href", "formaction", "srcdoc", "data", "action", "name"]
ATTR_VALUES = ["javascript:alert(1)", "jav&#x09;ascript:alert(1)", "JaVaScRiPt:alert(1)",
               " javascript:alert(1)", "&#106;avascript:alert(1)", "javascript&colon;x",
               "data:text/html,<script>x</script>", "vbscript:x", "/ok.png", "//evil.example/x",
               "/&#x2F;evil/x", "https://www.gov.cn/", "mailto:a@b.cn", "#top", "2", "row",
               "标题", 'x" onerror="alert(1)', "x' onerror='alert(1)", "</p><script>x",
               "100%", ""]
TEXTS = ["通知", "𠀀", "&amp;", "&", "<", ">", "&nbsp;", " ", "\n", "第一条", "'", '"',
         "</", "<!--", "-->", "&#x3c;", "𠮷村"]
HIDDEN = "SCRIPTBODY"


def _attribute(name_value):
    name, value = name_value
    quote = "'" if '"' in value else '"'
    return f" {name}={quote}{value}{quote}"


def _attributes(values):
    pairs = st.tuples(st.sampled_from(ATTR_NAMES), st.sampled_from(values))
    return st.lists(pairs, max_size=3).map(lambda found: "".join(map(_attribute, found)))


def _markup(texts, values):
    """Random nested markup from the tag, attribute and text lists above."""

    def build(parts):
        tag, attrs, inner, closed = parts
        if tag in ("script", "style", "iframe", "noscript", "textarea", "title"):
            inner = f"{HIDDEN}{inner}"
        return f"<{tag}{attrs}>{inner}" + (f"</{tag}>" if closed else "")

    def element(children):
        return st.tuples(st.sampled_from(TAG_NAMES), _attributes(values),
                         st.lists(children, max_size=4).map("".join), st.booleans()).map(build)

    text = st.lists(st.sampled_from(texts), max_size=4).map("".join)
    return st.recursive(text, element, max_leaves=25)


markup = _markup(TEXTS, ATTR_VALUES)
# Without "<" in texts and values: a stray `</<script>` (a bogus tag, escaped) or a value
# holding "</script>" inside a script body ends that body early in browsers too, and what
# follows is visible, inert text.
markup_without_stray_brackets = _markup([t for t in TEXTS if "<" not in t],
                                        [v for v in ATTR_VALUES if "<" not in v])
PROPERTY_SETTINGS = settings(max_examples=400, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(markup)
def test_cleaning_is_idempotent(source):
    once = clean_html(source)

    assert clean_html(once) == once


@PROPERTY_SETTINGS
@given(markup)
def test_no_disallowed_tag_attribute_or_script_url_survives(source):
    assert_safe(clean_html(source))


@PROPERTY_SETTINGS
@given(markup_without_stray_brackets)
def test_script_and_style_bodies_never_become_text(source):
    output = clean_html(source)

    assert_safe(output)
    assert HIDDEN not in output


safe_text = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"),
                                           blacklist_characters="<>&"), max_size=60)


@settings(deadline=None)
@given(safe_text)
def test_plain_chinese_paragraph_is_unchanged(text):
    assert clean_html(f"<p>{text}</p>") == f"<p>{text}</p>"


@settings(deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=80))
def test_text_to_html_keeps_every_word(text):
    rendered = text_to_html(text)

    assert clean_html(rendered) == rendered
    assert html_to_text(rendered) == " ".join(text.split())


@pytest.mark.parametrize("html_text,found", [
    ("<script>alert(1)</script>", "<script>"),
    ('<img src="/a.png" onerror="alert(1)">', "onerror"),
    ('<a href="javascript:alert(1)">x</a>', "javascript:"),
    ('<a href="jav&#x09;ascript:alert(1)">x</a>', "javascript:"),
    ("<iframe src='/x'></iframe>", "<iframe>"),
    ('<object data="x"></object>', "<object>"),
    ('<svg><script>1</script></svg>', "<script>"),
])
def test_find_unsafe_names_what_would_run(html_text, found):
    assert any(found in item for item in find_unsafe(html_text))


@pytest.mark.parametrize("html_text", [
    '<p style="color:red" class="x">正文</p>', '<a href="https://gov.cn/">链接</a>',
    "<table><tr><td>1</td></tr></table>", "纯文本 javascript 说明", "",
])
def test_find_unsafe_leaves_ordinary_markup_alone(html_text):
    assert find_unsafe(html_text) == []


# Arbitrary Unicode (controls, astral-plane characters, lone brackets) between the markup.
mixed = st.lists(st.one_of(markup, st.text(max_size=12)), max_size=5).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed)
def test_arbitrary_text_with_markup_is_cleaned_safely_and_stably(source):
    once = clean_html(source)

    assert_safe(once)
    assert clean_html(once) == once
