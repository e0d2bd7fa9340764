"""The admin page for Open311 API keys: list, issue (the key is shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal.errors import ValidationError
from portal.forms import attach_error
from portal.open311 import keys
from portal.open311.forms import IssueKeyForm, RevokeKeyForm

bp = Blueprint("open311_keys", __name__, url_prefix="/staff/open311/keys")


def _page(form: IssueKeyForm, *, new_key: str | None = None, status: int = 200):
    return render_template("open311/keys.html", keys=keys.all_keys(current_user), form=form,
                           revoke_form=RevokeKeyForm(formdata=None), new_key=new_key), status


@bp.get("/")
@login_required
def index():
    return _page(IssueKeyForm(formdata=None))


@bp.post("/")
@login_required
def issue():
    form = IssueKeyForm()
    if form.validate_on_submit():
        try:
            _row, key = keys.issue_key(current_user, form.name.data or "")
        except ValidationError as error:
            attach_error(form, error)
        else:
            # Shown in this response only: never flashed, so it is not kept in a cookie.
            return _page(IssueKeyForm(formdata=None), new_key=key, status=201)
    return _page(form, status=400)


@bp.post("/<int:key_id>/revoke")
@login_required
def revoke(key_id: int):
    if not RevokeKeyForm().validate_on_submit():
        abort(400)
    row = keys.revoke_key(current_user, key_id)
    flash(f"已吊销“{row.name}”的接口密钥（{row.prefix}…）。", "success")
    return redirect(url_for(".index"), code=303)
