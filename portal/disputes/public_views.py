"""矛盾纠纷排查化解 for residents: the yearly figures of each town, counts only (the
small-cell rule is in `portal.disputes.figures`)."""

from flask import Blueprint, render_template, request

from portal.disputes import figures

bp = Blueprint("disputes", __name__, url_prefix="/disputes")


@bp.get("/")
def index():
    years = figures.years()
    wanted = request.args.get("year", "")
    readable = len(wanted) == 4 and wanted.isascii() and wanted.isdigit()
    year = int(wanted) if readable and int(wanted) in years else (years[0] if years else None)
    return render_template("disputes/index.html", years=years, year=year,
                           towns=figures.for_year(year) if year else [], shown=figures.shown,
                           small=figures.SMALL)
