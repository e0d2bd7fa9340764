"""The dashboard's heavy parts rendered once per snapshot, not once per request.

The figures (KPIs, chart and the four timeliness tables), the list of late disclosures,
the list of missed village postings, the late enforcement decisions and the 督办 notices
are rendered to HTML inside the same snapshot store that keeps the dashboard's data
(`portal.inspection.snapshot`), under the version of what they show and until the first
instant at which time alone could change them (the figures: a deadline passing; the
lists: the next Beijing midnight). A fragment is therefore exactly what rendering afresh would
give: it goes stale with the figures or the lists it shows, never later. Fragments hold
no per-person content (no CSRF token, no name of the viewer), so everyone with the same
scope shares one; what differs per viewer (whether they may 督办) is part of the key.
"""

from __future__ import annotations

from datetime import datetime

from flask import render_template, request
from markupsafe import Markup

from portal.enforcement.queries import late_decisions as late_decision_list
from portal.inspection import dashboard, lists, snapshot, supervision
from portal.inspection.charts import rate_bars

# A county with a million work orders had 1,714 late disclosures in a year: a table of
# that length (almost half a megabyte) is read by nobody on the dashboard, and the
# spreadsheet export is where an inspector works through it.
LATE_SHOWN = 200


def _rendered(template: str, **context) -> Markup:
    """A template's output: autoescaped by Jinja, so it goes into the page as it is."""
    return Markup(render_template(template, **context))  # nosec B704


def _scope(paths: list[str]) -> tuple[str, ...]:
    return tuple(sorted(set(paths)))


def board(paths: list[str], year: int) -> Markup:
    """KPIs, the monthly chart and the four timeliness tables."""
    def fresh(now: datetime) -> tuple[Markup, datetime]:
        figures, valid_until = dashboard.figures_until(paths, year, now)
        months = [(row.label, row.on_time_rate) for row in figures.tables["month"]]
        html = _rendered("inspection/_board.html", board=figures, year=year,
                         groupings=dashboard.GROUPINGS,
                         chart=rate_bars(months, f"{year}年按月答复按时率"))
        return html, valid_until

    return snapshot.cached(("board-html", request.script_root, _scope(paths), year), fresh,
                           shared=snapshot.TEXT)


def late_disclosures(paths: list[str], year: int) -> Markup:
    """The most late first, at most `LATE_SHOWN` of them: the exports hold all."""
    def fresh(now: datetime) -> tuple[Markup, datetime]:
        late = lists.late_disclosures(paths, year)
        html = _rendered("inspection/_late.html", late=late[:LATE_SHOWN], total=len(late),
                         year=year)
        return html, dashboard.next_local_midnight(now)

    return snapshot.cached(("late-html", request.script_root, _scope(paths), year), fresh,
                           version_id=snapshot.LISTS_ID, shared=snapshot.TEXT)


def village_lapses(paths: list[str], year: int, supervising: tuple[str, ...]) -> Markup:
    """The lapses, each with a 督办 link where the viewer may issue one."""
    def fresh(now: datetime) -> tuple[Markup, datetime]:
        html = _rendered("inspection/_lapses.html", lapses=lists.village_lapses(paths),
                         year=year, supervising=supervising)
        return html, dashboard.next_local_midnight(now)

    return snapshot.cached(("lapses-html", request.script_root, _scope(paths), year,
                            supervising), fresh, version_id=snapshot.LISTS_ID, shared=snapshot.TEXT)


def late_decisions(paths: list[str], year: int) -> Markup:
    def fresh(now: datetime) -> tuple[Markup, datetime]:
        html = _rendered("inspection/_late_decisions.html",
                         late_decisions=late_decision_list(paths, year))
        return html, dashboard.next_local_midnight(now)

    return snapshot.cached(("late-decisions-html", request.script_root, _scope(paths), year),
                           fresh, version_id=snapshot.NOTICES_ID, shared=snapshot.TEXT)


def supervision_notices(paths: list[str], year: int) -> Markup:
    """The 督办 notices of the year and their answers (overdue ones flagged as of today)."""
    def fresh(now: datetime) -> tuple[Markup, datetime]:
        html = _rendered("inspection/_supervision.html",
                         notices=supervision.notices_in(paths, year), year=year)
        return html, dashboard.next_local_midnight(now)

    return snapshot.cached(("supervision-html", request.script_root, _scope(paths), year),
                           fresh, version_id=snapshot.NOTICES_ID, shared=snapshot.TEXT)
