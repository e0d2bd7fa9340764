"""The annual report pages under /inspect/annual-report: the report itself with its edit
form, 定稿、报送、退回修改, its downloads, and the 行政复议、行政诉讼 register. `?org=<slug>`
picks the organization (default: the user's top organization)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import validation
from portal.annual_report import appeals, freezing, services, states
from portal.annual_report.export import template_context
from portal.annual_report.forms import (
    AppealForm,
    AppealUpdateForm,
    ReopenForm,
    ReportForm,
    SubmitForm,
)
from portal.annual_report.models import AppealResult
from portal.attachments.storage import download_response
from portal.bodylimit import accepts_long_text
from portal.error_pages import note_refusal
from portal.errors import Conflict, ValidationError
from portal.forms import ChineseForm, attach_error, form_status
from portal.timeutil import local_today

bp = Blueprint("annual_report", __name__, url_prefix="/inspect/annual-report")


def _org() -> str | None:
    return request.args.get("org") or None


def _render_report(year: int, status: int = 200, **forms):
    report = services.get_report(current_user, year, _org())
    can_edit = services.may_edit(current_user, report.organization)
    if can_edit and not report.is_frozen and forms.get("form") is None:
        forms["form"] = ReportForm(formdata=None, data=services.form_data(report))
    forms.setdefault("submit_form", SubmitForm(formdata=None, submitted_on=local_today()))
    forms.setdefault("reopen_form", ReopenForm(formdata=None))
    return render_template(
        "annual_report/show.html", **template_context(report), **forms, can_edit=can_edit,
        edit_refusal=states.edit_refusal(report.stored),
        actions={action: freezing.may(current_user, action, report)
                 for action in states.TRANSITIONS},
        organizations=services.visible_organizations(current_user)), status


def _report_url(year: int, slug: str):
    return redirect(url_for(".show", year=year, org=slug), code=303)


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
        except Conflict as error:  # frozen, or saved by someone else first
            note_refusal(error)
            flash(error.message, "error")
            return _render_report(year, error.status, form=form)
        else:
            flash(f"已保存 {record.organization.name} {year} 年度报告。", "success")
            return _report_url(year, record.organization.slug)
    return _render_report(year, form_status(form), form=form)


def _refused(year: int, error: Conflict):
    """A state refusal (frozen, already submitted, failing check …), said atop the page: the
    form it came from may no longer be shown."""
    note_refusal(error)
    flash(error.message, "error")
    return _render_report(year, error.status)


@bp.post("/<int:year>/finalize")
@login_required
def finalize(year: int):
    if not ChineseForm().validate_on_submit():
        abort(400)
    try:
        record = freezing.finalize(current_user, year, _org())
    except Conflict as error:
        return _refused(year, error)
    flash(f"{record.organization.name} {year} 年度报告已定稿，数字不再随数据变化。", "success")
    return _report_url(year, record.organization.slug)


@bp.post("/<int:year>/submit")
@login_required
def submit(year: int):
    form = SubmitForm()
    if form.validate_on_submit():
        try:
            record = freezing.submit(current_user, year, _org(), form.submitted_on.data)
        except ValidationError as error:
            attach_error(form, error)
        except Conflict as error:
            return _refused(year, error)
        else:
            flash(f"已登记 {year} 年度报告于 {record.submitted_on.isoformat()} 报送。", "success")
            return _report_url(year, record.organization.slug)
    return _render_report(year, form_status(form), submit_form=form)


@bp.post("/<int:year>/reopen")
@login_required
def reopen(year: int):
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            record = freezing.reopen(current_user, year, _org(), form.reason.data or "")
        except ValidationError as error:
            attach_error(form, error)
        except Conflict as error:
            return _refused(year, error)
        else:
            flash(f"{year} 年度报告已退回修改，可以更正后重新定稿。", "success")
            return _report_url(year, record.organization.slug)
    return _render_report(year, form_status(form), reopen_form=form)


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
