"""/inspect/: the discipline inspector's read-only views, plus 督办."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import validation
from portal.attachments.storage import download_response
from portal.audit.services import head_hash, verify_chain
from portal.error_pages import note_refusal
from portal.errors import ValidationError
from portal.forms import ChineseForm, run_form
from portal.inquiries.models import InquiryType
from portal.inspection import dashboard, export, fragments, supervision
from portal.inspection.forms import VillageSupervisionForm
from portal.safety import safe_next_url
from portal.timeutil import local_today, utcnow
from portal.villages.queries import get_village

bp = Blueprint("inspection", __name__, url_prefix="/inspect")


def _year() -> int:
    value = request.args.get("year", "")
    if not value:
        return local_today().year
    if not validation.is_number(value, max_digits=4) or not 2000 <= int(value) <= 2100:
        abort(400)
    return int(value)


@bp.get("/")
@login_required
def index():
    year = _year()
    paths = dashboard.scope_paths(current_user)
    supervising = dashboard.supervising_paths(current_user)
    return render_template(
        "inspection/index.html", year=year, board=fragments.board(paths, year),
        late=fragments.late_disclosures(paths, year),
        lapses=fragments.village_lapses(paths, year, supervising),
        late_decisions=fragments.late_decisions(paths, year),
        supervision=fragments.supervision_notices(paths, year))


@bp.get("/inquiries")
@login_required
def inquiries():
    """Drill-down: the work orders behind one row of a dashboard table."""
    year = _year()
    filters = {}
    for name in ("organization_id", "handler_id"):
        value = request.args.get(name, "")
        if value:
            if not validation.is_number(value):
                abort(400)
            filters[name] = int(value)
    kind = request.args.get("type", "")
    if kind:
        if kind not in {t.value for t in InquiryType}:
            abort(400)
        filters["type"] = InquiryType(kind)
    month = request.args.get("month", "")
    if month:
        filters["month"] = month
    items = dashboard.inquiries_for(dashboard.scope_paths(current_user), year, **filters)
    return render_template("inspection/inquiries.html", items=items, year=year, now=utcnow(),
                           form=ChineseForm())


@bp.get("/export/<name>.<fmt>")
@login_required
def download(name: str, fmt: str):
    content, mimetype, filename = export.export(current_user, name, _year(), fmt)
    return download_response(content, mimetype, filename)


@bp.get("/audit")
@login_required
def audit_chain():
    expected = request.args.get("expect_head", "").strip().lower() or None
    if expected and (len(expected) != 64 or any(c not in "0123456789abcdef" for c in expected)):
        abort(400)
    return render_template("inspection/audit.html", verdict=verify_chain(expect_head=expected),
                           expected=expected, head=head_hash())


def _due(value: str) -> date | None:
    """The typed answer date, or None (the service asks for one)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@bp.post("/supervise/inquiry/<int:inquiry_id>")
@login_required
def supervise_inquiry(inquiry_id: int):
    if not ChineseForm().validate_on_submit():
        abort(400)
    try:
        supervision.issue_for_inquiry(current_user, inquiry_id, request.form.get("content", ""),
                                      _due(request.form.get("answer_due_on", "")))
    except ValidationError as error:
        note_refusal(error)
        flash(error.message, "error")
        return redirect(url_for("staff_inquiries.show", inquiry_id=inquiry_id), code=303)
    flash("已发出督办通知。", "success")
    return redirect(url_for("staff_inquiries.show", inquiry_id=inquiry_id), code=303)


@bp.route("/supervise/village", methods=["GET", "POST"])
@login_required
def supervise_village():
    """督办 one village's missed or late posting: the dashboard's lapse list links here
    with the village and the subject filled in."""
    form = VillageSupervisionForm()
    if request.method == "GET":
        form.village.data = request.args.get("village", "")
        form.subject.data = request.args.get("subject", "")
        form.answer_due_on.data = supervision.default_answer_due()
    village = get_village(form.village.data or "")
    return run_form(form, lambda: supervision.issue_for_village(
        current_user, village, form.subject.data or "", form.content.data or "",
        form.answer_due_on.data),
                    done="已发出督办通知。", next_url=lambda _: url_for(".index"),
                    page=lambda: render_template("inspection/supervise_village.html",
                                                 form=form, village=village))


@bp.post("/supervision/<int:notice_id>/answer")
@login_required
def answer(notice_id: int):
    if not ChineseForm().validate_on_submit():
        abort(400)
    try:
        supervision.answer(current_user, notice_id, request.form.get("answer", ""))
    except ValidationError as error:
        note_refusal(error)
        flash(error.message, "error")
    else:
        flash("督办答复已提交。", "success")
    return redirect(safe_next_url(request.form.get("next"), url_for("staff.home")), code=303)
