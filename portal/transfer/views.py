"""`/open-data/`: every public record as JSON and CSV, for anyone to download."""

from flask import Blueprint, abort, make_response, render_template, send_file

from portal.ratelimit import limit
from portal.transfer import open_data

bp = Blueprint("open_data", __name__, url_prefix="/open-data")


@bp.get("/")
def index():
    package = open_data.current()
    if package is None:
        return _not_yet()
    response = make_response(render_template("open_data/index.html", package=package))
    if not package.current:  # out of date once the current package is built: kept nowhere
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<name>")
@limit("RATELIMIT_API_READ")
def download(name: str):
    if name not in open_data.NAMES:
        abort(404)
    package = open_data.current()
    data = package.get(name) if package is not None else None
    try:
        response = send_file(data.path, mimetype=data.mimetype, etag=data.sha256,
                             conditional=True, as_attachment=name.endswith(".csv"),
                             download_name=name) if data is not None else None
    except FileNotFoundError:  # replaced by a newer package a moment ago
        response = None
    if response is None:
        return _not_yet(503)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data, read-only
    response.headers["Cache-Control"] = "public, no-cache"
    return response


def _not_yet(status: int = 200):
    """The page saying the files are being prepared: kept by no cache, since it is out of
    date as soon as they are ready; a download asked for meanwhile gets it as a 503."""
    response = make_response(render_template("open_data/index.html", package=None,
                                             retry_seconds=open_data.RETRY_SECONDS), status)
    response.headers["Cache-Control"] = "no-store"
    if status == 503:
        response.headers["Retry-After"] = str(open_data.RETRY_SECONDS)
    return response
