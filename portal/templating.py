"""Template filters and globals."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, request, url_for
from markupsafe import Markup

from portal.timeutil import format_day, format_local, letter_date


def register(app: Flask) -> None:
    from portal.disclosures.models import Category

    # The only ways a page writes a date: `local_date` (2026-12-03) and `local_dt`
    # (2026-12-03 14:05); `letter_date` (2026年12月3日) only on the printed poster.
    # tests/web/test_dates.py keeps templates to them.
    app.jinja_env.filters["local_dt"] = format_local
    app.jinja_env.filters["local_date"] = format_day
    app.jinja_env.filters["letter_date"] = letter_date

    @app.template_filter("atom_date")
    def atom_date(value: datetime) -> str:
        """RFC 3339 in UTC, as Atom wants it."""
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    @app.template_global()
    def url_with(**changes) -> str:
        """The current page's URL with some query arguments changed (for filters, pages)."""
        args = request.args.to_dict()
        args.update({k: v for k, v in changes.items() if v not in (None, "")})
        for key, value in changes.items():
            if value in (None, ""):
                args.pop(key, None)
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    @app.template_global()
    def allowed(action: str, obj) -> bool:
        """Whether the signed-in person may do `action` on `obj` now (`portal.auth.policy`):
        every button and menu entry asks this, so nobody is shown what would be refused."""
        from flask_login import current_user

        from portal.auth import policy

        return policy.allowed(current_user, action, obj)

    from portal.staff.menu import staff_menu

    app.add_template_global(staff_menu)

    @app.template_filter("safe_html")
    def safe_html(value: str | None) -> Markup:
        # Bodies are cleaned by portal.sanitize.clean_html on the way in (the bad-input
        # corpus in tests/badinput checks no stored script comes back on any page).
        return Markup(value or "")  # nosec B704

    from portal.forms import error_summary

    app.add_template_global(error_summary)  # the summary atop a refused form (_macros.html)
    from portal import assets

    assets.init_app(app)  # static_url(): static files under content-hashed URLs
    from portal.personal_data.files import is_public

    app.jinja_env.tests["public_file"] = is_public
    from portal.attachments.storage import format_size

    app.jinja_env.filters["file_size"] = format_size  # "1.2 MB", "704 字节"
    app.jinja_env.globals.update(site_name=app.config["SITE_NAME"],
                                 site_sponsor=app.config.get("SITE_SPONSOR", ""),
                                 disclosure_categories=list(Category),
                                 # a link to an optional section only where it is served
                                 has_endpoint=lambda name: name in app.view_functions)
