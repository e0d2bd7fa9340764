"""Shared form plumbing: Chinese messages for WTForms' built-in validators, and one rule
for invisible characters in every text field (see the decisions in portal/validation.py)."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import abort, flash, redirect, request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField, widgets
from wtforms.fields.choices import Choice
from wtforms.validators import ValidationError as FieldError

from portal import validation
from portal.error_pages import note_refusal
from portal.errors import ValidationError

# The longest rich-text body a form takes, in characters of what the browser sends (text
# and markup). It sits below what LONG_TEXT_FORM_MAX_BYTES (2 MB) can carry even when every
# character is Chinese in a url-encoded form (9 bytes each), so an over-long body is shown
# again with a message instead of a 413 page that loses it.
RICH_TEXT_MAX_CHARS = 200_000


class RichTextLength:
    """Refuses a body past RICH_TEXT_MAX_CHARS, saying how long it is."""

    def __call__(self, form, field) -> None:
        length = len(field.data) if isinstance(field.data, str) else 0
        if length > RICH_TEXT_MAX_CHARS:
            label = field.label.text if field.label else "正文"
            raise FieldError(
                f"{label}过长：共 {length:,} 个字符（含排版标记），"
                f"不能超过 {RICH_TEXT_MAX_CHARS:,} 个。"
                "请删减，或把部分内容作为附件上传后重新保存。")


class RichTextField(TextAreaField):
    """A body of rich text (HTML or plain paragraphs): control characters and bidi marks
    pasted along with it are stripped rather than refused. The page upgrades the textarea
    into the editor (static/js/editor.js, marked by `data-editor`); without JavaScript it
    stays a plain textarea."""

    def __init__(self, *args, render_kw=None, **kwargs):
        render_kw = {"data-editor": "rich", "data-max-chars": RICH_TEXT_MAX_CHARS, "rows": 16,
                     **(render_kw or {})}
        super().__init__(*args, render_kw=render_kw, **kwargs)


class PlainText:
    """Refuses broken encoding and invisible control characters in a plain-text field,
    naming the field; line breaks and tabs only in multi-line fields."""

    def __init__(self, multiline: bool):
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        value = field.data if isinstance(field.data, str) else ""
        label = _plain_label(field)
        if problem := validation.character_problem(value, label=label,
                                                   multiline=self.multiline):
            raise FieldError(problem)


class Select(widgets.Select):
    """WTForms' select, with each plain option's markup made once per process: the inquiry
    form's 受理单位 list has over a hundred options, and building each one's attributes
    again on every request was close to half of that page's rendering. The markup is the
    same as WTForms' own; an option with attributes of its own is built as WTForms does."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        try:
            return _plain_option(choice.value, choice.label, bool(choice.selected))
        except TypeError:  # a value that can't be a key: built each time
            return super().render_option(choice)


@lru_cache(maxsize=4096, typed=True)  # typed: 1 and True, or str and Markup labels, differ
def _plain_option(value, label, selected: bool):
    return widgets.Select.render_option(Choice(value, label, selected, None))


@lru_cache(maxsize=4)
def _translations(locales: tuple[str, ...]):
    """WTForms' messages in `locales`, looked up once per process: finding the catalogue
    costs six file lookups, and every form a request builds asks for it."""
    from wtforms.i18n import get_translations

    return get_translations(locales)


class ChineseForm(FlaskForm):
    """A FlaskForm whose built-in messages ("Not a valid date value") come out in Chinese,
    and whose text fields refuse (plain text) or strip (rich text) invisible characters."""

    class Meta:
        locales = ("zh_CN", "zh")

        def get_translations(self, form):
            return _translations(tuple(self.locales))

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if type(field.widget) is widgets.Select:
                field.widget = Select(multiple=field.widget.multiple)
            if isinstance(field, RichTextField):
                field.filters = (*field.filters, validation.strip_invisible)
                field.validators = [*field.validators, PlainText(multiline=True),
                                    RichTextLength()]
            elif isinstance(field, StringField) and not isinstance(field, PasswordField):
                multiline = isinstance(field, TextAreaField)
                field.validators = [*field.validators, PlainText(multiline=multiline)]
            return field


def attach_error(form, error) -> None:
    """Show a service's ValidationError next to the field it names (or atop the form),
    after undoing the refused work and auditing the attempt where that matters; each of a
    FieldErrors' problems goes to its own field."""
    note_refusal(error)
    form.refusal_status = error.status
    show_problems(form, getattr(error, "errors", None) or [error])


def show_problems(form, errors) -> None:
    """Each error beside the field it names — unless WTForms already refused that field,
    whose message comes first — or atop the form when it names no field shown as one."""
    for error in errors:
        field = getattr(form, error.field, None) if error.field else None
        if field is None or not hasattr(field, "errors") or field.type == "HiddenField":
            form.form_errors.append(error.message)
        elif not field.errors:
            field.errors = [*field.errors, error.message]


def hold_over_limit(form) -> bool:
    """When the client is over its submission limit (`portal.ratelimit.submissions`):
    keep the form as typed, say atop it when to try again, and make its status 429 (the
    limiter adds Retry-After). Returns whether it did; the view then shows the form."""
    from portal.ratelimit.submissions import blocked

    over = blocked()
    if over is None:
        return False
    form.form_errors.append(over.message)
    form.refusal_status = 429
    return True


def form_status(form) -> int:
    """The refusal's status when a service refused the form (409 for a conflict …), 400
    when the form is shown again because of other errors, else 200."""
    if not (form.errors or form.form_errors):
        return 200
    return getattr(form, "refusal_status", None) or 400


def run_action(operation, object_id: int, *args, done: str | Callable[[Any], str],
               page_url: str, show,
               refused: tuple[type[Exception], ...] = (ValidationError,), code: int = 303,
               **kwargs):
    """Run a one-button staff action (a form carrying only its CSRF token).

    On success: flash `done` (or `done(result)`, the operation's result) and redirect to
    `page_url`. On a refusal of a `refused` kind: undo and audit it, flash the reason, and
    return `show(error)` — the object's page again with the error's status. Anything else
    reaches the error handlers.
    """
    if not ChineseForm().validate_on_submit():
        abort(400)
    try:
        result = operation(current_user, object_id, *args, **kwargs)
    except refused as error:
        note_refusal(error)
        flash(error.message, "error")
        return show(error)
    flash(done(result) if callable(done) else done, "success")
    return redirect(page_url, code=code)


def run_form(form, operation: Callable[[], Any], *, done: str | Callable[[Any], str],
             next_url: Callable[[Any], str], page: Callable[[], Any],
             refused: tuple[type[Exception], ...] = (ValidationError,), code: int = 303):
    """Run a create or edit form: the twin of `run_action` for pages with fields.

    On GET, or a POST whose fields do not validate: `page()` with the form as filled in
    (200, or 400 with the field errors; 429 when over a submission limit). On a valid
    POST: `operation()`; a refusal of a `refused` kind is undone, audited and shown at the
    field it names, and `page()` comes back with the input kept and the refusal's status.
    On success: flash `done` (or `done(result)`) and redirect to `next_url(result)`.
    """
    if request.method == "POST" and hold_over_limit(form):
        pass
    elif form.validate_on_submit():
        try:
            result = operation()
        except refused as error:
            attach_error(form, error)
        else:
            flash(done(result) if callable(done) else done, "success")
            return redirect(next_url(result), code=code)
    return page(), form_status(form)


@dataclass(frozen=True)
class ErrorSummary:
    """What the summary atop a refused form lists: messages about the whole form (a
    limit, a stale form), then one entry per field message with the id it links to."""

    form_messages: list[str]
    field_messages: list[tuple[str, str]]  # (message, id of the input to jump to)

    def __bool__(self) -> bool:
        return bool(self.form_messages or self.field_messages)


def error_summary(form) -> ErrorSummary:
    """The error summary of `form` (template global, used by the `form_errors` macro).

    Field messages come in the order the page shows the fields (`form.field_order` where
    the page's order differs from the class's), each linked to the field's input — for
    radio buttons the first one — and prefixed with the field's name when the message
    does not say it already ("此字段必填" alone would not tell which field).
    """
    if form is None:
        return ErrorSummary([], [])
    fields = list(form)
    order = getattr(form, "field_order", ())
    fields.sort(key=lambda f: order.index(f.name) if f.name in order else len(order))
    entries = []
    for field in fields:
        if field.type in ("HiddenField", "CSRFTokenField") or not field.errors:
            continue
        if isinstance(field.errors, dict):  # a nested form: not used on this site
            continue
        target = f"{field.id}-0" if field.type == "RadioField" else field.id
        label = _plain_label(field)
        entries += [(message if label in message else f"{label}：{message}", target)
                    for message in field.errors]
    return ErrorSummary(list(form.form_errors), entries)


def _plain_label(field) -> str:
    """The label as the page shows it, without a note such as "（选填）"."""
    return (field.label.text if field.label else field.name).split("（")[0].strip("：: ")
