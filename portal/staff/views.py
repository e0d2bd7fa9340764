"""The back office's landing page: what is waiting for the signed-in person."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from portal.disclosures import queries
from portal.disclosures.models import Status
from portal.inspection import supervision
from portal.staff.worklist import work_queue

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
@login_required
def home():
    return render_template(
        "staff/home.html",
        sections=work_queue(current_user),
        supervision_notices=supervision.open_for(current_user),
        drafts=queries.staff_listing(current_user, status=Status.DRAFT, size=10),
        approved=queries.staff_listing(current_user, status=Status.APPROVED, size=10),
    )
