"""`/staff/organizations`: administrators keep the tree of their own subtree."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from portal import validation
from portal.errors import Conflict, ValidationError
from portal.forms import attach_error, form_status, run_action
from portal.organizations import services
from portal.organizations.forms import NewOrganizationForm, OrganizationForm
from portal.organizations.models import OrgKind

bp = Blueprint("organizations", __name__, url_prefix="/staff/organizations")


def _choices(units) -> list[SelectChoice]:
    return [SelectChoice(org.id, f"{'　' * org.depth}{org.full_name}（{org.kind.label}）")
            for org in units]


@bp.get("/")
@login_required
def listing():
    return render_template("organizations/listing.html",
                           units=services.manageable(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = NewOrganizationForm()
    form.parent.choices = _choices(services.parent_choices(current_user))
    wanted = request.args.get("parent", "")
    if request.method == "GET" and validation.is_number(wanted):
        form.parent.data = int(wanted)
    if form.validate_on_submit():
        try:
            org = services.create_organization(
                current_user, parent=services.get_organization(form.parent.data),
                kind=OrgKind(form.kind.data), slug=form.slug.data, **form.values())
        except ValidationError as error:
            attach_error(form, error)
        else:
            flash(f"已添加{org.kind.label}“{org.full_name}”（{org.slug}）。", "success")
            return redirect(url_for("organizations.listing"), code=303)
    return render_template("organizations/form.html", form=form, org=None), form_status(form)


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit(org_id: int):
    org = services.get_for_admin(current_user, org_id)
    form = OrganizationForm(obj=org if request.method == "GET" else None)
    if org.parent is None:
        del form.parent
    else:
        parents = services.parent_choices(current_user, org.kind, org)
        if org.parent not in parents:
            parents.insert(0, org.parent)
        form.parent.choices = _choices(parents)
        if request.method == "GET":
            form.parent.data = org.parent_id
    if request.method == "GET":
        form.credit_code.data = org.credit_code or ""
    return _save(org, form) if form.validate_on_submit() else _edit_page(org, form)


def _save(org, form):
    values = form.values()
    if org.parent is not None:
        values["parent"] = services.get_organization(form.parent.data)
    try:
        services.update_organization(current_user, org.id, **values)
    except ValidationError as error:
        attach_error(form, error)
        return _edit_page(org, form)
    flash(f"已保存“{org.full_name}”。", "success")
    return redirect(url_for("organizations.listing"), code=303)


def _edit_page(org, form, status: int | None = None):
    return render_template("organizations/form.html", form=form, org=org), \
        status or form_status(form)


def _switch(org_id: int, active: bool, done: str):
    return run_action(services.set_active, org_id, active, done=done,
                      page_url=url_for("organizations.listing"),
                      show=lambda error: _edit_page(
                          services.get_for_admin(current_user, org_id),
                          _filled_form(org_id), error.status),
                      refused=(ValidationError, Conflict))


def _filled_form(org_id: int) -> OrganizationForm:
    org = services.get_for_admin(current_user, org_id)
    form = OrganizationForm(formdata=None, obj=org)
    form.credit_code.data = org.credit_code or ""
    if org.parent is None:
        del form.parent
    else:
        form.parent.choices = _choices([org.parent])
        form.parent.data = org.parent_id
    return form


@bp.post("/<int:org_id>/deactivate")
@login_required
def deactivate(org_id: int):
    return _switch(org_id, False, "已停用。该单位的信息、记录和审计日志全部保留，"
                                  "它不再出现在选择列表和公开导航中。")


@bp.post("/<int:org_id>/activate")
@login_required
def activate(org_id: int):
    return _switch(org_id, True, "已重新启用。")
