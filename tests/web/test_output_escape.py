"""The portal compiles its templates with `portal.templating.PortalCodeGenerator`: written
text is escaped without making a Markup object of each piece, and a block collects its
text before yielding it. Every value, every way of writing one and every way of using a
block must give Jinja's own output."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import DictLoader, Environment, Template, Undefined
from markupsafe import Markup

from portal.templating import PortalCodeGenerator, PortalTemplate


class Html:
    def __html__(self):
        return "<b>已转义</b>"


class Text:
    def __str__(self):
        return "<i>对象</i>"


SOURCES = [
    "{{ value }}",
    "[{{ value }}|{{ value ~ '&' }}|{{ value|string }}|{{ value|e }}]",
    "{{ value|safe }} {{ value|upper }} {{ value is none }}",
    "{% set held %}<p>{{ value }}</p>{% endset %}{{ held }}{{ held|length }}",
    "{% macro box(x) %}<div>{{ x }}{{ caller() if caller }}</div>{% endmacro %}"
    "{{ box(value) }}{% call box('&') %}{{ value }}{% endcall %}",
    "{% for v in [value, '<', 3] %}{{ loop.index }}:{{ v }};{% endfor %}",
    "{% autoescape false %}{{ value }}{% endautoescape %}{{ value }}",
    "{{ missing }}|{{ missing is defined }}|{{ value if value else '空' }}",
    "{{ '%s' % value }} {{ [value]|join(',') }} {{ {'k': value}['k'] }}",
]
VALUES = {"empty": "", "text": "普通文字", "markup_chars": "<script>alert('x')</script> & \"引号\"",
          "markup": Markup("<b>可信</b>"), "has_html": Html(), "object": Text(), "zero": 0,
          "float": 12.5, "none": None, "true": True, "list": ["<a>"], "undefined": Undefined()}


LAYOUTS = {
    "layout.html": "<title>{% block title %}站{% endblock %}</title>"
                   "{% block body %}<main>{% block content %}{% endblock %}</main>{% endblock %}"
                   "<footer>{{ self.title() }}</footer>",
    "page.html": "{% extends 'layout.html' %}{% block title %}{{ value }} - {{ super() }}"
                 "{% endblock %}{% block content %}{% for v in [value, 2] %}"
                 "{% include 'row.html' %}{% endfor %}{% set n = 3 %}{{ n }}"
                 "{% block inner scoped %}[{{ value }}]{% endblock %}{% endblock %}",
    "row.html": "<li>{{ v }}{% if v == 2 %} 二{% endif %}</li>",
    "deeper.html": "{% extends 'page.html' %}{% block inner %}{{ super() }}!{% endblock %}"
                   "{% block body %}{{ super() }}{% filter upper %}x{{ value }}{% endfilter %}"
                   "{% endblock %}",
    "empty.html": "{% extends 'layout.html' %}{% block content %}{% endblock %}",
    "macros.html": "模块正文{{ value }}{% macro m(x) %}<em>{{ x }}</em>{% endmacro %}",
    "plain.html": "{% from 'macros.html' import m %}{% import 'macros.html' as mm %}"
                  "{{ m(value) }}{{ mm.m('<') }}[{{ mm }}]{% set v = value %}"
                  "{% include 'row.html' %}{% block x %}<{{ value }}>{% endblock %}{{ self.x() }}",
    "maybe.html": "{% if value == 7 %}{% extends 'layout.html' %}{% endif %}"
                  "{% block content %}条件{{ value }}{% endblock %}",
}


def _environment(portal: bool) -> Environment:
    environment = Environment(autoescape=True, loader=DictLoader(LAYOUTS))
    if portal:
        environment.code_generator_class = PortalCodeGenerator
        environment.template_class = PortalTemplate
    return environment


def _render(portal: bool, source: str, value) -> str:
    return _environment(portal).from_string(source).render(value=value)


@pytest.mark.parametrize("source", SOURCES, ids=range(len(SOURCES)))
@pytest.mark.parametrize("name", VALUES)
def test_every_value_is_written_as_jinja_writes_it(source, name):
    assert _render(True, source, VALUES[name]) == _render(False, source, VALUES[name])


@given(st.text())
def test_any_text_is_escaped_as_jinja_escapes_it(text):
    for source in SOURCES[:4]:
        assert _render(True, source, text) == _render(False, source, text)


@pytest.mark.parametrize("name", ["page.html", "deeper.html", "empty.html", "layout.html",
                                  "plain.html", "maybe.html"])
@pytest.mark.parametrize("value", ["<b>标题</b>", Markup("<i>可信</i>"), 7], ids=str)
def test_blocks_write_what_jinja_writes(name, value):
    rendered = [_environment(portal).get_template(name).render(value=value)
                for portal in (True, False)]
    assert rendered[0] == rendered[1]


def test_a_block_is_still_a_generator_of_its_text():
    layout = _environment(True).get_template("layout.html")
    assert list(layout.blocks["title"](layout.new_context({}))) == ["站"]
    page = _environment(True).get_template("page.html")
    assert "".join(page.generate(value="<x>")).startswith("<title>&lt;x&gt; - 站</title>")


def test_script_in_a_title_stays_text():
    rendered = _render(True, "<h1>{{ value }}</h1>", "<script>x</script>")
    assert rendered == "<h1>&lt;script&gt;x&lt;/script&gt;</h1>"


def test_the_portal_compiles_its_templates_so(app):
    assert app.jinja_env.code_generator_class is PortalCodeGenerator
    template = app.jinja_env.get_template("base.html")
    assert isinstance(template, Template)
    assert "_output_escape" in template.root_render_func.__globals__
