"""The dashboard page is rendered from fragments kept with the snapshot they show; the page
a person gets is always the page a fresh rendering gives: after a new work order, a
deadline passing with no change in the database, and a village falling behind."""

import re
from datetime import date

from flask import current_app

from portal.auth.models import Role
from portal.extensions import db
from portal.inspection import supervision
from portal.villages import schedule
from tests.inquiries.timetravel import beijing


def _parts(page: str) -> dict[str, str]:
    """The cached parts of the page: the figures, the late list, the village lapses."""
    sections = re.split(r'(?=<section )', page)
    return {"figures": "".join(s for s in sections if 'class="kpis"' in s
                               or 'aria-labelledby="h-chart"' in s
                               or re.search(r'aria-labelledby="h-(organization|handler|type|'
                                            r'month)"', s)),
            "late": "".join(s for s in sections if 'aria-labelledby="h-late"' in s),
            "lapses": "".join(s for s in sections if 'aria-labelledby="h-lapses"' in s),
            "decisions": "".join(s for s in sections
                                 if 'aria-labelledby="h-late-decisions"' in s),
            "supervision": "".join(s for s in sections if 'aria-labelledby="h-sup"' in s)}


def served_and_fresh(client) -> tuple[dict, dict]:
    served = _parts(client.get("/inspect/?year=2026").get_data(as_text=True))
    current_app.extensions["dashboard_snapshots"].clear()
    fresh = _parts(client.get("/inspect/?year=2026").get_data(as_text=True))
    return served, fresh


def test_the_served_page_follows_every_change(client, login, inspector, year_of_work, submit,
                                              orgs, travel):
    login(inspector)
    first, fresh = served_and_fresh(client)
    assert first == fresh and "受理件数" in first["figures"]

    submit(title="E")  # a new work order: the count goes up at once
    served, fresh = served_and_fresh(client)
    assert served == fresh and served["figures"] != first["figures"]

    travel.set(beijing(date(2026, 4, 13), 23, 59))  # Monday: E is due for sign-for tonight
    client.get("/inspect/?year=2026")
    travel.advance(seconds=59, microseconds=500_000)  # past 23:59:59, nothing written
    served, fresh = served_and_fresh(client)
    assert served == fresh

    assert "所有村均已按期公开" in served["lapses"]
    db.session.add_all(schedule.default_rules(orgs["village_a"], date(2026, 1, 1)))
    db.session.commit()  # the village is now behind with its postings
    served, fresh = served_and_fresh(client)
    assert served == fresh and "双塔村" in served["lapses"]


def test_a_notice_issued_and_answered_shows_at_once(client, login, inspector, orgs, make_user,
                                                    travel):
    travel.set(beijing(date(2026, 4, 10), 10))
    login(inspector)
    served, _fresh = served_and_fresh(client)
    assert "本年度尚未发出督办" in served["supervision"]
    notice = supervision.issue_for_village(inspector, orgs["village_b"],
                                           "王堂村财务公开：第一季度未公开", "请尽快公开。",
                                           date(2026, 4, 20))
    served, fresh = served_and_fresh(client)
    assert served == fresh and "王堂村财务公开：第一季度未公开" in served["supervision"]
    assert "待答复" in served["supervision"]

    travel.set(beijing(date(2026, 4, 21), 10))  # past the answer date, nothing written
    served, fresh = served_and_fresh(client)
    assert served == fresh and "超期未答复" in served["supervision"]

    clerk = make_user("cunwu", (Role.VILLAGE_CLERK, orgs["village_b"]))
    supervision.answer(clerk, notice.id, "已于今日公开。")
    served, fresh = served_and_fresh(client)
    assert served == fresh and "已于今日公开。" in served["supervision"]
