"""Consultation pages for residents: the lists, one consultation with its comment form,
and the Atom feed."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from portal import validation
from portal.antispam import check_honeypot
from portal.consultations import participation, queries
from portal.consultations.forms import CommentForm
from portal.consultations.models import Adoption
from portal.errors import Conflict, ValidationError
from portal.forms import attach_error, form_status, hold_over_limit, show_problems
from portal.inquiries import tracking
from portal.ratelimit.submissions import limit_submissions
from portal.timeutil import utcnow
from portal.villages.public_views import public_url

bp = Blueprint("consultations", __name__, url_prefix="/consultations")


def _page_arg() -> int:
    value = request.args.get("page", "1")
    if not validation.is_number(value, max_digits=6):
        abort(400)
    return int(value)


@bp.get("/")
def listing():
    return render_template("consultations/list.html",
                           open_items=queries.open_consultations(limit=None),
                           upcoming=queries.upcoming_consultations(),
                           closed=queries.closed_consultations(
                               page=_page_arg(), size=current_app.config["PAGE_SIZE"]))


@bp.route("/<int:consultation_id>", methods=["GET", "POST"])
@limit_submissions("RATELIMIT_CONSULTATION_COMMENT", "RATELIMIT_SUBMIT_REFUSED")
def detail(consultation_id: int):
    consultation = queries.get_public(consultation_id)
    form = CommentForm()
    if request.method == "GET":
        form.submission_token.data = tracking.new_submission_token("comment")
    elif hold_over_limit(form):
        pass
    elif form.validate_on_submit():
        try:
            check_honeypot(form.website.data)
            receipt = participation.submit_comment(consultation_id, _comment(form),
                                                   form.submission_token.data or "")
        except (ValidationError, Conflict) as error:
            tracking.renew_if_refused(form, error, "comment")
            attach_error(form, error)
        else:
            flash("这条意见已经收到，无需重复提交。" if receipt.duplicate
                  else "感谢您的意见！意见经审核后在本页公开。", "success")
            return redirect(url_for(".detail", consultation_id=consultation_id,
                                    _anchor="comments"), code=303)
    else:  # the fields the form itself refused, and every other problem at once
        show_problems(form, participation.problems(_comment(form)))
    return render_template("consultations/detail.html", c=consultation, form=form,
                           phase=consultation.phase(), adoptions=Adoption), form_status(form)


def _comment(form: CommentForm) -> participation.CommentInput:
    return participation.CommentInput(body=form.body.data or "", name=form.name.data or "",
                                      contact=form.contact.data or "")


@bp.get("/feed.atom")
def feed():
    items = queries.latest_published()
    updated = max((c.updated_at for c in items), default=utcnow())
    body = render_template("consultations/feed.xml", items=items, updated=updated,
                           self_url=public_url("consultations.feed"),
                           list_url=public_url("consultations.listing"), public_url=public_url)
    return current_app.response_class(body, mimetype="application/atom+xml")
