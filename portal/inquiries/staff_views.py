"""The handlers' back office: queues, the work order page and its actions."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import validation
from portal.attachments.storage import send_stored_file
from portal.bodylimit import FILES_PER_REQUEST, accepts_uploads
from portal.error_pages import note_refusal
from portal.errors import Conflict, ValidationError
from portal.forms import ChineseForm, attach_error, form_status, run_action, run_form
from portal.inquiries import (
    clocks,
    extension_requests,
    fees,
    limits,
    opinion,
    policy,
    queries,
    registration,
    replies,
    reply_templates,
    workflow,
)
from portal.inquiries.forms import (
    ExtensionForm,
    OpinionForm,
    RegistrationForm,
    ReplyTemplateForm,
)
from portal.inquiries.models import InquiryType, Severity
from portal.inquiries.outcomes import OUTCOMES
from portal.inspection import supervision
from portal.organizations.services import all_organizations, get_organization
from portal.timeutil import LOCAL_TZ, local_today, utcnow

bp = Blueprint("staff_inquiries", __name__, url_prefix="/staff/inquiries")


@bp.get("/")
@login_required
def queue():
    name = request.args.get("queue", "organization")
    if name not in queries.QUEUES:
        abort(400)
    page_arg = request.args.get("page", "1")
    if not validation.is_number(page_arg, max_digits=6):
        abort(400)
    page = queries.queue(current_user, name, descending=request.args.get("sort") == "desc",
                         page=int(page_arg), size=current_app.config["PAGE_SIZE"])
    return render_template("inquiries/staff_queue.html", page=page, queue=name,
                           queues=queries.QUEUES, counts=queries.queue_counts(current_user),
                           now=utcnow(), clocks=clocks,
                           pending_extensions=extension_requests.pending_for_reviewer(current_user),
                           supervision_notices=supervision.open_for(current_user))


def _render_show(inquiry_id: int, status: int = 200, reply: dict | None = None, **forms):
    """The work order page; `reply` holds the reply form's input to show again."""
    inquiry = workflow.get_for_staff(current_user, inquiry_id)
    return render_template(
        "inquiries/staff_show.html", inquiry=inquiry, now=utcnow(), clocks=clocks,
        outcomes=OUTCOMES, reply=reply or {},
        templates=reply_templates.offers_for(inquiry) if inquiry.is_open else [],
        organizations=[o for o in all_organizations() if o.id != inquiry.organization_id
                       and workflow.may_move_to(inquiry, o)],
        may_return=inquiry.organization.parent is not None
        and workflow.may_move_to(inquiry, inquiry.organization.parent),
        extension_form=forms.get("extension_form") or ExtensionForm(formdata=None),
        milestones=opinion.MILESTONES, form=ChineseForm(), today=local_today(),
        default_due=supervision.default_answer_due(),
        channel_labels={c.value: c.label for c in registration.Channel},
        fee_methods=fees.METHODS, reply_files=replies.files_of(inquiry),
        corrections=replies.corrections_of(inquiry),
        supervision_notices=[n for n in supervision.notices_for_inquiry(inquiry)]), status


@bp.get("/<int:inquiry_id>")
@login_required
def show(inquiry_id: int):
    return _render_show(inquiry_id)


def _act(inquiry_id: int, operation, message: str, *args, reply: dict | None = None,
         **kwargs):
    """Run one staff action; a refusal comes back on the work order page (with the reply
    form's input, when that was the form sent)."""
    return run_action(operation, inquiry_id, *args, done=message,
                      page_url=url_for(".show", inquiry_id=inquiry_id),
                      show=lambda error: _render_show(inquiry_id, error.status, reply=reply),
                      refused=(ValidationError, Conflict), **kwargs)


def _form(name: str) -> str:
    return request.form.get(name, "")


@bp.post("/<int:inquiry_id>/sign")
@login_required
def sign(inquiry_id: int):
    return _act(inquiry_id, workflow.sign, "已签收。")


@bp.post("/<int:inquiry_id>/process")
@login_required
def process(inquiry_id: int):
    return _act(inquiry_id, workflow.start_processing, "已开始办理。")


@bp.post("/<int:inquiry_id>/note")
@login_required
def note(inquiry_id: int):
    return _act(inquiry_id, workflow.add_note, "备注已保存（仅内部可见）。", _form("text"))


@bp.post("/<int:inquiry_id>/transfer")
@login_required
def transfer(inquiry_id: int):
    target_id = _form("target")
    if not validation.is_number(target_id):
        return _act(inquiry_id, _refuse, "", "请选择转办单位。")
    return _act(inquiry_id, workflow.transfer, "已转办。", get_organization(int(target_id)),
                _form("reason"))


def _refuse(_actor, _inquiry_id, message: str):
    raise ValidationError(message)


@bp.post("/<int:inquiry_id>/return")
@login_required
def return_(inquiry_id: int):
    return _act(inquiry_id, workflow.return_to_dispatcher, "已退回。", _form("reason"))


@bp.post("/<int:inquiry_id>/correction")
@login_required
def correction(inquiry_id: int):
    return _act(inquiry_id, workflow.request_correction, "已告知补正，时限暂停计算。",
                _form("message"))


@bp.post("/<int:inquiry_id>/correction-received")
@login_required
def correction_received(inquiry_id: int):
    return _act(inquiry_id, workflow.record_correction, "已登记补正，时限重新计算。", _form("note"))


@bp.post("/<int:inquiry_id>/abandon")
@login_required
def abandon(inquiry_id: int):
    return _act(inquiry_id, workflow.treat_as_abandoned, "已按逾期不补正办结。")


@bp.post("/<int:inquiry_id>/consult")
@login_required
def consult(inquiry_id: int):
    return _act(inquiry_id, workflow.start_consultation, "已开始征求意见，时限暂停计算。",
                _form("party"))


@bp.post("/<int:inquiry_id>/consult-end")
@login_required
def consult_end(inquiry_id: int):
    return _act(inquiry_id, workflow.end_consultation, "征求意见结束，时限继续计算。",
                _form("note"))


@bp.post("/<int:inquiry_id>/extension")
@login_required
def extension(inquiry_id: int):
    form = ExtensionForm()
    days = form.days.data if form.days.data is not None else 0
    return _act(inquiry_id, extension_requests.request_extension, "延期申请已提交审核。", days,
                form.reason.data or "")


@bp.post("/<int:inquiry_id>/extension-decision")
@login_required
def extension_decision(inquiry_id: int):
    approve = _form("decision") == "approve"
    return _act(inquiry_id, extension_requests.decide_extension,
                "已批准延期。" if approve else "已驳回延期申请。", approve, _form("note"))


@bp.post("/<int:inquiry_id>/reply")
@login_required
@accepts_uploads(files=FILES_PER_REQUEST)
def reply(inquiry_id: int):
    typed = {"text": _form("text"), "outcome": _form("outcome"),
             "publish": _form("publish") == "y"}
    if "insert_template" in request.form:  # “插入” without JavaScript: nothing is sent
        return _insert_template(inquiry_id, typed)
    return _act(inquiry_id, workflow.reply, "已答复。", typed["text"], outcome=typed["outcome"],
                publish=typed["publish"], files=request.files.getlist("files"),
                confirmed=_form("confirmed") == "1", reply=typed)


def _insert_template(inquiry_id: int, typed: dict):
    if not ChineseForm().validate_on_submit():
        abort(400)
    template_id = _form("insert_template")
    if not validation.is_number(template_id, max_digits=9):
        abort(400)
    typed["text"] = reply_templates.insert(current_user, inquiry_id, int(template_id),
                                           typed["text"])
    typed["inserted"] = True
    return _render_show(inquiry_id, reply=typed)


@bp.post("/<int:inquiry_id>/reply-correction")
@login_required
def correct_reply(inquiry_id: int):
    return _act(inquiry_id, workflow.correct_reply, "答复已更正，原答复保留。", _form("text"),
                _form("reason"))


@bp.get("/<int:inquiry_id>/reply-files/<int:file_id>")
@login_required
def reply_file(inquiry_id: int, file_id: int):
    inquiry = workflow.get_for_staff(current_user, inquiry_id)
    stored = next((f for f in replies.files_of(inquiry) if f.id == file_id), None)
    if stored is None:
        abort(404)
    return send_stored_file(stored)


@bp.post("/<int:inquiry_id>/fee")
@login_required
def fee_notice(inquiry_id: int):
    pages = _form("pages").strip()
    return _act(inquiry_id, fees.issue_notice, "收费通知已发出，答复期限暂停计算。",
                _form("method"), int(pages) if validation.is_number(pages) else None)


@bp.post("/<int:inquiry_id>/fee-paid")
@login_required
def fee_paid(inquiry_id: int):
    return _act(inquiry_id, fees.record_payment, "已登记缴费，答复期限继续计算。",
                _form("receipt_number"))


@bp.post("/<int:inquiry_id>/fee-lapsed")
@login_required
def fee_lapsed(inquiry_id: int):
    return _act(inquiry_id, fees.close_unpaid, "已按逾期未缴费办结。")


@bp.post("/<int:inquiry_id>/refer")
@login_required
def refer(inquiry_id: int):
    return _act(inquiry_id, workflow.refer_elsewhere, "已答复，告知申请人向负责的机关申请。",
                _form("body_name"), _form("contact"), _form("note"))


@bp.post("/<int:inquiry_id>/close")
@login_required
def close(inquiry_id: int):
    return _act(inquiry_id, workflow.close, "已办结。")


@bp.post("/<int:inquiry_id>/milestone")
@login_required
def milestone(inquiry_id: int):
    disclosure = _form("disclosure_id").strip()
    if disclosure and not validation.is_number(disclosure):
        return _act(inquiry_id, _refuse, "", "公开信息编号应为数字。")
    return _act(inquiry_id, opinion.record_milestone, "已记录。", _form("milestone"),
                disclosure_id=int(disclosure) if disclosure else None, note=_form("note"))


@bp.route("/opinion/new", methods=["GET", "POST"])
@login_required
def new_opinion():
    form = OpinionForm()
    form.organization.choices = [(o.id, o.full_name) for o in
                                 handler_organizations(current_user)]
    if form.validate_on_submit():
        try:
            item = opinion.log_opinion(
                current_user, get_organization(form.organization.data or 0),
                title=form.title.data or "", summary=form.summary.data or "",
                source=form.source.data or "", source_url=form.source_url.data or "",
                severity=Severity(form.severity.data or "general"),
                found_at=form.found_at.data.replace(tzinfo=LOCAL_TZ) if form.found_at.data
                else None)
        except ValidationError as error:
            attach_error(form, error)
        else:
            flash("舆情已登记，回应时限开始计算。", "success")
            return redirect(url_for(".show", inquiry_id=item.id), code=303)
    return render_template("inquiries/opinion_new.html", form=form), form_status(form)


def handler_organizations(actor):
    from portal.auth.models import Role
    from portal.auth.policy import Actor

    who = Actor.of(actor)
    return [o for o in all_organizations() if who.holds(Role.HANDLER, o)]


@bp.route("/register", methods=["GET", "POST"])
@login_required
def register():
    """Register an application that came in person, by post, fax or email."""
    form = RegistrationForm()
    form.channel.choices = [(c.value, c.label) for c in registration.STAFF_CHANNELS]
    form.organization.choices = [(o.id, o.full_name) for o in
                                 handler_organizations(current_user) if o.kind.value == "town"]
    if request.method == "GET":
        form.type.data = "info_request"
    elif form.validate_on_submit():
        try:
            receipt = registration.register(current_user, registration.Registration(
                channel=form.channel.data or "", received_on=form.received_on.data,
                data=_registered_input(form)))
        except ValidationError as error:
            attach_error(form, error)
        else:
            return render_template("inquiries/receipt.html", receipt=receipt,
                                   registered=True), 201
    return render_template("inquiries/register.html", form=form), form_status(form)


def _registered_input(form):
    from portal.inquiries import submission

    organization = get_organization(form.organization.data) if form.organization.data else None
    fields = submission.ApplicationInput.__annotations__
    application = submission.ApplicationInput(**{name: getattr(form, name).data or ""
                                                 for name in fields})
    return submission.InquiryInput(
        type=InquiryType.INFO_REQUEST, title=form.title.data or "", body=form.body.data or "",
        contact_name=form.contact_name.data or "", contact_phone=form.contact_phone.data or "",
        organization=organization, consent_publish=bool(form.consent_publish.data),
        application=application)


@bp.get("/templates")
@login_required
def reply_template_list():
    return render_template("inquiries/reply_templates.html",
                           templates=reply_templates.list_templates(current_user),
                           placeholders=reply_templates.PLACEHOLDERS)


@bp.route("/templates/new", methods=["GET", "POST"], defaults={"template_id": None})
@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@login_required
def edit_reply_template(template_id: int | None):
    reply_templates.require_manager(current_user)
    existing = (reply_templates.get_template(current_user, template_id)
                if template_id is not None else None)
    form = ReplyTemplateForm(obj=existing if request.method == "GET" else None)
    if existing is not None and request.method == "GET":
        form.inquiry_type.data = existing.inquiry_type.value
    return run_form(
        form, lambda: reply_templates.save_template(
            current_user, template_id, form.inquiry_type.data or "", form.name.data or "",
            form.body.data or ""),
        done=lambda t: f"已保存答复模板“{t.name}”。",
        next_url=lambda _t: url_for(".reply_template_list"),
        page=lambda: render_template("inquiries/reply_template_form.html", form=form,
                                     template=existing,
                                     placeholders=reply_templates.PLACEHOLDERS))


@bp.get("/sla")
@login_required
def sla():
    return _render_sla()


def _render_sla():
    return render_template("inquiries/sla.html", policies=policy.list_policies(),
                           labels=clocks.CLOCK_LABELS, ceiling=limits.ceiling,
                           form=ChineseForm())


@bp.post("/sla/<int:policy_id>")
@login_required
def update_sla(policy_id: int):
    if not ChineseForm().validate_on_submit():
        abort(400)
    amount = _form("amount")
    try:
        policy.update_policy(current_user, policy_id,
                             int(amount) if validation.is_number(amount) else -1)
    except ValidationError as error:
        note_refusal(error)
        flash(error.message, "error")
        return _render_sla(), 400
    flash("时限已更新，对此后受理的留言生效。", "success")
    return redirect(url_for(".sla"), code=303)
