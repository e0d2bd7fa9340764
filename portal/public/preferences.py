"""适老化 mode: large type, high contrast and larger targets, remembered in a cookie
(工业和信息化部《互联网网站适老化通用设计规范》, 2021). Works without JavaScript: a plain
link toggles it and comes back to the same page."""

from flask import Blueprint, redirect, request, url_for

from portal.safety import safe_next_url

bp = Blueprint("preferences", __name__)
COOKIE = "elderly"
ONE_YEAR = 365 * 24 * 3600


@bp.get("/elderly-mode")
def elderly_mode():
    turn_on = request.args.get("on") == "1"
    response = redirect(safe_next_url(request.args.get("next"), url_for("public.home")))
    if turn_on:
        response.set_cookie(COOKIE, "1", max_age=ONE_YEAR, httponly=True, samesite="Lax")
    else:
        response.delete_cookie(COOKIE)
    return response
