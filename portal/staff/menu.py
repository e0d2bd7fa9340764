"""The staff menu's section entries, rendered once per process for each set of grants.

Which sections a person may open (公开信息管理, 留言办理, 用户管理, …) is decided by the
section-level rules of `portal.auth.rules`, which look only at the roles a person holds.
The entries are therefore the same for everyone with the same grants under the same mount
point, and every signed-in page used to ask the policy some twenty times to draw them
(about a millisecond of a staff page's ten). They are kept under a key of the grants
themselves (role and organization path), so a role granted or revoked shows in the menu
on the very next page.
"""

from __future__ import annotations

import threading

from flask import render_template, request
from flask_login import current_user
from markupsafe import Markup

MAX_MENUS = 256
_menus: dict[tuple, Markup] = {}
_lock = threading.Lock()


def staff_menu() -> Markup:
    user = current_user._get_current_object()
    grants = tuple(sorted((grant.role.value, grant.organization.path)
                          for grant in getattr(user, "grants", ())))
    key = (request.script_root, grants)
    menu = _menus.get(key)
    if menu is None:
        # Autoescaped by Jinja: it goes into the page as it is.
        menu = Markup(render_template("staff/_menu.html"))  # nosec B704
        with _lock:
            if len(_menus) >= MAX_MENUS:
                _menus.clear()
            _menus[key] = menu
    return menu
