"""Back office for consultations: editors draft and record the outcome, reviewers
publish, moderate comments and publish the result."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from portal import validation
from portal.bodylimit import accepts_long_text
from portal.consultations import moderation, queries, services
from portal.consultations.forms import (
    AdoptionForm,
    ConsultationForm,
    DecisionForm,
    ModerationForm,
    OutcomeForm,
    ReasonForm,
)
from portal.consultations.models import Adoption, ConsultationStatus
from portal.disclosures.queries import editable_organizations
from portal.errors import Conflict, NotFound, ValidationError
from portal.forms import ChineseForm, attach_error, form_status, run_action, run_form
from portal.organizations.services import get_organization

bp = Blueprint("staff_consultations", __name__, url_prefix="/staff/consultations")


def _page_arg() -> int:
    value = request.args.get("page", "1")
    if not validation.is_number(value, max_digits=6):
        abort(400)
    return int(value)


@bp.get("/")
@login_required
def listing():
    status = request.args.get("status") or None
    if status and status not in {s.value for s in ConsultationStatus}:
        abort(400)
    page = queries.staff_listing(current_user,
                                 status=ConsultationStatus(status) if status else None,
                                 page=_page_arg(), size=current_app.config["PAGE_SIZE"])
    return render_template("consultations/staff_list.html", page=page, status=status,
                           statuses=list(ConsultationStatus),
                           pending=queries.pending_comment_counts(current_user))


def _form(consultation=None) -> ConsultationForm:
    form = ConsultationForm(obj=consultation)
    if consultation is not None and request.method == "GET":
        form.organization.data = consultation.organization_id
    form.organization.choices = [SelectChoice(o.id, o.full_name)
                                 for o in editable_organizations(current_user)]
    return form


def _input(form: ConsultationForm) -> services.ConsultationInput:
    try:
        organization = get_organization(form.organization.data or 0)
    except NotFound:
        raise ValidationError("请选择发布机构。", field="organization") from None
    return services.ConsultationInput(
        organization=organization, title=form.title.data or "",
        draft_html=form.draft_html.data or "", opens_on=form.opens_on.data,
        closes_on=form.closes_on.data, summary=form.summary.data or "",
        how_to_participate=form.how_to_participate.data or "",
        short_window_reason=form.short_window_reason.data or "")


@bp.route("/new", methods=["GET", "POST"])
@accepts_long_text
@login_required
def new():
    form = _form()
    return run_form(form, lambda: services.create_draft(current_user, _input(form)),
                    done="草稿已保存。",
                    next_url=lambda c: url_for(".show", consultation_id=c.id),
                    page=lambda: render_template("consultations/edit.html", form=form,
                                                 consultation=None))


@bp.route("/<int:consultation_id>/edit", methods=["GET", "POST"])
@accepts_long_text
@login_required
def edit(consultation_id: int):
    consultation = queries.get_for_staff(current_user, consultation_id)
    form = _form(consultation)
    return run_form(form, lambda: services.update(current_user, consultation_id, _input(form)),
                    done="修改已保存。",
                    next_url=lambda _: url_for(".show", consultation_id=consultation_id),
                    page=lambda: render_template("consultations/edit.html", form=form,
                                                 consultation=consultation))


def _render_show(consultation_id: int, status: int = 200):
    consultation = queries.get_for_staff(current_user, consultation_id)
    return render_template("consultations/staff_show.html", c=consultation,
                           phase=consultation.phase(), action_form=ChineseForm(),
                           moderation_form=ModerationForm(formdata=None),
                           adoption_form=AdoptionForm(formdata=None),
                           decision_form=DecisionForm(formdata=None),
                           reason_form=ReasonForm(formdata=None),
                           adoptions=list(Adoption)), status


@bp.get("/<int:consultation_id>")
@login_required
def show(consultation_id: int):
    return _render_show(consultation_id)


def _act(consultation_id: int, operation, message: str, *args):
    """Run a one-form operation; a refusal comes back as a message on the page."""
    return run_action(operation, consultation_id, *args, done=message,
                      page_url=url_for(".show", consultation_id=consultation_id),
                      show=lambda error: _render_show(consultation_id, error.status),
                      refused=(ValidationError, Conflict))


@bp.post("/<int:consultation_id>/publish")
@login_required
def publish(consultation_id: int):
    return _act(consultation_id, services.publish, "已发布，公众现在可以提出意见。")


@bp.post("/<int:consultation_id>/withdraw")
@login_required
def withdraw(consultation_id: int):
    return _act(consultation_id, services.withdraw, "已撤回。", request.form.get("reason", ""))


@bp.post("/<int:consultation_id>/comments/<int:comment_id>/moderate")
@login_required
def moderate(consultation_id: int, comment_id: int):
    decision = request.form.get("decision", "")
    if decision not in ("approve", "reject"):
        flash("请选择“公开”或“不予公开”。", "error")
        return _render_show(consultation_id, 400)
    return _act(consultation_id, moderation.moderate,
                "意见已公开。" if decision == "approve" else "意见不予公开。",
                comment_id, decision == "approve", request.form.get("reason", ""))


@bp.post("/<int:consultation_id>/comments/<int:comment_id>/adoption")
@login_required
def adoption(consultation_id: int, comment_id: int):
    try:
        choice = Adoption(request.form.get("adoption", ""))
    except ValueError:
        choice = None
    return _act(consultation_id, moderation.set_adoption, "采纳情况已保存。", comment_id,
                choice, request.form.get("note", ""))


@bp.post("/<int:consultation_id>/decision")
@login_required
def decision(consultation_id: int):
    return _act(consultation_id, services.link_decision, "最终决策已关联。",
                request.form.get("decision_index", ""))


@bp.post("/<int:consultation_id>/conclude")
@login_required
def conclude(consultation_id: int):
    return _act(consultation_id, services.conclude, "征求意见结果已公布。")


@bp.route("/<int:consultation_id>/outcome", methods=["GET", "POST"])
@login_required
def outcome(consultation_id: int):
    consultation = queries.get_for_staff(current_user, consultation_id)
    form = OutcomeForm(obj=consultation)
    if form.validate_on_submit():
        data = services.OutcomeInput(**{name: getattr(form, name).data for name in (
            "adoption_summary", "legality_reviewer", "legality_reviewed_on",
            "legality_conclusion", "discussion_meeting", "discussed_on")})
        try:
            services.record_outcome(current_user, consultation_id, data)
        except (ValidationError, Conflict) as error:
            attach_error(form, error)
        else:
            flash("意见采纳情况、合法性审查和集体讨论情况已保存。", "success")
            return redirect(url_for(".show", consultation_id=consultation_id), code=303)
    return (render_template("consultations/outcome.html", form=form, c=consultation),
            form_status(form))
