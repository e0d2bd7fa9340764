"""Pages residents use without an account."""

from __future__ import annotations

import time

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from wtforms.fields import SelectChoice

from portal.antispam import check_honeypot
from portal.attachments.storage import send_stored_file
from portal.database import read_only, reads_first
from portal.error_pages import note_refusal
from portal.errors import Conflict, NotFound, ValidationError
from portal.forms import attach_error, form_status, hold_over_limit, show_problems
from portal.inquiries import queries, reopening, submission, tracking
from portal.inquiries import replies as reply_files
from portal.inquiries.forms import (
    TYPE_HELP,
    InquiryForm,
    RateForm,
    ReasonForm,
    SupplementForm,
    TrackForm,
)
from portal.inquiries.models import InquiryType, Rating
from portal.organizations.services import get_by_slug, towns_with_villages
from portal.pagecache import blank_forms
from portal.paging import PageRequest
from portal.ratelimit import limit
from portal.ratelimit.submissions import limit_submissions
from portal.transparency.receipts import receipt_leaf

bp = Blueprint("inquiries", __name__, url_prefix="/inquiries")
TRACK_KEY = "tracked_inquiry"
TRACK_SECONDS = 30 * 60


def _place_choices() -> list[SelectChoice]:
    """Every town and village, kept until public content (organizations among it) changes:
    read and built on each form shown and each form received before."""
    from portal.pagecache import per_content_version

    return per_content_version("inquiries.places", _read_place_choices)


def _read_place_choices() -> list[SelectChoice]:
    choices = [SelectChoice("", "请选择乡镇或村")]
    for town, villages in towns_with_villages():
        choices.append(SelectChoice(f"town:{town.slug}", f"{town.name}（不指定村）",
                                    optgroup=town.name))
        choices += [SelectChoice(f"village:{v.slug}", f"{town.name} · {v.name}",
                                 optgroup=town.name) for v in villages]
    return choices


def _inquiry_type(value: str | None) -> InquiryType | None:
    try:
        kind = InquiryType(value or "")
    except ValueError:
        return None
    return kind if kind.is_public else None


def _input(form: InquiryForm) -> submission.InquiryInput:
    kind, _, slug = (form.place.data or "").partition(":")
    place = _organization_or_none(slug)
    town = place.parent if place is not None and kind == "village" else place
    application = None
    if form.type.data == InquiryType.INFO_REQUEST:
        application = submission.ApplicationInput(**{
            name: getattr(form, name).data or ""
            for name in submission.ApplicationInput.__annotations__})
    return submission.InquiryInput(
        type=_inquiry_type(form.type.data) or InquiryType.OPINION, title=form.title.data,
        body=form.body.data, contact_name=form.contact_name.data,
        contact_phone=form.contact_phone.data, organization=town,
        village=place if kind == "village" else None,
        consent_publish=bool(form.consent_publish.data), application=application,
        notify_channel=form.notify_channel.data or "", notify_email=form.notify_email.data or "")


def _organization_or_none(slug: str):
    try:
        return get_by_slug(slug) if slug else None
    except NotFound:
        return None


@bp.route("/new", methods=["GET", "POST"])
@limit_submissions("RATELIMIT_INQUIRY_SUBMIT", "RATELIMIT_SUBMIT_REFUSED")
def new():
    if request.method in ("GET", "HEAD"):
        return blank_forms.page("inquiries.new", _blank_form, tracking.new_submission_token)
    form = InquiryForm()
    form.place.choices = _place_choices()
    if hold_over_limit(form):
        pass
    elif form.validate_on_submit():
        try:
            check_honeypot(form.website.data)
            # The place is looked up with the submission's other reads, before the write.
            receipt = submission.submit(lambda: _input(form), form.submission_token.data or "")
        except (ValidationError, Conflict) as error:
            tracking.renew_if_refused(form, error, "inquiry")
            attach_error(form, error)
        else:  # committed: the receipt only reads, without holding SQLite's write lock
            with read_only():
                return render_template("inquiries/receipt.html", receipt=receipt)
    else:  # the fields the form itself refused, and every other problem at once
        with reads_first():  # a refused form only reads: no write lock for it
            show_problems(form, submission.problems(_input(form)).errors)
    return _form_page(form), form_status(form)


def _blank_form(csrf_token: str, submission_token: str) -> str:
    """The form a visit starts with: the type and village a link names (`?type=`,
    `?village=`), these tokens."""
    form = InquiryForm()
    form.place.choices = _place_choices()
    if form.meta.csrf:
        form.csrf_token.current_token = csrf_token
    form.submission_token.data = submission_token
    form.type.data = (_inquiry_type(request.args.get("type")) or InquiryType.CONSULT).value
    form.place.data = _linked_place(form, request.args.get("village"))
    return _form_page(form)


def _form_page(form: InquiryForm) -> str:
    return render_template("inquiries/new.html", form=form, type_help=TYPE_HELP,
                           village_arg=_village_arg(form),
                           types=[t for t in InquiryType if t.is_public])


def _linked_place(form: InquiryForm, slug: str | None) -> str:
    """The village a link from its page names (`?village=<slug>`), when it is one the
    form offers; anything else leaves the choice to the person."""
    value = f"village:{slug}"
    return value if slug and any(choice.value == value for choice in form.place.choices) else ""


def _village_arg(form: InquiryForm) -> str | None:
    """The village chosen so far, kept by the links that switch the form's type."""
    kind, _, slug = (form.place.data or "").partition(":")
    return slug if kind == "village" and _linked_place(form, slug) else None


@bp.route("/track", methods=["GET", "POST"])
@limit("RATELIMIT_TRACK_LOOKUP", methods=["POST"])
def track():
    """The code is typed into a form and posted, so it never appears in a URL or a log."""
    form = TrackForm()
    if form.validate_on_submit():
        try:
            inquiry = submission.find_by_code(form.code.data or "")
        except NotFound as error:
            note_refusal(error)
            form.code.errors = [error.message]
            return render_template("inquiries/track.html", form=form), 404
        # Real wall clock: this is the age of a cookie, not a time in the case.
        session[TRACK_KEY] = {"id": inquiry.id, "at": int(time.time())}
        return redirect(url_for(".status"), code=303)
    return render_template("inquiries/track.html", form=form)


def _tracked_id() -> int:
    tracked = session.get(TRACK_KEY)
    if not tracked or time.time() - tracked.get("at", 0) > TRACK_SECONDS:
        session.pop(TRACK_KEY, None)
        abort(redirect(url_for(".track")))
    return int(tracked["id"])


@bp.get("/track/status")
def status():
    inquiry = submission.get_tracked(_tracked_id())
    return render_template("inquiries/track_status.html", inquiry=inquiry,
                           handlings=reopening.handlings(inquiry), replies=reply_files,
                           receipt_leaf=receipt_leaf(inquiry),
                           rate_form=RateForm(formdata=None), reason_form=ReasonForm(formdata=None),
                           supplement_form=SupplementForm(formdata=None))


def _resident_action(operation, success: str, *args):
    try:
        operation(_tracked_id(), *args)
    except (ValidationError, Conflict) as error:
        note_refusal(error)
        flash(error.message, "error")
    else:
        flash(success, "success")
    return redirect(url_for(".status"), code=303)


@bp.post("/track/rate")
@limit("RATELIMIT_RESIDENT_ACTION")
def rate():
    form = RateForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        rating = Rating(form.rating.data or "")
    except ValueError:
        flash("请选择满意、基本满意或不满意。", "error")
        return redirect(url_for(".status"), code=303)
    return _resident_action(submission.rate, "感谢您的评价。", rating, form.comment.data or "")


@bp.post("/track/reopen")
@limit("RATELIMIT_RESIDENT_ACTION")
def reopen():
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    return _resident_action(submission.reopen, "已申请重新办理，我们会尽快处理。",
                            form.reason.data or "")


@bp.post("/track/supplement")
@limit("RATELIMIT_RESIDENT_ACTION")
def supplement():
    form = SupplementForm()
    if not form.validate_on_submit():
        abort(400)
    return _resident_action(submission.supplement, "补正材料已收到，办理时限重新计算。",
                            form.text.data or "")


@bp.get("/track/files/<int:file_id>")
def reply_file(file_id: int):
    """A file sent with a reply, for the resident who proved the tracking code."""
    inquiry = submission.get_tracked(_tracked_id())
    stored = next((f for handling in reopening.handlings(inquiry)
                   for f in reply_files.files_of(handling) if f.id == file_id), None)
    if stored is None:
        abort(404)
    return send_stored_file(stored)


@bp.get("/track/proof.json")
def proof():
    """The inclusion proof of the receipt in the public audit log, as a download."""
    from flask import jsonify

    from portal.transparency import receipts

    found = receipts.proof(submission.get_tracked(_tracked_id()))
    if found is None:
        abort(404, "审计日志每小时签名一次树头，受理记录被签名的树头收录后即可下载证明。")
    response = jsonify(found)
    response.headers["Content-Disposition"] = "attachment; filename=receipt-proof.json"
    return response


@bp.post("/track/forget")
def forget():
    session.pop(TRACK_KEY, None)
    flash("已退出查询。", "info")
    return redirect(url_for(".track"), code=303)


@bp.get("/replies")
def replies():
    page = queries.published_replies(page=PageRequest.from_args(request.args))
    return render_template("inquiries/replies.html", page=page)
