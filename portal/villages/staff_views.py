"""Back office for village notices: clerks draft, committees sign, town reviewers approve."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from portal import validation
from portal.attachments.storage import send_stored_file
from portal.auth.models import Role
from portal.bodylimit import FILES_PER_REQUEST, accepts_long_text, accepts_uploads
from portal.error_pages import note_refusal
from portal.errors import Conflict, ValidationError
from portal.forms import ChineseForm, run_action, run_form
from portal.inspection import supervision
from portal.organizations.services import get_organization
from portal.personal_data import files as file_scan
from portal.timeutil import local_today
from portal.villages import finance_store, queries, rules, schedule, services
from portal.villages.forms import FinanceImportForm, NoticeForm
from portal.villages.models import Frequency, NoticeCategory, NoticeStatus

bp = Blueprint("staff_villages", __name__, url_prefix="/staff/villages")


def _form(notice=None) -> NoticeForm:
    form = NoticeForm(obj=notice)
    if notice is not None and request.method == "GET":
        form.village.data = notice.village_id
        form.category.data = notice.category.value
    form.village.choices = [SelectChoice(v.id, v.full_name)
                            for v in queries.clerk_villages(
                                current_user, current=notice.village if notice else None)]
    return form


def _input(form: NoticeForm) -> services.NoticeInput:
    try:
        category = NoticeCategory(form.category.data or "")
    except ValueError:
        raise ValidationError("请选择类别。", field="category") from None
    return services.NoticeInput(
        village=get_organization(form.village.data or 0), category=category,
        title=form.title.data or "", body_html=form.body_html.data or "",
        period_start=form.period_start.data, period_end=form.period_end.data,
        is_major=bool(form.is_major.data), occurred_on=form.occurred_on.data,
        window_start=form.window_start.data, window_end=form.window_end.data,
        window_working_days=form.window_working_days.data)


@bp.get("/")
@login_required
def listing():
    status = request.args.get("status") or None
    if status and status not in {s.value for s in NoticeStatus}:
        abort(400)
    page_arg = request.args.get("page", "1")
    if not validation.is_number(page_arg, max_digits=6):
        abort(400)
    return render_template(
        "villages/staff_list.html", statuses=list(NoticeStatus), status=status,
        page=queries.staff_notices(current_user, status=NoticeStatus(status) if status else None,
                                   page=int(page_arg), size=current_app.config["PAGE_SIZE"]),
        to_sign=queries.awaiting(current_user, Role.VILLAGE_SUPERVISOR,
                                 NoticeStatus.AWAITING_SIGNOFF),
        to_approve=queries.awaiting(current_user, Role.REVIEWER,
                                    NoticeStatus.AWAITING_APPROVAL),
        supervision_notices=supervision.open_for(current_user))


@bp.route("/new", methods=["GET", "POST"])
@accepts_long_text
@login_required
def new():
    form = _form()
    return run_form(form, lambda: services.create_draft(current_user, _input(form)),
                    done="草稿已保存。", next_url=lambda n: url_for(".show", notice_id=n.id),
                    page=lambda: render_template("villages/edit.html", form=form, notice=None))


@bp.route("/<int:notice_id>/edit", methods=["GET", "POST"])
@accepts_long_text
@login_required
def edit(notice_id: int):
    notice = _visible(notice_id)
    form = _form(notice)
    return run_form(form, lambda: services.update(current_user, notice_id, _input(form)),
                    done="修改已保存。", next_url=lambda _: url_for(".show", notice_id=notice_id),
                    page=lambda: render_template("villages/edit.html", form=form, notice=notice))


def _visible(notice_id: int):
    from portal.auth.permissions import require_any

    notice = services.get_notice(notice_id)
    require_any(current_user, queries.STAFF_ROLES, notice.village,
                action="village_notice.view", target=notice)
    return notice


def _render_show(notice_id: int, status: int = 200, places: list[str] | None = None,
                 problems: list[str] | None = None):
    notice = _visible(notice_id)
    return render_template("villages/staff_show.html", notice=notice, form=ChineseForm(),
                           finance_form=FinanceImportForm(formdata=None),
                           places=places if places is not None
                           else services.personal_data_places(notice),
                           clearable=services.has_only_suspected(notice),
                           file_states=file_scan, problems=problems or []), status


@bp.get("/<int:notice_id>")
@login_required
def show(notice_id: int):
    return _render_show(notice_id)


def _act(notice_id: int, operation, message: str, *args, **kwargs):
    """Run a one-button operation; a refusal shows the places or rows to correct."""
    return run_action(
        operation, notice_id, *args, done=message, refused=(ValidationError, Conflict),
        page_url=url_for(".show", notice_id=notice_id),
        show=lambda error: _render_show(notice_id, error.status,
                                        places=getattr(error, "places", None),
                                        problems=getattr(error, "problems", None)),
        **kwargs)


@bp.post("/<int:notice_id>/submit")
@login_required
def submit(notice_id: int):
    return _act(notice_id, services.submit, "已提交村务监督委员会签署。")


@bp.post("/<int:notice_id>/mask")
@login_required
def mask(notice_id: int):
    return _act(notice_id, finance_store.mask_personal_data, "个人信息已打码。")


@bp.post("/<int:notice_id>/sign-off")
@login_required
def sign_off(notice_id: int):
    return _act(notice_id, services.sign_off, "已签署，等待镇审核。", request.form.get("note", ""))


@bp.post("/<int:notice_id>/send-back")
@login_required
def send_back(notice_id: int):
    return _act(notice_id, services.send_back, "已退回村务专干修改。",
                request.form.get("reason", ""))


@bp.post("/<int:notice_id>/approve")
@login_required
def approve(notice_id: int):
    return _act(notice_id, services.approve, "已审核并公开。")


@bp.post("/<int:notice_id>/withdraw")
@login_required
def withdraw(notice_id: int):
    return _act(notice_id, services.withdraw, "已撤回。", request.form.get("reason", ""))


@bp.post("/<int:notice_id>/finance")
@accepts_uploads(files=1)
@login_required
def finance(notice_id: int):
    return _act(notice_id, finance_store.import_finance, "收支表已导入。",
                request.files.get("finance_file"))


@bp.post("/<int:notice_id>/attachments")
@accepts_uploads(files=FILES_PER_REQUEST)
@login_required
def attachments(notice_id: int):
    return _act(notice_id, finance_store.add_attachments, "附件已上传并完成个人信息检查。",
                request.files.getlist("files"), confirmed=bool(request.form.get("confirmed")))


@bp.post("/<int:notice_id>/attachments/<int:file_id>/confirm")
@login_required
def confirm_attachment(notice_id: int, file_id: int):
    return _act(notice_id, finance_store.confirm_attachment, "已记录人工核对结果。", file_id)


@bp.post("/<int:notice_id>/attachments/<int:file_id>/remove")
@login_required
def remove_attachment(notice_id: int, file_id: int):
    return _act(notice_id, finance_store.remove_attachment, "附件已删除。", file_id)


@bp.post("/<int:notice_id>/clear-suspected")
@login_required
def clear_suspected(notice_id: int):
    return _act(notice_id, finance_store.clear_suspected,
                "已记录：疑似号码经人工核对不是个人信息。")


@bp.get("/<int:notice_id>/files/<int:file_id>")
@login_required
def staff_file(notice_id: int, file_id: int):
    """Staff download of an attachment or of the finance table's original upload, which
    may hold personal data the public never sees: each download is audited."""
    return send_stored_file(services.staff_download(current_user, notice_id, file_id))


@bp.get("/schedule")
@login_required
def schedule_report():
    """Villages whose scheduled postings are missing or late, for the town and inspectors."""
    return _render_schedule()


def _render_schedule(status: int = 200):
    villages = queries.visible_villages(current_user)
    can_edit = any(current_user.has_role(role, v) for v in villages for role in rules.RULE_ROLES)
    return render_template("villages/schedule.html", lapses=schedule.lapses_for(villages),
                           villages=villages, today=local_today(), rules=rules.rules_for(villages),
                           can_edit=can_edit, categories=list(NoticeCategory),
                           frequencies=list(Frequency)), status


@bp.post("/rules")
@login_required
def set_rule():
    if not ChineseForm().validate_on_submit():
        abort(400)
    try:
        village_id, grace = request.form.get("village", ""), request.form.get("grace_days", "")
        if not validation.is_number(village_id) or not validation.is_number(grace):
            raise ValidationError("请选择村并填写宽限天数。")
        try:
            category = NoticeCategory(request.form.get("category", ""))
            frequency = Frequency(request.form.get("frequency", ""))
            active_from = date.fromisoformat(request.form.get("active_from", ""))
        except ValueError:
            raise ValidationError("类别、频次或起算日期不正确。") from None
        rules.set_rule(current_user, get_organization(int(village_id)), category, frequency,
                       int(grace), active_from)
    except ValidationError as error:
        note_refusal(error)
        flash(error.message, "error")
        return _render_schedule(400)
    flash("规则已保存。", "success")
    return redirect(url_for(".schedule_report"), code=303)
