"""Template filters and globals."""

from __future__ import annotations

import re
from collections import ChainMap
from datetime import UTC, datetime
from types import BuiltinFunctionType, FunctionType, MethodType
from urllib.parse import urlencode

import markupsafe
from flask import Flask, has_request_context, request, url_for
from jinja2 import Template
from jinja2.compiler import CodeGenerator
from jinja2.runtime import Context, new_context
from markupsafe import Markup, escape

from portal.timeutil import format_day, format_local, letter_date

# Distinct link shapes kept by `kept_url_for` before it starts afresh: a shape is an
# endpoint with its values, whole numbers left open, so every document's link is one shape.
KEPT_LINKS = 2048
# What Werkzeug leaves unescaped in a query value (werkzeug.urls._urlencode).
QUERY_SAFE = "!$'()*,/:;?@"
# Stands for the open numbers while a shape is built: nothing else in a link is this long.
_HOLE = 7_300_000_000_000_000_000


def kept_url_for():
    """`url_for` for templates, each link shape built once and kept: a page builds dozens
    (the navigation, every row's link), and building one costs more than filling one in.
    A shape is the mount point, the endpoint and the values in the order given, with each
    non-negative whole number left as a hole; a list's rows (`disclosure_id=d.id`) share
    one. Anything else (`_external`, `_anchor`, a blueprint-relative endpoint, an
    unhashable value, no request) is built afresh each time."""
    kept: dict[tuple, tuple | None] = {}

    def build(endpoint: str, **values) -> str:
        if endpoint[:1] == "." or not has_request_context():
            return url_for(endpoint, **values)
        numbers, key = [], [request.script_root, endpoint]
        for name, value in values.items():
            if value.__class__ is int and value >= 0:
                numbers.append(value)
                key.append(name)
            else:  # with its type: True and 1 are equal keys but different links
                key.append((name, value.__class__, value))
        try:
            shape = kept[tuple(key)]
        except KeyError:
            link = url_for(endpoint, **values)
            shape = _shape(endpoint, values)
            if shape is not None and _fill(shape, numbers) != link:
                shape = None  # a rule chosen by the number itself: never kept
            kept[tuple(key)] = shape
            if len(kept) > KEPT_LINKS:
                kept.clear()
            return link
        except TypeError:  # an unhashable value (a list of tags)
            return url_for(endpoint, **values)
        return url_for(endpoint, **values) if shape is None else _fill(shape, numbers)

    return build


def row_links():
    """`row_link(endpoint, key, **values)` for templates: a function giving each row's link,
    `url_for(endpoint, **values, key=row_id)`, by writing the row's id between the two
    parts of a link built once per mount point and values. A list builds one per row, and
    this costs a third of `url_for`. The parts are checked against `url_for` on their
    first row; an id that is not a non-negative whole number, parts that do not fit, or
    no request, and the link is built by `url_for`."""
    kept: dict[tuple, list] = {}

    def row_link(endpoint: str, key: str, **values):
        def built(row_id) -> str:
            return url_for(endpoint, **values, **{key: row_id})

        if not has_request_context():
            return built
        try:
            shape_key = (request.script_root, endpoint, key, *sorted(values.items()))
            shape = kept.get(shape_key)
        except TypeError:  # an unhashable value
            return built
        if shape is None:
            head, hole, tail = built(_HOLE).partition(str(_HOLE))
            shape = kept[shape_key] = [head, tail, None if hole else False]  # None: unchecked
            if len(kept) > KEPT_LINKS:
                kept.clear()
        head, tail = shape[0], shape[1]

        def link(row_id) -> str:
            if shape[2] is False or row_id.__class__ is not int or row_id < 0:
                return built(row_id)
            written = f"{head}{row_id}{tail}"
            if shape[2] is None:  # the first row: do the parts fit?
                right = built(row_id)
                shape[2] = written == right
                return right
            return written

        return link

    return row_link


def _fill(shape: tuple, numbers: list[int]) -> str:
    parts, order = shape
    if not order:
        return parts[0]
    out = [parts[0]]
    for index, part in zip(order, parts[1:], strict=True):
        out += (str(numbers[index]), part)
    return "".join(out)


def _shape(endpoint: str, values: dict) -> tuple | None:
    """The link with its whole numbers as holes: (the text around them, which number goes
    in each hole); None for a link that must be built every time."""
    if any(name[:1] == "_" for name in values):
        return None
    holes: dict[str, int] = {}
    numbered = {}
    for name, value in values.items():
        if value.__class__ is int and value >= 0:
            numbered[name] = _HOLE + len(holes)
            holes[str(numbered[name])] = len(holes)
        else:
            numbered[name] = value
    link = url_for(endpoint, **numbered)
    if not holes:
        return (link,), ()
    pieces = re.split("(" + "|".join(holes) + ")", link)
    if len(pieces) != 2 * len(holes) + 1:  # a number not written as itself
        return None
    return tuple(pieces[0::2]), tuple(holes[hole] for hole in pieces[1::2])


def kept_fragment(app: Flask):
    """`kept_fragment(name, **values)` for templates: a part of pages that depends only on
    the settings, the mount point and `values` (the main navigation, the footer, a
    village's category tabs), rendered once for each and kept. Such a template is
    rendered without the request's context, with `values` only: nothing in it may depend
    on the visitor, the page or the time."""
    kept: dict[tuple, Markup] = {}

    def fragment(name: str, **values) -> Markup:
        key = (request.script_root, name, *sorted(values.items()))
        try:
            return kept[key]
        except KeyError:
            if len(kept) > KEPT_LINKS:
                kept.clear()
            rendered = kept[key] = Markup(  # nosec B704
                app.jinja_env.get_template(name).render(**values))
            return rendered

    return fragment


# Callables that take a context, environment or evaluation context say so by an attribute.
_PLAIN_CALLABLES = frozenset({FunctionType, MethodType, BuiltinFunctionType})


class PortalContext(Context):
    """Jinja's context, with a quicker way to call a plain function or method from a
    template (`url_for(…)`, `row_link(…)`, `request.cookies.get(…)`). Jinja's own `call`
    looks for a context to pass on the object and on its `__call__` every time: about
    1 µs against 0.3 µs here, and a public list makes 40 such calls. A function marked
    `pass_context`, `pass_environment` or `pass_eval_context`, and anything that is not a
    plain function or method (a macro, a class), goes through Jinja's `call`."""

    def call(__self, __obj, *args, **kwargs):  # as Jinja names them: "self=" passes through
        if __obj.__class__ not in _PLAIN_CALLABLES or hasattr(__obj, "jinja_pass_arg"):
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_loop_vars", None)
            kwargs.pop("_block_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception")


class PortalTemplate(Template):
    """Jinja's template, with its globals copied into each render's context as plain
    dicts. A template's globals are a ChainMap (its own over the environment's, so a
    global added later is still seen); copying one key by key through the ChainMap costs
    14 µs a render, against 1 µs for the same keys and values taken map by map."""

    def new_context(self, vars=None, shared=False, locals=None):
        globals_ = self.globals
        if not shared and isinstance(globals_, ChainMap):
            flat: dict = {}
            for layer in reversed(globals_.maps):  # the first map wins, as in the ChainMap
                flat.update(layer)
            globals_ = flat
        return new_context(self.environment, self.name, self.blocks, vars, shared, globals_,
                           locals)

    @classmethod
    def from_code(cls, environment, code, globals, uptodate=None):
        """Jinja's, with `_output_escape` (PortalCodeGenerator) in the template's names."""
        namespace = {"environment": environment, "__file__": code.co_filename,
                     "_output_escape": _output_escape}
        # Jinja's own step: the code compiled from a template file (docs/bandit.md).
        exec(code, namespace)  # nosec B102
        template = cls._from_namespace(environment, namespace, globals)
        template._uptodate = uptodate
        return template


def _output_escape(value) -> str:
    """`markupsafe.escape` for what a template writes (`{{ … }}`), which is only joined
    into the page: text comes back as an escaped str, not as a Markup made of it (a
    Python-level constructor, once for each of the 150 values a public list writes);
    anything else as `escape` gives it."""
    if value.__class__ is str:
        return _escape_text(value)
    return escape(value)


_escape_text = markupsafe._escape_inner  # what escape() runs on a str, in C


class PortalCodeGenerator(CodeGenerator):
    """Jinja's compiler, with two changes to how a template writes its page.

    - `{{ … }}` is written with `_output_escape` where autoescaping is on. Only output
      goes through it: an expression that keeps a value (`{% set %}`, `~`, a filter, a
      macro's argument) escapes as Jinja does, with Markup.
    - A block (`{% block content %}`) collects its text in a list and yields it once,
      joined, as Jinja's macros do, instead of yielding each piece: a piece yielded by
      a page's content passes through three generators (the block, the layout's body
      and the page's), and a public list's content yields 345 pieces. A block is still
      a generator yielding its text, so `{{ super() }}`, `self.<block>()` and the
      layout's `{% block %}` use it as before."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            return super()._output_child_pre(node, frame, finalize)
        self.write("_output_escape(")
        if finalize.src is not None:
            self.write(finalize.src)

    def enter_frame(self, frame) -> None:
        super().enter_frame(frame)
        if frame.block_frame and frame.parent is None and frame.buffer is None \
                and not self.environment.is_async:  # a block's own frame (visit_Template)
            self.buffer(frame)
            frame.collects_block = True

    def leave_frame(self, frame, with_python_scope: bool = False) -> None:
        if getattr(frame, "collects_block", False):
            self.writeline(f"yield concat({frame.buffer})")
        super().leave_frame(frame, with_python_scope)


class SharedMacros:
    """`macros.<name>(…)` for templates: the macros of `_macros.html`, its module made
    once. `{% from "_macros.html" import … %}` gives the same macros (a module made
    without the page's context) but looks the template up and compares every global on
    each render: 2–3% of a public list's time with the page cache off, measured side by
    side. The public lists use this instead. With auto-reload (development) an edited
    file is seen at once."""

    def __init__(self, environment) -> None:
        self._environment, self._module = environment, None

    def __getattr__(self, name: str):
        environment = self._environment
        if environment.auto_reload:
            return getattr(environment.get_template("_macros.html").module, name)
        if self._module is None:  # after create_app has registered every global
            self._module = environment.get_template("_macros.html").module
        return getattr(self._module, name)


def register(app: Flask) -> None:
    from portal.disclosures.models import Category
    from portal.villages.models import NoticeCategory

    app.jinja_env.context_class = PortalContext
    app.jinja_env.template_class = PortalTemplate
    app.jinja_env.code_generator_class = PortalCodeGenerator
    app.jinja_env.globals["url_for"] = kept_url_for()
    app.jinja_env.globals["macros"] = SharedMacros(app.jinja_env)
    app.jinja_env.globals["kept_fragment"] = kept_fragment(app)
    app.jinja_env.globals["row_link"] = row_links()

    # The only ways a page writes a date: `local_date` (2026-12-03) and `local_dt`
    # (2026-12-03 14:05); `letter_date` (2026年12月3日) only on the printed poster.
    # tests/web/test_dates.py keeps templates to them.
    app.jinja_env.filters["local_dt"] = format_local
    app.jinja_env.filters["local_date"] = format_day
    app.jinja_env.filters["letter_date"] = letter_date

    @app.template_filter("atom_date")
    def atom_date(value: datetime) -> str:
        """RFC 3339 in UTC, as Atom wants it."""
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    build = app.jinja_env.globals["url_for"]

    @app.template_global()
    def url_with(**changes) -> str:
        """The current page's URL with some query arguments changed (for filters, pages):
        a change to None or "" drops the argument. The page's own arguments stay in the
        query whatever their names: handed to `url_for`, `slug` would clash with the
        route's own and `_external` or `_anchor` would be read as its options. The query
        is escaped as Werkzeug escapes it (tests/web/test_pager_links.py)."""
        args = request.args.to_dict()
        for key, value in changes.items():
            if value is None or value == "":
                args.pop(key, None)
            else:
                args[key] = value
        path = build(request.endpoint, **(request.view_args or {}))
        return f"{path}?{urlencode(args, safe=QUERY_SAFE)}" if args else path

    @app.template_global()
    def allowed(action: str, obj) -> bool:
        """Whether the signed-in person may do `action` on `obj` now (`portal.auth.policy`):
        every button and menu entry asks this, so nobody is shown what would be refused."""
        from flask_login import current_user

        from portal.auth import policy

        return policy.allowed(current_user, action, obj)

    from portal.staff.menu import staff_menu

    app.add_template_global(staff_menu)

    @app.template_filter("safe_html")
    def safe_html(value: str | None) -> Markup:
        # Bodies are cleaned by portal.sanitize.clean_html on the way in (the bad-input
        # corpus in tests/badinput checks no stored script comes back on any page).
        return Markup(value or "")  # nosec B704

    from portal.forms import error_summary

    app.add_template_global(error_summary)  # the summary atop a refused form (_macros.html)
    from portal import assets

    assets.init_app(app)  # static_url(): static files under content-hashed URLs
    from portal.personal_data.files import is_public

    app.jinja_env.tests["public_file"] = is_public
    from portal.attachments.storage import format_size

    app.jinja_env.filters["file_size"] = format_size  # "1.2 MB", "704 字节"
    app.jinja_env.globals.update(site_name=app.config["SITE_NAME"],
                                 site_sponsor=app.config.get("SITE_SPONSOR", ""),
                                 disclosure_categories=list(Category),
                                 notice_categories=list(NoticeCategory),
                                 # a link to an optional section only where it is served
                                 has_endpoint=lambda name: name in app.view_functions)
