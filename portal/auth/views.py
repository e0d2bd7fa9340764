"""Signing in (password, then the TOTP code where needed) and signing out."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from portal.auth import services, sessions, totp
from portal.auth.forms import CodeForm, EnrolmentForm, LoginForm
from portal.errors import ValidationError
from portal.forms import attach_error, form_status
from portal.ratelimit import limit
from portal.safety import safe_next_url
from portal.villages.poster import qr_svg

bp = Blueprint("auth", __name__)
ENROLL_SECRET = "totp_enroll_secret"


@bp.route("/login", methods=["GET", "POST"])
@limit("RATELIMIT_LOGIN", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("staff.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.check_password(form.username.data, form.password.data)
        except (services.AuthenticationFailed, services.AccountLocked) as error:
            form.password.errors.append(error.message)
            return render_template("auth/login.html", form=form), error.status
        next_url = request.args.get("next")
        if services.requires_second_factor(user):
            sessions.hold_pending(user, next_url)
            return redirect(url_for("auth.verify" if user.totp_secret else "auth.enroll"))
        services.complete_login(user, factors="password")
        return _signed_in(user, safe_next_url(next_url, url_for("staff.home")))
    return render_template("auth/login.html", form=form), form_status(form)


@bp.route("/login/verify", methods=["GET", "POST"])
@limit("RATELIMIT_LOGIN", methods=["POST"])
def verify():
    user = sessions.pending_user()
    if user is None:
        return _start_over()
    if not user.totp_secret:
        return redirect(url_for("auth.enroll"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            services.check_second_factor(user, form.code.data)
        except services.AccountLocked as error:
            sessions.end()
            flash(error.message, "error")
            return redirect(url_for("auth.login"))
        except services.AuthenticationFailed as error:
            form.code.errors.append(error.message)
            return render_template("auth/verify.html", form=form, user=user), error.status
        return _signed_in(user, sessions.pending_next(url_for("staff.home")))
    return render_template("auth/verify.html", form=form, user=user), form_status(form)


@bp.route("/login/enroll", methods=["GET", "POST"])
@limit("RATELIMIT_LOGIN", methods=["POST"])
def enroll():
    """First sign-in of a role that needs a second factor: bind an authenticator app."""
    user = sessions.pending_user()
    if user is None:
        return _start_over()
    if user.totp_secret:
        return redirect(url_for("auth.verify"))
    secret = session.setdefault(ENROLL_SECRET, totp.new_secret())
    form = EnrolmentForm()
    if form.validate_on_submit():
        try:
            services.enroll_second_factor(user, secret, form.code.data, at_login=True,
                                          enrolment_code=form.enrolment_code.data)
        except services.AccountLocked as error:
            sessions.end()
            flash(error.message, "error")
            return redirect(url_for("auth.login"))
        except ValidationError as error:
            attach_error(form, error)
        else:
            flash("动态验证码已绑定。以后登录时请输入验证器中的 6 位数字。", "success")
            return _signed_in(user, sessions.pending_next(url_for("staff.home")))
    return enrollment_page(form, user, secret, at_login=True)


@bp.post("/logout")
@login_required
def logout():
    services.logout(current_user._get_current_object())
    sessions.end()
    flash("您已安全退出。", "info")
    return redirect(url_for("public.home"))


def enrollment_page(form, user, secret: str, *, at_login: bool):
    """The QR code and the code field for binding an authenticator app."""
    return render_template("auth/enroll.html", form=form, user=user, secret=secret,
                           qr=qr_svg(totp.provisioning_uri(user.username, secret)),
                           at_login=at_login), form_status(form)


def _signed_in(user, target: str):
    sessions.start(user)
    flash(f"{user.display_name}，您好，已登录。", "success")
    return redirect(target)


def _start_over():
    flash("登录已过期，请重新输入用户名和密码。", "info")
    return redirect(url_for("auth.login"))
