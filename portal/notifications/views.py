"""The resident's stop link (`/notifications/stop/<token>`) and the staff 消息 centre
(`/staff/messages`). Thin: the services check, act, audit and commit."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import validation
from portal.errors import ValidationError
from portal.extensions import csrf
from portal.forms import attach_error, form_status
from portal.notifications import replies, services
from portal.notifications.forms import ButtonForm, SettingsForm

public_bp = Blueprint("notifications", __name__, url_prefix="/notifications")
bp = Blueprint("messages", __name__, url_prefix="/staff/messages")


@public_bp.route("/stop/<token>", methods=["GET", "POST"])
@csrf.exempt  # the one-click POST of RFC 8058 carries no form token; the button's does
def stop(token: str):
    """GET: what will stop, with a button; POST: stop (the button, or a mail client's
    one-click `List-Unsubscribe=One-Click`). A used link answers 410."""
    link = services.stop_link(token)  # NotFound → 404 with the reason
    one_click = request.method == "POST" and \
        request.form.get("List-Unsubscribe") == "One-Click"
    if link.stopped_at is not None:
        if one_click:
            return "", 204
        return render_template("notifications/stop.html", link=link, done=True,
                               just_now=False), 410
    form = ButtonForm()
    if one_click:
        services.stop_resident_messages(token)
        return "", 204
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        services.stop_resident_messages(token)
        return render_template("notifications/stop.html", link=services.stop_link(token),
                               done=True, just_now=True)
    return render_template("notifications/stop.html", link=link, form=form, done=False)


@public_bp.post("/sms/replies/<token>")
@csrf.exempt  # a provider's push: the secret address is its credential
def sms_replies(token: str):
    """The SMS provider's push of residents' replies; 退订 stops their messages."""
    replies.check_token(token)  # NotFound unless configured and matching
    payload = request.get_json(silent=True)
    if payload is None:
        return jsonify(code=1, msg="请求体应为 JSON。"), 400
    try:
        replies.record_replies(payload)
    except ValidationError as error:
        return jsonify(code=1, msg=error.message), 400
    return jsonify(code=0, msg="接收成功")


@bp.app_context_processor
def _unread_messages():
    def unread_messages() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(current_user)

    return {"unread_messages": unread_messages}


@bp.get("/")
@login_required
def inbox():
    wanted = request.args.get("before", "")
    before = int(wanted) if validation.is_number(wanted) else None
    rows, next_before = services.inbox_page(current_user, before)
    return render_template("notifications/inbox.html", rows=rows, next_before=next_before,
                           first_page=before is None, unread=services.unread_count(current_user))


def _checked_form() -> None:
    if not ButtonForm().validate_on_submit():
        abort(400)


@bp.post("/read")
@login_required
def read_all():
    _checked_form()
    count = services.mark_all_read(current_user)
    flash(f"已将 {count} 条消息标为已读。" if count else "没有未读消息。", "success")
    return redirect(url_for(".inbox"), code=303)


@bp.post("/<int:notification_id>/read")
@login_required
def read_one(notification_id: int):
    _checked_form()
    services.mark_read(current_user, notification_id)
    flash("已标为已读。", "success")
    return redirect(url_for(".inbox"), code=303)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """消息设置: where one receives email and SMS, and which kinds by which channel."""
    address, prefs = services.my_settings(current_user)
    form = SettingsForm(obj=address if request.method == "GET" else None)
    chosen = {kind.key: {channel for channel, wanted in (
        ("email", pref.email), ("sms", pref.sms)) if wanted}
        for kind in services.staff_kinds() if (pref := prefs.get(kind.key))}
    if request.method == "POST":
        chosen = {kind.key: {channel for channel in ("email", "sms")
                             if kind.key in request.form.getlist(f"by_{channel}")}
                  for kind in services.staff_kinds()}
        if form.validate_on_submit():
            try:
                services.save_settings(current_user, form.email.data or "",
                                       form.mobile.data or "", chosen)
            except ValidationError as error:
                attach_error(form, error)
            else:
                flash("消息设置已保存。", "success")
                return redirect(url_for(".settings"), code=303)
    return render_template("notifications/settings.html", form=form, chosen=chosen,
                           kinds=services.staff_kinds()), form_status(form)
