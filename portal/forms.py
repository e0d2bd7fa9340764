"""Shared form plumbing: Chinese messages for WTForms' built-in validators."""

from flask import abort, flash, redirect
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.errors import ValidationError, note_refusal


class ChineseForm(FlaskForm):
    """A FlaskForm whose built-in messages ("Not a valid date value") come out in Chinese."""

    class Meta:
        locales = ("zh_CN", "zh")

        def get_translations(self, form):
            from wtforms.i18n import get_translations

            return get_translations(self.locales)


def first_error(form) -> str | None:
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return None


def attach_error(form, error) -> None:
    """Show a service's ValidationError next to the field it names (or atop the form),
    after undoing the refused work and auditing the attempt where that matters."""
    note_refusal(error)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def form_status(form) -> int:
    """400 when the form is shown again because of errors, else 200."""
    return 400 if form.errors or form.form_errors else 200


def run_action(operation, object_id: int, *args, done: str, page_url: str, show,
               refused: tuple[type[Exception], ...] = (ValidationError,), code: int = 303,
               **kwargs):
    """Run a one-button staff action (a form carrying only its CSRF token).

    On success: flash `done` and redirect to `page_url`. On a refusal of a `refused`
    kind: undo and audit it, flash the reason, and return `show(error)` — the object's
    page again with the error's status. Anything else reaches the error handlers.
    """
    if not ChineseForm().validate_on_submit():
        abort(400)
    try:
        operation(current_user, object_id, *args, **kwargs)
    except refused as error:
        note_refusal(error)
        flash(error.message, "error")
        return show(error)
    flash(done, "success")
    return redirect(page_url, code=code)
