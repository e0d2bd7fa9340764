"""No page shows a stored code (`awaiting_signoff`, `in_review`, `draft` …) where a person
expects words: every status, type and category reaches the page as its Chinese label.

The sample world of the access matrix (one object of each kind, one user per role) is put
through every value of every enum column in turn — written straight into the table, so
states the workflows reach only slowly are shown too — and after each turn every HTML page
is fetched, each turn as the next of the roles that may open it (anonymous for public
pages), so every page is read in every state and by every role. Visible text only: attribute
values (option values, CSS classes, links), scripts, styles and code samples may carry
codes. The same crawl checks that no page mixes date formats (tests/web/test_dates.py).
"""

from __future__ import annotations

import enum
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask import url_for

from portal.access import PUBLIC, ROUTE_POLICY, SIGNED_IN
from portal.auth.models import Role
from portal.extensions import db
from portal.timeutil import local_today
from tests.test_access_matrix import _sign_in, _url_values, draft_input_factory, world
from tests.web.test_dates import mixed_dates

__all__ = ["draft_input_factory", "world"]

# Columns whose value decides who may see or do what; changing them under the world
# would change the crawl, not the wording. Their values are still looked for.
FIXED = {("role_grants", "role"), ("organizations", "kind"), ("sla_policies", "inquiry_type"),
         ("reply_templates", "inquiry_type")}
HIDDEN = {"script", "style", "code", "pre", "kbd", "samp", "textarea"}
WORD = re.compile(r"(?<![\w/.@:#?=&%-])[a-z][a-z0-9]*(?:_[a-z0-9]+)*(?![\w/.@:#?=&%-])")
# Endpoints that are not pages for people (machine formats are refused by content type).
SKIP = {"static"}


class VisibleText(HTMLParser):
    """The text a person reads: element content outside scripts, styles and code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = VisibleText()
    parser.feed(page)
    return " ".join(parser.parts)


def enum_columns() -> dict[tuple[str, str], type[enum.Enum]]:
    return {(table.name, column.name): column.type.enum_class
            for table in db.Model.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, sa.Enum) and column.type.enum_class is not None}


def raw_values() -> set[str]:
    """Every stored code of every enum a model column uses, and of every other labelled
    enum of the portal (inquiry channels, fee methods …)."""
    classes = set(enum_columns().values())
    pending = [enum.StrEnum]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("portal.") and hasattr(sub, "label"):
                classes.add(sub)
    return {str(member.value) for kind in classes for member in kind
            if WORD.fullmatch(str(member.value))}


def leaks(page: str, codes: set[str]) -> set[str]:
    return {word for word in WORD.findall(visible_text(page)) if word in codes}


def test_the_scan_sees_a_raw_code_and_ignores_attributes():
    page = ('<p class="badge-draft"><a href="/x?status=draft">草稿</a></p>'
            '<select><option value="awaiting_signoff">待签署</option></select>'
            '<code>draft</code><td>awaiting_signoff</td>')
    assert leaks(page, {"draft", "awaiting_signoff"}) == {"awaiting_signoff"}


def _pages(app, world):
    """(roles, url) for every page the world has: the roles that may open it (None:
    anonymous, for public pages)."""
    pages = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP or "GET" not in rule.methods:
            continue
        try:
            values = _url_values(rule, world)
        except KeyError:
            continue
        if "year" in values:  # this year's annual report, which the world has
            values["year"] = local_today().year
        with app.test_request_context():
            url = url_for(rule.endpoint, **values)
        policy = ROUTE_POLICY[rule.endpoint]
        roles = ([None] if policy == PUBLIC else
                 list(Role) if policy == SIGNED_IN else sorted(policy, key=str))
        pages.append((roles, url))
    return pages


@pytest.fixture
def full_world(world, orgs):
    """The matrix's world plus a record of each kind it lacks: an opinion item, the
    villages' posting rules, an annual report with an appeal case, a notification wording,
    an enforcement matter."""
    from datetime import date

    from portal.annual_report import appeals
    from portal.annual_report.services import save_report
    from portal.enforcement import registry
    from portal.inquiries import opinion
    from portal.inquiries.models import Severity
    from portal.notifications import services as notifications
    from portal.villages.rules import add_default_rules

    users = world["users"]
    opinion.log_opinion(users[Role.HANDLER], orgs["town"], title="舆情", summary="摘要",
                        source="论坛", source_url="", severity=Severity.MAJOR)
    add_default_rules([orgs["village_a"], orgs["village_b"]], date(2026, 1, 1))
    db.session.commit()
    year = local_today().year
    save_report(users[Role.ADMIN], year, orgs["town"].slug, {})
    appeals.record_appeal(users[Role.ADMIN], appeals.AppealInput(
        organization=orgs["town"].slug, kind="review", filed_on=date(year, 1, 5)))
    notifications.save_template(users[Role.ADMIN], "assigned", "email", "【待签收】{number}",
                                "请签收 {number}：{url}")
    registry.add_matter(users[Role.EDITOR], world["body_id"], registry.MatterInput(
        kind="penalty", name="露天焚烧秸秆", basis="《大气污染防治法》第一百一十九条"))
    return world


def _turn(columns, index: int) -> None:
    """Give every row of every enum column the value `index` (cycling through each)."""
    for (table, column), kind in columns.items():
        values = [member.value for member in kind]
        try:  # a value a unique index allows once per object (one pending revision) waits
            with db.session.begin_nested():
                db.session.execute(sa.text(
                    f'UPDATE "{table}" SET "{column}" = :value')  # nosec B608
                    .bindparams(value=values[index % len(values)]))
        except sa.exc.IntegrityError:
            pass
    db.session.commit()


def test_no_page_shows_a_raw_enum_value(app, full_world):
    world = full_world
    codes = raw_values()
    assert {"awaiting_signoff", "draft", "info_request", "processing"} <= codes
    columns = {key: kind for key, kind in enum_columns().items() if key not in FIXED}
    empty = [table for table, _column in columns
             if not db.session.scalar(sa.text(f'SELECT count(*) FROM "{table}"'))]  # nosec B608
    assert empty == ["notification_contacts"]  # residents' opt-ins: shown to nobody
    clients = {}
    for role in [None, *Role]:
        clients[role] = app.test_client()
        if role is not None:
            _sign_in(clients[role], world["users"][role])
    pages = _pages(app, world)
    found: dict[str, set[str]] = {}
    mixed: dict[str, list[str]] = {}
    shown = 0
    for index in range(max(len(kind) for kind in columns.values())):
        _turn(columns, index)
        for roles, url in pages:  # each turn a page is read as the next role that may
            role = roles[index % len(roles)]
            response = clients[role].get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            shown += 1
            page = response.get_data(as_text=True)
            for word in leaks(page, codes):
                found.setdefault(word, set()).add(f"{url} ({role.value if role else '群众'})")
            if both := mixed_dates(visible_text(page)):
                mixed.setdefault(url, both)
    assert shown > 100
    assert mixed == {}, "pages showing two date formats"
    assert found == {}, "\n".join(f"{word}: {sorted(urls)[:5]}" for word, urls in found.items())
