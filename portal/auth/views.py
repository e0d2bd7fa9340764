from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import services
from portal.auth.forms import LoginForm
from portal.ratelimit import limit
from portal.safety import safe_next_url

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limit("RATELIMIT_LOGIN", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("staff.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except services.AuthenticationFailed as error:
            form.password.errors.append(error.message)
            return render_template("auth/login.html", form=form), error.status
        login_user(user)
        flash(f"{user.display_name}，您好，已登录。", "success")
        return redirect(safe_next_url(request.args.get("next"), url_for("staff.home")))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    services.logout(current_user._get_current_object())
    logout_user()
    flash("您已安全退出。", "info")
    return redirect(url_for("public.home"))
