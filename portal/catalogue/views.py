"""The public catalogue and guides, and the admin pages that keep them."""

from __future__ import annotations

from dataclasses import fields

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import validation
from portal.catalogue import queries, services
from portal.catalogue.forms import EntryForm, GuideForm
from portal.errors import NotFound, ValidationError
from portal.forms import attach_error, form_status, run_form
from portal.organizations.services import get_by_slug

public_bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")
staff_bp = Blueprint("staff_catalogue", __name__, url_prefix="/staff/catalogue")


def _scope():
    """The organization named by ?org=, whose documents count; 400 for an unknown one."""
    slug = request.args.get("org") or ""
    if not slug:
        return None
    try:
        return get_by_slug(slug)
    except NotFound:
        abort(400)


def _page_arg() -> int:
    value = request.args.get("page", "1")
    if not validation.is_number(value, max_digits=6):
        abort(400)
    return int(value)


@public_bp.get("/")
def listing():
    organization = _scope()
    return render_template("catalogue/list.html", rows=queries.overview(organization),
                           organization=organization,
                           organizations=queries.guide_organizations())


@public_bp.get("/entries/<int:entry_id>")
def entry(entry_id: int):
    organization = _scope()
    item = queries.get_entry(entry_id)
    return render_template("catalogue/entry.html", row=queries.entry_overview(item, organization),
                           organization=organization,
                           page=queries.entry_documents(item, organization, page=_page_arg(),
                                                        size=current_app.config["PAGE_SIZE"]))


@public_bp.get("/guide/<org_slug>")
def guide(org_slug: str):
    organization = get_by_slug(org_slug)
    return render_template("catalogue/guide.html", organization=organization,
                           guide=queries.guide_for(organization))


# --- back office (admins) -------------------------------------------------------------


@staff_bp.get("/")
@login_required
def staff_listing():
    return render_template("catalogue/staff_list.html", entries=queries.all_entries(),
                           organizations=queries.guide_organizations())


def _entry_input(form: EntryForm) -> services.EntryInput:
    return services.EntryInput(**{f.name: getattr(form, f.name).data
                                  for f in fields(services.EntryInput)})


@staff_bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    services.require_catalogue_admin(current_user)
    form = EntryForm()
    return run_form(form, lambda: services.create_entry(current_user, _entry_input(form)),
                    done="目录事项已添加。", next_url=lambda _: url_for(".staff_listing"),
                    page=lambda: render_template("catalogue/edit.html", form=form, entry=None))


@staff_bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id: int):
    item = services.entry_for_editing(current_user, entry_id)
    form = EntryForm(obj=item)
    return run_form(form, lambda: services.update_entry(current_user, entry_id,
                                                        _entry_input(form)),
                    done="目录事项已保存。", next_url=lambda _: url_for(".staff_listing"),
                    page=lambda: render_template("catalogue/edit.html", form=form, entry=item))


@staff_bp.route("/guide/<org_slug>", methods=["GET", "POST"])
@login_required
def edit_guide(org_slug: str):
    organization = get_by_slug(org_slug)
    form = GuideForm(obj=services.guide_for_editing(current_user, organization))
    if form.validate_on_submit():
        data = services.GuideInput(**{f.name: getattr(form, f.name).data or ""
                                      for f in fields(services.GuideInput)})
        try:
            services.save_guide(current_user, organization, data)
        except ValidationError as error:
            attach_error(form, error)
        else:
            flash("公开指南已保存。", "success")
            return redirect(url_for("catalogue.guide", org_slug=organization.slug), code=303)
    return render_template("catalogue/guide_edit.html", form=form,
                           organization=organization), form_status(form)
