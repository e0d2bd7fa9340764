"""`/open-data/`: every public record as JSON and CSV, for anyone to download."""

from flask import Blueprint, abort, current_app, render_template, request

from portal.ratelimit import limit
from portal.transfer import open_data

bp = Blueprint("open_data", __name__, url_prefix="/open-data")


@bp.get("/")
def index():
    return render_template("open_data/index.html", package=open_data.current())


@bp.get("/<name>")
@limit("RATELIMIT_API_READ")
def download(name: str):
    data = open_data.current().get(name)
    if data is None:
        abort(404)
    response = current_app.response_class(data.content, mimetype=data.mimetype)
    if name.endswith(".csv"):
        response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data, read-only
    response.headers["Cache-Control"] = "public, no-cache"
    response.set_etag(data.sha256)
    return response.make_conditional(request)
