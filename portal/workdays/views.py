"""Calendar pages: the admin's overrides and confirmations, and the 计算期限 tool."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.errors import Conflict, NotFound, ValidationError
from portal.forms import attach_error
from portal.timeutil import local_today
from portal.workdays import services
from portal.workdays.calendar import FIRST_YEAR, LAST_YEAR
from portal.workdays.forms import ConfirmYearForm, DeadlineForm, OverrideForm

bp = Blueprint("workdays", __name__, url_prefix="/staff/calendar")


def _render_index(year: int, override_form: OverrideForm | None = None,
                  year_form: ConfirmYearForm | None = None, status: int = 200):
    overview = services.year_overview(current_user, year)
    return render_template(
        "workdays/index.html",
        overview=overview,
        override_form=override_form or OverrideForm(formdata=None),
        year_form=year_form or ConfirmYearForm(formdata=None, year=year),
    ), status


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise NotFound(f"“{text}”不是有效的日期。") from None


def _shown_year(year: int | None) -> int:
    """The year a re-rendered page shows: the one entered if usable, else this year."""
    return year if year and FIRST_YEAR <= year <= LAST_YEAR else local_today().year


@bp.get("/")
@login_required
def index():
    return _render_index(_shown_year(request.args.get("year", type=int)))


@bp.post("/overrides")
@login_required
def set_override():
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            override = services.set_override(current_user, form.day.data,
                                              form.is_working_day, form.note.data)
        except ValidationError as error:
            attach_error(form, error)
        else:
            flash(f"已将 {override.day.isoformat()} 设为{override.kind_label}。", "success")
            return redirect(url_for(".index", year=override.day.year))
    year = form.day.data.year if form.day.data else None
    return _render_index(_shown_year(year), override_form=form, status=400)


@bp.post("/overrides/<day>/delete")
@login_required
def remove_override(day: str):
    removed = _parse_day(day)
    services.remove_override(current_user, removed)
    flash(f"已删除 {removed.isoformat()} 的调整。", "success")
    return redirect(url_for(".index", year=removed.year))


@bp.post("/years")
@login_required
def confirm_year():
    form = ConfirmYearForm()
    if form.validate_on_submit():
        try:
            services.confirm_year(current_user, form.year.data, form.note.data)
        except (ValidationError, Conflict) as error:
            attach_error(form, error)
        else:
            flash(f"已确认 {form.year.data} 年的日历，该年度的期限不再标注“暂定”。", "success")
            return redirect(url_for(".index", year=form.year.data))
    return _render_index(_shown_year(form.year.data), year_form=form, status=400)


@bp.post("/years/<int:year>/delete")
@login_required
def unconfirm_year(year: int):
    services.unconfirm_year(current_user, year)
    flash(f"已撤销 {year} 年的日历确认，该年度的期限重新标注为“暂定”。", "success")
    return redirect(url_for(".index", year=year))


@bp.get("/deadline")
@login_required
def deadline():
    form = DeadlineForm(formdata=request.args or None)
    result = None
    if request.args and form.validate():
        try:
            result = services.compute_deadline(current_user, form.start.data, form.days.data)
        except ValidationError as error:
            attach_error(form, error)
    return render_template("workdays/deadline.html", form=form, result=result)
