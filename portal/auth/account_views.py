"""One's own account (/account) and the administrators' user pages (/staff/users)."""

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required

from portal.auth import accounts, enrolment, grants, services, sessions, totp
from portal.auth.forms import (
    CodeForm,
    GrantForm,
    NewUserForm,
    PasswordChangeForm,
    ResetPasswordForm,
)
from portal.auth.views import ENROLL_SECRET, enrollment_page
from portal.error_pages import note_refusal
from portal.errors import Conflict, ValidationError
from portal.forms import ChineseForm, attach_error, form_status, run_action

account_bp = Blueprint("account", __name__, url_prefix="/account")
users_bp = Blueprint("users", __name__, url_prefix="/staff/users")


@account_bp.get("/")
@login_required
def overview():
    user = current_user._get_current_object()
    return render_template("auth/account.html", user=user,
                           mfa_required=services.requires_second_factor(user)
                           and not user.totp_secret,
                           reminder=accounts.password_reminder_due(user),
                           disable_form=CodeForm())


@account_bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(user, current=form.current_password.data,
                                     new=form.password.data)
        except services.AccountLocked as error:
            sessions.end()
            flash(error.message, "error")
            return redirect(url_for("auth.login"), code=303)
        except ValidationError as error:
            attach_error(form, error)
        else:
            sessions.start(user)  # this device stays signed in on the new token
            flash("密码已修改，其他设备上的登录已全部退出。", "success")
            return redirect(url_for("account.overview"))
    return render_template("auth/password.html", form=form), form_status(form)


@account_bp.route("/totp", methods=["GET", "POST"])
@login_required
def enroll():
    user = current_user._get_current_object()
    if user.totp_secret:
        flash("已启用动态验证码。", "info")
        return redirect(url_for("account.overview"))
    secret = session.setdefault(ENROLL_SECRET, totp.new_secret())
    form = CodeForm()
    if form.validate_on_submit():
        try:
            services.enroll_second_factor(user, secret, form.code.data, at_login=False)
        except ValidationError as error:
            attach_error(form, error)
        else:
            sessions.start(user)
            flash("动态验证码已启用，其他设备上的登录已全部退出。", "success")
            return redirect(url_for("account.overview"))
    return enrollment_page(form, user, secret, at_login=False)


@account_bp.post("/totp/remove")
@login_required
def remove_totp():
    user = current_user._get_current_object()
    form = CodeForm()
    status = 400
    if form.validate_on_submit():
        try:
            accounts.remove_second_factor(user, form.code.data)
        except (ValidationError, Conflict) as error:
            attach_error(form, error)
            status = error.status
        else:
            sessions.start(user)
            flash("动态验证码已关闭。", "success")
            return redirect(url_for("account.overview"))
    return render_template("auth/account.html", user=user, mfa_required=False,
                           reminder=accounts.password_reminder_due(user),
                           disable_form=form), status


# -- administrators ---------------------------------------------------------------------

@users_bp.get("/")
@login_required
def listing():
    return render_template("auth/users.html", users=accounts.manageable_users(current_user))


@users_bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = NewUserForm()
    form.grant.choices = {"": [("", "请选择")], **grants.form_choices(current_user)}
    if form.validate_on_submit():
        try:
            user = services.create_user(
                current_user, username=form.username.data,
                display_name=form.display_name.data, password=form.password.data,
                grants=[grants.parse(form.grant.data)])
        except ValidationError as error:
            attach_error(form, error)
        else:
            flash(f"已创建用户 {user.username}。", "success")
            if services.requires_second_factor(user):
                code = accounts.issue_enrolment_code(current_user, user.id)
                return _show(user.id, enrolment_code=code, status=201)
            return redirect(url_for("users.show", user_id=user.id))
    return render_template("auth/user_new.html", form=form), form_status(form)


@users_bp.get("/<int:user_id>")
@login_required
def show(user_id: int):
    return _show(user_id)


def _show(user_id: int, form=None, status: int = 200, enrolment_code: str | None = None,
          grant_form=None):
    user = accounts.get_managed(current_user, user_id)
    grant_form = grant_form or GrantForm(formdata=None)
    grant_form.grant.choices = {"": [("", "请选择")], **grants.form_choices(current_user)}
    return render_template("auth/user.html", user=user, form=form or ResetPasswordForm(),
                           grant_form=grant_form,
                           needs_enrolment=services.requires_second_factor(user)
                           and not user.totp_secret,
                           has_code=enrolment.has_code(user),
                           enrolment_code=enrolment_code), status


@users_bp.post("/<int:user_id>/password")
@login_required
def reset_password(user_id: int):
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(current_user, user_id, form.password.data)
        except ValidationError as error:
            attach_error(form, error)
        else:
            flash("密码已重置，该用户的所有登录已退出。请当面或电话告知新密码。", "success")
            return redirect(url_for("users.show", user_id=user_id), code=303)
    return _show(user_id, form, form_status(form))


def _action(operation, user_id: int, *args, done: str):
    return run_action(operation, user_id, *args, done=done,
                      page_url=url_for("users.show", user_id=user_id),
                      show=lambda error: _show(user_id, status=error.status),
                      refused=(ValidationError, Conflict))


@users_bp.post("/<int:user_id>/disable")
@login_required
def disable(user_id: int):
    return _action(accounts.set_active, user_id, False, done="账号已停用，该用户的所有登录已退出。")


@users_bp.post("/<int:user_id>/enable")
@login_required
def enable(user_id: int):
    return _action(accounts.set_active, user_id, True, done="账号已启用。")


@users_bp.post("/<int:user_id>/unlock")
@login_required
def unlock(user_id: int):
    return _action(accounts.unlock, user_id, done="账号已解锁。")


def _with_code(operation, user_id: int):
    """An action whose result is a one-time enrolment code: shown on the page, once."""
    if not ChineseForm().validate_on_submit():
        abort(400)
    try:
        code = operation(current_user, user_id)
    except (ValidationError, Conflict) as error:
        note_refusal(error)
        flash(error.message, "error")
        return _show(user_id, status=error.status)
    return _show(user_id, enrolment_code=code)


@users_bp.post("/<int:user_id>/totp-reset")
@login_required
def reset_totp(user_id: int):
    return _with_code(accounts.reset_second_factor, user_id)


@users_bp.post("/<int:user_id>/enrolment-code")
@login_required
def enrolment_code(user_id: int):
    return _with_code(accounts.issue_enrolment_code, user_id)


@users_bp.post("/<int:user_id>/grants")
@login_required
def add_grant(user_id: int):
    """Give the user one more role at one organization; a refused grant is shown again
    with the rule that refused it, nothing saved."""
    user = accounts.get_managed(current_user, user_id)
    form = GrantForm()
    if form.validate_on_submit():
        try:
            role, organization = grants.parse(form.grant.data)
            grants.add_grant(current_user, user, role, organization)
        except ValidationError as error:
            attach_error(form, error)
        else:
            flash(f"已授予{organization.full_name}{role.label}。", "success")
            return redirect(url_for("users.show", user_id=user_id), code=303)
    return _show(user_id, status=form_status(form), grant_form=form)


@users_bp.post("/<int:user_id>/grants/<int:grant_id>/remove")
@login_required
def remove_grant(user_id: int, grant_id: int):
    user = accounts.get_managed(current_user, user_id)
    if not ChineseForm().validate_on_submit():
        abort(400)
    try:
        grants.remove_grant(current_user, user, grant_id)
    except ValidationError as error:
        note_refusal(error)
        flash(error.message, "error")
        return _show(user_id, status=error.status)
    flash("已撤销该授权。", "success")
    return redirect(url_for("users.show", user_id=user_id), code=303)
