"""Templates render through `portal.templating.PortalContext`, which skips Jinja's search
for a context to pass when the callable is a plain function or method, and
`PortalTemplate`, which copies the globals into each render's context map by map. Both
must give what Jinja gives: for calls, plain functions, keyword arguments, calls inside
loops, and callables that ask for the context, the environment or the evaluation
context; for globals, a template's own over the environment's, the render's values over
both, and a global added after the template was loaded."""

from __future__ import annotations

import pytest
from jinja2 import Environment, pass_context, pass_environment, pass_eval_context

from portal.templating import PortalContext, PortalTemplate


def shout(word, mark="!"):
    return f"{word.upper()}{mark}"


@pass_context
def seen(context, name):
    return f"{name}={context.get(name)}"


@pass_environment
def filters_known(environment, name):
    return name in environment.filters


@pass_eval_context
def escaping(eval_ctx):
    return "on" if eval_ctx.autoescape else "off"


class Greeter:
    greeting = "你好"

    def plain(self, who):
        return f"{self.greeting}，{who}"

    @pass_context
    def with_context(self, context):
        return f"{self.greeting}，{context.get('visitor')}"


class CallableWithContext:
    @pass_context
    def __call__(self, context):
        return context.get("visitor")


def stops():
    raise StopIteration


SOURCES = [
    "{{ shout('hi') }} {{ shout('hi', mark='?') }} {{ shout(word='kw') }}",
    "{% for w in words %}{{ shout(w) }}{% endfor %}",
    "{% for w in words %}{% set tail = w ~ '.' %}{{ seen('tail') }};{% endfor %}",
    "{{ seen('visitor') }} {{ filters_known('upper') }} {{ escaping() }}",
    "{{ greeter.plain(visitor) }} {{ greeter.with_context() }} {{ by_call() }}",
    "{% for w in words %}{{ greeter.with_context() }}{% endfor %}",
    "{{ {'a': 1}.get('a') }} {{ words.index('b') }} {{ '-'.join(words) }}",
    "[{{ stops() }}]",
]
VALUES = {"shout": shout, "seen": seen, "filters_known": filters_known,
          "escaping": escaping, "greeter": Greeter(), "by_call": CallableWithContext(),
          "stops": stops, "words": ["a", "b"], "visitor": "李大爷"}


def _environment(context_class) -> Environment:
    environment = Environment(autoescape=True)
    environment.context_class = context_class
    return environment


@pytest.mark.parametrize("source", SOURCES)
def test_calls_give_what_jinja_gives(source):
    ours = _environment(PortalContext).from_string(source).render(**VALUES)
    jinjas = _environment(PortalContext.__mro__[1]).from_string(source).render(**VALUES)
    assert ours == jinjas


def test_callables_that_ask_for_the_context_still_get_it():
    rendered = _environment(PortalContext).from_string(SOURCES[2] + SOURCES[3]).render(
        **VALUES)
    assert rendered == "tail=a.;tail=b.;visitor=李大爷 True on"
    rendered = _environment(PortalContext).from_string(SOURCES[4]).render(**VALUES)
    assert rendered == "你好，李大爷 你好，李大爷 李大爷"


def test_a_stopped_callable_is_undefined():
    assert _environment(PortalContext).from_string(SOURCES[7]).render(**VALUES) == "[]"


def test_globals_are_seen_as_jinja_sees_them():
    outputs = []
    for template_class in (PortalTemplate, PortalTemplate.__mro__[1]):
        environment = Environment(autoescape=True)
        environment.template_class = template_class
        environment.globals.update(site="县门户", shared="环境")
        own = environment.from_string("{{ site }} {{ shared }} {{ later }} {{ given }}",
                                      globals={"shared": "模板"})
        environment.globals.update(later="后加", given="全局")
        outputs.append(own.render(given="参数"))
        outputs.append(environment.from_string("{{ shared }}{{ later }}").render())
    assert outputs[0] == "县门户 模板 后加 参数"
    assert outputs[1] == "环境后加"
    assert outputs[:2] == outputs[2:]


def test_the_portal_renders_with_them(app):
    assert app.jinja_env.context_class is PortalContext
    assert isinstance(app.jinja_env.get_template("base.html"), PortalTemplate)
    with app.test_request_context("/"):
        rendered = app.jinja_env.from_string(
            "{{ url_for('public.home') }} {{ seen('x') }}").render(seen=seen, x=1)
    assert rendered == "/ x=1"
