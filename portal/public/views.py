"""The public home page."""

from flask import Blueprint, render_template

from portal.consultations import open_today
from portal.disclosures import queries

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render_template("public/home.html", latest=queries.latest_by_category(),
                           consultations=open_today())
