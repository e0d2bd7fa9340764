"""`/staff/notifications`: administrators watch the delivery of email and SMS, retry dead
letters, keep the wording of each kind of message and send themselves a test message."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.error_pages import note_refusal
from portal.errors import NotFound, ValidationError
from portal.forms import attach_error, form_status
from portal.notifications import services, templates
from portal.notifications.forms import ButtonForm, TemplateForm, TestMessageForm
from portal.notifications.models import Channel

bp = Blueprint("notification_admin", __name__, url_prefix="/staff/notifications")

STATE_FILTERS = {"": "全部", "queued": "排队中", "sent": "已发送", "dead": "发送失败"}


def _channels(kind: templates.Kind) -> list[Channel]:
    """Residents have no account: their messages go by email or SMS only."""
    if kind.audience == "resident":
        return [Channel.EMAIL, Channel.SMS]
    return [Channel.INAPP, Channel.EMAIL, Channel.SMS]


def recipient(row) -> str:
    if row.address:
        return services.mask_address(row.channel, row.address)
    return f"{row.user.display_name}（工作人员）" if row.user else "—"


@bp.get("/")
@login_required
def log():
    state = request.args.get("state", "")
    state = state if state in STATE_FILTERS else ""
    address, _prefs = services.my_settings(current_user)
    return render_template(
        "notifications/log.html", rows=services.delivery_log(current_user, state),
        state=state, filters=STATE_FILTERS, kinds=templates.KINDS, recipient=recipient,
        test_form=TestMessageForm(formdata=None), own=address)


@bp.post("/<int:notification_id>/retry")
@login_required
def retry(notification_id: int):
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.retry(current_user, notification_id)
    flash("已重新加入发送队列，将在几分钟内重试。", "success")
    return redirect(url_for(".log", state="queued"), code=303)


@bp.post("/test")
@login_required
def test():
    form = TestMessageForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.send_test_to_self(current_user, form.channel.data or "")
    except ValidationError as error:
        note_refusal(error)
        flash(error.message, "error")
        return redirect(url_for(".log"), code=303)
    flash("测试消息已加入发送队列，请稍后查收；发送结果见下方“排队中”和“已发送”。", "success")
    return redirect(url_for(".log", state="queued"), code=303)


@bp.get("/templates")
@login_required
def template_list():
    return render_template("notifications/templates.html", kinds=templates.KINDS.values(),
                           channels=_channels, overridden=services.overridden(current_user))


def _kind_and_channel(kind_key: str, channel: str) -> tuple[templates.Kind, Channel]:
    kind = templates.KINDS.get(kind_key)
    if kind is None or channel not in {c.value for c in _channels(kind)}:
        raise NotFound("没有这类通知。")
    return kind, Channel(channel)


@bp.route("/templates/<kind_key>/<channel>", methods=["GET", "POST"])
@login_required
def edit_template(kind_key: str, channel: str):
    kind, chosen = _kind_and_channel(kind_key, channel)
    form = TemplateForm()
    if request.method == "GET":
        form.subject.data, form.body.data = services.template_wording(current_user, kind.key,
                                                                      chosen)
    elif form.validate_on_submit():
        try:
            services.save_template(current_user, kind.key, chosen.value,
                                   form.subject.data or "", form.body.data or "")
        except ValidationError as error:
            attach_error(form, error)
        else:
            flash(f"已保存“{kind.label}”的{chosen.label}模板。", "success")
            return redirect(url_for(".template_list"), code=303)
    return render_template("notifications/template_form.html", form=form, kind=kind,
                           channel=chosen), form_status(form)
