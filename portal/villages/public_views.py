"""村务公开 boards for residents: the list of villages, each board, each notice, its
printable poster and the village's Atom feed."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for

from portal import validation
from portal.attachments.storage import download_response, send_stored_file
from portal.organizations.services import towns_with_villages
from portal.pagecache import tags as page_tags
from portal.paging import PageRequest
from portal.personal_data import files as file_scan
from portal.villages import finance_export, queries
from portal.villages.models import NoticeCategory
from portal.villages.poster import qr_svg

bp = Blueprint("villages", __name__, url_prefix="/villages")


@bp.get("/")
def index():
    return render_template("villages/index.html", towns=towns_with_villages())


@bp.get("/<slug>/")
def board(slug: str):
    village = queries.village_card(slug)
    page_tags.shows(f"village:{village.id}", "villages")
    category = request.args.get("category") or None
    if category and category not in {c.value for c in NoticeCategory}:
        abort(400)
    page = queries.board_rows(village, category=NoticeCategory(category) if category else None,
                              year=validation.year(request.args.get("year")),
                              page=PageRequest.from_args(request.args),
                              size=current_app.config["PAGE_SIZE"])
    return render_template("villages/board.html", village=village, page=page,
                           category=category)


@bp.get("/<slug>/notices/<int:notice_id>")
def notice(slug: str, notice_id: int):
    village = queries.get_village(slug)
    return render_template("villages/notice.html", village=village,
                           notice=queries.get_public(village, notice_id))


@bp.get("/<slug>/notices/<int:notice_id>/poster")
def poster(slug: str, notice_id: int):
    village = queries.get_village(slug)
    item = queries.get_public(village, notice_id)
    online = public_url("villages.notice", slug=slug, notice_id=notice_id)
    return render_template("villages/poster.html", village=village, notice=item,
                           online_url=online, qr=qr_svg(online))


@bp.get("/<slug>/notices/<int:notice_id>/files/<int:file_id>")
def file(slug: str, notice_id: int, file_id: int):
    """An attachment the public may download: checked clean, or by a person. The finance
    table's original upload is never among them."""
    village = queries.get_village(slug)
    item = queries.get_public(village, notice_id)
    stored = next((link.file for link in item.attachments if link.stored_file_id == file_id
                   and file_scan.is_public(link.file)), None)
    if stored is None:
        abort(404)
    return send_stored_file(stored)


@bp.get("/<slug>/notices/<int:notice_id>/finance.<any(xlsx, csv):fmt>")
def finance_file(slug: str, notice_id: int, fmt: str):
    """The income/expense table as a file, regenerated from the masked rows."""
    village = queries.get_village(slug)
    item = queries.get_public(village, notice_id)
    if item.finance_table is None:
        abort(404)
    content, mimetype, name = finance_export.statement_file(item, fmt)
    return download_response(content, mimetype, name)


@bp.get("/<slug>/feed.atom")
def feed(slug: str):
    # Every feed of the site goes through one Atom writer.
    from portal.feeds.atom import atom_response, village_feed

    village = queries.get_village(slug)
    return atom_response(village_feed(village, queries.latest(village)))


def public_url(endpoint: str, **values) -> str:
    """An absolute URL for print and feeds: SITE_URL when configured (the address
    residents know), else the address this request came in on."""
    base = current_app.config.get("SITE_URL")
    path = url_for(endpoint, **values)
    return base.rstrip("/") + path if base else url_for(endpoint, _external=True, **values)
