"""The files every site is asked for at its root: `/robots.txt` and `/favicon.ico`.

robots.txt points crawlers at the sitemap and keeps them out of what is not for them:
the back office, the inspectors' pages, sign-in, a resident's own tracking pages, the
stop links, the endless search results and the Open311 interface (for programs, which
do not read robots.txt). Everything public stays crawlable — the
point of 政务公开 is to be found. The favicon is the site's emblem (also served as SVG
from /static, which modern browsers prefer through the page's <link rel="icon">).
"""

from __future__ import annotations

from flask import Blueprint, current_app, send_from_directory

from portal.villages.public_views import public_url

bp = Blueprint("site_files", __name__)

DISALLOWED = ("/staff/", "/inspect/", "/login", "/inquiries/track", "/notifications/",
              "/search", "/open311/")


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED), "",
             f"Sitemap: {public_url('feeds.sitemap')}", ""]
    response = current_app.response_class("\n".join(lines), mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.get("/favicon.ico")
def favicon():
    response = send_from_directory(current_app.static_folder, "img/favicon.ico",
                                   mimetype="image/vnd.microsoft.icon", max_age=86400)
    response.cache_control.public = True
    return response
