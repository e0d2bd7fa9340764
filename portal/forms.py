"""Shared form plumbing: Chinese messages for WTForms' built-in validators."""

from flask_wtf import FlaskForm

from portal.errors import note_refusal


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
