"""The annual report pages under /inspect/annual-report: the report itself with its edit
form, its downloads, and the 行政复议、行政诉讼 register. `?org=<slug>` picks the organization
(default: the user's top organization)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import validation
from portal.annual_report import appeals, services
from portal.annual_report.export import template_context
from portal.annual_report.forms import AppealForm, AppealUpdateForm, ReportForm
from portal.annual_report.models import AppealResult
from portal.attachments.storage import download_response
from portal.bodylimit import accepts_long_text
from portal.errors import ValidationError, note_refusal
from portal.forms import attach_error
from portal.timeutil import local_today

bp = Blueprint("annual_report", __name__, url_prefix="/inspect/annual-report")


def _org() -> str | None:
    return request.args.get("org") or None


def _render_report(year: int, form: ReportForm | None = None, status: int = 200):
    report = services.get_report(current_user, year, _org())
    can_edit = services.may_edit(current_user, report.organization)
    if can_edit and form is None:
        form = ReportForm(formdata=None, data=services.form_data(report))
    return render_template(
        "annual_report/show.html", **template_context(report), form=form, can_edit=can_edit,
        organizations=services.visible_organizations(current_user)), status


@bp.get("/")
@login_required
def index():
    """The chosen year's report (`?year=`), else the one being prepared now: last year's."""
    year = request.args.get("year", type=int)
    if year is None or year < 0:
        year = local_today().year - 1
    return redirect(url_for(".show", year=year, org=_org()))


@bp.get("/<int:year>")
@login_required
def show(year: int):
    return _render_report(year)


@bp.post("/<int:year>")
@accepts_long_text  # three narratives of up to 20,000 characters
@login_required
def save(year: int):
    form = ReportForm()
    if form.validate_on_submit():
        try:
            record = services.save_report(current_user, year, _org(), form.data)
        except ValidationError as error:
            attach_error(form, error)
        else:
            flash(f"已保存 {record.organization.name} {year} 年度报告。", "success")
            return redirect(url_for(".show", year=year, org=record.organization.slug), code=303)
    return _render_report(year, form, 400)


@bp.post("/<int:year>/export")
@login_required
def export(year: int):
    """A download; POST because every export is written to the audit log."""
    file = services.export_report(current_user, year, _org(),
                                  request.form.get("format", "xlsx"))
    return download_response(file.content, file.mimetype, file.filename, file.fallback_name)


def _render_appeals(year: int, form: AppealForm | None = None, status: int = 200):
    listing = appeals.list_appeals(current_user, year, _org())
    form = form or AppealForm(formdata=None, organization=listing.organization.slug)
    form.organization.choices = [(o.slug, o.full_name) for o in listing.recordable]
    return render_template("annual_report/appeals.html", listing=listing, form=form,
                           results=list(AppealResult)), status


@bp.get("/<int:year>/appeals")
@login_required
def appeals_page(year: int):
    return _render_appeals(year)


@bp.post("/<int:year>/appeals")
@login_required
def add_appeal(year: int):
    form = AppealForm()
    if form.validate_on_submit():
        try:
            appeals.record_appeal(current_user, appeals.AppealInput(
                organization=form.organization.data or "", kind=form.kind.data or "",
                result=form.result.data or "", filed_on=form.filed_on.data,
                decided_on=form.decided_on.data, inquiry_number=form.inquiry_number.data or "",
                note=form.note.data or ""))
        except ValidationError as error:
            attach_error(form, error)
        else:
            flash("已登记该复议或诉讼案件。", "success")
            return redirect(url_for(".appeals_page", year=year, org=_org()), code=303)
    return _render_appeals(year, form, 400)


@bp.post("/<int:year>/appeals/update")
@login_required
def update_appeal(year: int):
    form = AppealUpdateForm()
    appeal_id = request.form.get("appeal_id", "")
    if not form.validate_on_submit() or not validation.is_number(appeal_id):
        flash("提交的内容有误：请选择结果，日期按 年-月-日 填写。", "error")
        return _render_appeals(year, status=400)
    try:
        appeals.update_appeal(current_user, int(appeal_id), form.result.data or "",
                              form.decided_on.data, form.note.data or "")
    except ValidationError as error:
        note_refusal(error)
        flash(error.message, "error")
        return _render_appeals(year, status=400)
    flash("已更新该案件。", "success")
    return redirect(url_for(".appeals_page", year=year, org=_org()), code=303)
