"""Admins' view of anonymous refusals: who was refused, for what, how often."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from portal.audit import refusals

bp = Blueprint("refusals", __name__, url_prefix="/staff/refusals")


@bp.get("/")
@login_required
def listing():
    return render_template("audit/refusals.html", tallies=refusals.recent(current_user),
                           labels=refusals.KIND_LABELS,
                           window_minutes=int(refusals.WINDOW.total_seconds() // 60))
