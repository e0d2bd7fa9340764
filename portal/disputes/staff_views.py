"""Back office for 矛盾纠纷排查化解: the ledger with each village's recent checks (missing
ones flagged), the daily check and dispute forms for 网格员, mediation, resolution and
hand-up, and the 综治中心's weekly and monthly reports with their exports."""

from __future__ import annotations

import contextlib
from datetime import date
from urllib.parse import quote

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from portal import validation
from portal.auth.models import Role
from portal.disputes import queries, reports, services
from portal.disputes.forms import CheckForm, CloseForm, DisputeForm
from portal.errors import Conflict, NotFound, ValidationError
from portal.forms import ChineseForm, run_action, run_form
from portal.organizations.services import get_organization
from portal.timeutil import local_today

bp = Blueprint("staff_disputes", __name__, url_prefix="/staff/disputes")


@bp.get("/")
@login_required
def listing():
    villages = queries.villages_of(current_user)
    span, grid = queries.recent_grid(villages)
    return render_template("disputes/staff_list.html", span=span, grid=grid,
                           never_filed=queries.never_filed(villages),
                           ledger=queries.ledger(current_user, _year()))


def _year() -> int | None:
    """The year named by ?year=, when it is one from 2000 to this year (else this year)."""
    value = request.args.get("year", "")
    if validation.is_number(value, max_digits=4) and 2000 <= int(value) <= local_today().year:
        return int(value)
    return None


def _village(value) -> object | None:
    if validation.is_number(str(value or "")):
        with contextlib.suppress(NotFound):
            return get_organization(value)
    return None


def _village_choices(form, roles) -> None:
    """The villages the person keeps; with several, nothing is chosen until they choose."""
    villages = queries.villages_of(current_user, roles)
    form.village.choices = ([SelectChoice("", "请选择村")] if len(villages) > 1 else []) + [
        SelectChoice(str(v.id), v.full_name) for v in villages]


@bp.route("/checks/new", methods=["GET", "POST"])
@login_required
def new_check():
    form = CheckForm()
    _village_choices(form, (Role.GRID_WORKER,))
    if request.method == "GET" and form.check_date.data is None:
        form.check_date.data = local_today()
    return run_form(form, lambda: services.file_check(current_user, services.CheckInput(
        village=_village(form.village.data), check_date=form.check_date.data,
        result=form.result.data or "", note=form.note.data or "")),
                    done=lambda c: f"{c.village.name} {c.check_date.isoformat()} 的排查已报送。",
                    next_url=lambda _: url_for(".listing"),
                    page=lambda: render_template("disputes/check_form.html", form=form),
                    refused=(ValidationError, Conflict))


def _dispute_input(form: DisputeForm) -> services.DisputeInput:
    return services.DisputeInput(
        village=_village(form.village.data), type=form.type.data or "",
        parties=form.parties.data or "", summary=form.summary.data or "",
        responsible=form.responsible.data or "", reported_on=form.reported_on.data)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = DisputeForm()
    _village_choices(form, queries.STAFF_ROLES)
    if request.method == "GET" and form.reported_on.data is None:
        form.reported_on.data = local_today()
    return run_form(form, lambda: services.create_dispute(current_user, _dispute_input(form)),
                    done="矛盾纠纷已登记。", next_url=lambda d: url_for(".show", dispute_id=d.id),
                    page=lambda: render_template("disputes/dispute_form.html", form=form,
                                                 dispute=None))


@bp.route("/<int:dispute_id>/edit", methods=["GET", "POST"])
@login_required
def edit(dispute_id: int):
    dispute = queries.get_for(current_user, dispute_id, "edit")
    form = DisputeForm(obj=dispute)
    if request.method == "GET":
        form.village.data, form.type.data = str(dispute.village_id), dispute.type.value
    _village_choices(form, queries.STAFF_ROLES)
    return run_form(form, lambda: services.update_dispute(current_user, dispute_id,
                                                          _dispute_input(form)),
                    done="修改已保存。", next_url=lambda _: url_for(".show", dispute_id=dispute_id),
                    page=lambda: render_template("disputes/dispute_form.html", form=form,
                                                 dispute=dispute),
                    refused=(ValidationError, Conflict))


def _render_show(dispute_id: int, status: int = 200, close_form=None, closing: str = ""):
    dispute = queries.get_for_staff(current_user, dispute_id)
    return render_template("disputes/staff_show.html", dispute=dispute,
                           action_form=ChineseForm(),
                           close_form=close_form or CloseForm(formdata=None),
                           closing=closing, today=local_today()), status


@bp.get("/<int:dispute_id>")
@login_required
def show(dispute_id: int):
    return _render_show(dispute_id)


@bp.post("/<int:dispute_id>/mediate")
@login_required
def mediate(dispute_id: int):
    return run_action(services.mediate, dispute_id, done="已开始调解。",
                      page_url=url_for(".show", dispute_id=dispute_id),
                      show=lambda error: _render_show(dispute_id, error.status),
                      refused=(ValidationError, Conflict))


def _close(dispute_id: int, action: str, operation, done: str):
    queries.get_for(current_user, dispute_id, action)
    form = CloseForm()
    if request.method == "GET":
        form.closed_on.data = local_today()
    return run_form(form, lambda: operation(current_user, dispute_id, services.CloseInput(
        closed_on=form.closed_on.data, outcome=form.outcome.data or "")),
                    done=done, next_url=lambda _: url_for(".show", dispute_id=dispute_id),
                    page=lambda: _render_show(dispute_id, close_form=form, closing=action)[0],
                    refused=(ValidationError, Conflict))


@bp.route("/<int:dispute_id>/resolve", methods=["GET", "POST"])
@login_required
def resolve(dispute_id: int):
    return _close(dispute_id, "resolve", services.resolve, "已记录化解。")


@bp.route("/<int:dispute_id>/escalate", methods=["GET", "POST"])
@login_required
def escalate(dispute_id: int):
    return _close(dispute_id, "escalate", services.escalate, "已记录上交。")


def _anchor() -> date:
    """The day named by ?on=YYYY-MM-DD, or today when absent, unreadable, before 2000 or
    after today (no report of the future)."""
    today = local_today()
    with contextlib.suppress(ValueError, TypeError):
        day = date.fromisoformat(request.args.get("on", ""))
        if date(2000, 1, 1) <= day <= today:
            return day
    return today


@bp.get("/reports/<period>")
@login_required
def report(period: str):
    summary = reports.compile_summary(current_user, period, _anchor())
    step = 7 if period == "weekly" else 1
    previous = date.fromordinal(summary.start.toordinal() - step)
    following = date.fromordinal(summary.end.toordinal() + 1)
    return render_template("disputes/report.html", summary=summary, periods=reports.PERIODS,
                           previous=previous, following=following, today=local_today())


@bp.get("/reports/<period>.<fmt>")
@login_required
def export(period: str, fmt: str):
    content, mimetype, filename = reports.export(current_user, period, _anchor(), fmt)
    fallback = f"disputes-{period}.{fmt}"
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={fallback}; "
                               f"filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff"})
