"""Back office for 行政执法公示: editors keep the registers and record decisions, reviewers
publish and revoke, inspectors and admins read; the credit platform's CSV for editors and
reviewers."""

from __future__ import annotations

import contextlib

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from portal import validation
from portal.disclosures.queries import editable_organizations
from portal.enforcement import queries, registry, services
from portal.enforcement.forms import BodyForm, DecisionForm, MatterForm, OfficerForm, ReasonForm
from portal.enforcement.services import DecisionInput
from portal.errors import Conflict, NotFound, ValidationError
from portal.forms import ChineseForm, run_action, run_form
from portal.organizations.services import get_organization

bp = Blueprint("staff_enforcement", __name__, url_prefix="/staff/enforcement")


@bp.get("/")
@login_required
def listing():
    return render_template("enforcement/staff_list.html",
                           bodies=queries.staff_bodies(current_user),
                           decisions=queries.staff_decisions(current_user))


@bp.route("/bodies/new", methods=["GET", "POST"])
@login_required
def new_body():
    form = BodyForm()
    form.organization.choices = [SelectChoice(o.id, o.full_name)
                                 for o in editable_organizations(current_user)]

    def create():
        organization = None
        if validation.is_number(str(form.organization.data or "")):
            with contextlib.suppress(NotFound):
                organization = get_organization(form.organization.data)
        return registry.create_body(current_user, registry.BodyInput(
            organization=organization, name=form.name.data or "", kind=form.kind.data or "",
            duties=form.duties.data or "", contact=form.contact.data or ""))

    return run_form(form, create, done="执法主体已登记并公示。",
                    next_url=lambda _: url_for(".listing"),
                    page=lambda: render_template("enforcement/body_form.html", form=form))


def _body_page(body_id: int, form, template: str, operation, done: str):
    body = queries.get_for_editing(current_user, body_id)
    return run_form(form, lambda: operation(current_user, body_id), done=done,
                    next_url=lambda _: url_for(".listing", _anchor=f"body-{body_id}"),
                    page=lambda: render_template(template, form=form, body=body))


@bp.route("/bodies/<int:body_id>/officers/new", methods=["GET", "POST"])
@login_required
def new_officer(body_id: int):
    form = OfficerForm()
    return _body_page(body_id, form, "enforcement/officer_form.html",
                      lambda actor, bid: registry.add_officer(actor, bid, registry.OfficerInput(
                          name=form.name.data or "",
                          certificate_number=form.certificate_number.data or "",
                          field=form.field.data or "", valid_until=form.valid_until.data)),
                      "执法人员已登记并公示。")


@bp.route("/bodies/<int:body_id>/matters/new", methods=["GET", "POST"])
@login_required
def new_matter(body_id: int):
    form = MatterForm()
    return _body_page(body_id, form, "enforcement/matter_form.html",
                      lambda actor, bid: registry.add_matter(actor, bid, registry.MatterInput(
                          kind=form.kind.data or "", name=form.name.data or "",
                          basis=form.basis.data or "")),
                      "执法事项已登记并公示。")


def _decision_form(decision=None) -> DecisionForm:
    form = DecisionForm(obj=decision)
    if request.method == "GET" and decision is not None:
        form.body.data = decision.body_id
        form.fine_amount.data = (format(decision.fine_amount.normalize(), "f")
                                 if decision.fine_amount is not None else "")
    form.body.choices = [SelectChoice(b.id, f"{b.name}（{b.organization.full_name}）")
                         for b in queries.bodies_for_editor(current_user)]
    return form


def _input(form: DecisionForm) -> DecisionInput:
    body = None
    if validation.is_number(str(form.body.data or "")):  # a number an id column can hold
        with contextlib.suppress(NotFound):
            body = queries.get_body(form.body.data)
    return DecisionInput(
        body=body, kind=form.kind.data or "", document_number=form.document_number.data or "",
        title=form.title.data or "", party_kind=form.party_kind.data or "",
        party_name=form.party_name.data or "", party_code=form.party_code.data or "",
        legal_representative=form.legal_representative.data or "",
        facts=form.facts.data or "", basis=form.basis.data or "",
        content=form.content.data or "", fine_amount=form.fine_amount.data or "",
        decided_on=form.decided_on.data, valid_from=form.valid_from.data,
        valid_until=form.valid_until.data)


@bp.route("/decisions/new", methods=["GET", "POST"])
@login_required
def new_decision():
    form = _decision_form()
    return run_form(form, lambda: services.create_decision(current_user, _input(form)),
                    done="执法决定已录入，审核人员公示后公开。",
                    next_url=lambda d: url_for(".show", decision_id=d.id),
                    page=lambda: render_template("enforcement/decision_form.html", form=form,
                                                 decision=None))


@bp.route("/decisions/<int:decision_id>/edit", methods=["GET", "POST"])
@login_required
def edit_decision(decision_id: int):
    decision = queries.get_editable_decision(current_user, decision_id)
    form = _decision_form(decision)
    return run_form(form, lambda: services.update_decision(current_user, decision_id,
                                                           _input(form)),
                    done="修改已保存。", next_url=lambda _: url_for(".show",
                                                               decision_id=decision_id),
                    page=lambda: render_template("enforcement/decision_form.html", form=form,
                                                 decision=decision),
                    refused=(ValidationError, Conflict))


def _render_show(decision_id: int, status: int = 200):
    decision = queries.get_for_staff(current_user, decision_id)
    return render_template("enforcement/staff_show.html", decision=decision,
                           action_form=ChineseForm(), reason_form=ReasonForm(formdata=None)
                           ), status


@bp.get("/decisions/<int:decision_id>")
@login_required
def show(decision_id: int):
    return _render_show(decision_id)


def _act(decision_id: int, operation, message: str, *args):
    return run_action(operation, decision_id, *args, done=message,
                      page_url=url_for(".show", decision_id=decision_id),
                      show=lambda error: _render_show(decision_id, error.status),
                      refused=(ValidationError, Conflict))


@bp.post("/decisions/<int:decision_id>/publish")
@login_required
def publish(decision_id: int):
    return _act(decision_id, services.publish_decision, "执法决定已公示。")


@bp.post("/decisions/<int:decision_id>/revoke")
@login_required
def revoke(decision_id: int):
    return _act(decision_id, services.revoke_decision, "已记录撤销，该决定不再公开。",
                request.form.get("reason", ""))


@bp.get("/export/<kind>.csv")
@login_required
def export(kind: str):
    """The credit platform's CSV, with whole ID numbers (audited)."""
    export_file = services.export_for_platform(current_user, kind)
    return Response(export_file.content, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename={export_file.fallback_name}; "
                               f"filename*=UTF-8''{export_file.quoted_name}",
        "X-Content-Type-Options": "nosniff"})
