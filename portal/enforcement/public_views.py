"""行政执法公示 for residents, under 五公开: 事前公示 (the bodies, officers and matters) with
管理公开, 事后公示 (licensing and penalty decisions) with 结果公开, and the masked 双公示 CSV."""

from flask import Blueprint, Response, abort, render_template, request

from portal.enforcement import publication, queries
from portal.enforcement.models import DecisionKind

bp = Blueprint("enforcement", __name__, url_prefix="/enforcement")


@bp.get("/")
def index():
    return render_template("enforcement/index.html", bodies=queries.public_bodies())


def _kind(value: str | None) -> DecisionKind | None:
    if not value:
        return None
    try:
        return DecisionKind(value)
    except ValueError:
        abort(404)


@bp.get("/decisions")
def decisions():
    kind = _kind(request.args.get("kind"))
    return render_template("enforcement/decisions.html", kind=kind, kinds=list(DecisionKind),
                           decisions=queries.public_decisions(kind), publication=publication)


@bp.get("/decisions/<int:decision_id>")
def decision(decision_id: int):
    return render_template("enforcement/decision.html",
                           decision=queries.get_public(decision_id), publication=publication)


@bp.get("/decisions/<kind>.csv")
def decisions_csv(kind: str):
    """The published decisions of one kind in the 双公示 layout, natural persons masked."""
    wanted = _kind(kind)
    if wanted not in publication.COLUMNS:
        abort(404)
    content = publication.to_csv(queries.public_decisions(wanted), wanted, masked=True)
    return Response(content, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=enforcement-{wanted.value}.csv",
        "X-Content-Type-Options": "nosniff"})
