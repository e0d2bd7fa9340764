"""The staff home is each person's work queue: per role, by deadline, marked, linked."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from portal.auth.models import Role
from portal.disclosures import services as disclosures
from portal.disclosures.models import Category, Disclosure
from portal.extensions import db
from portal.inquiries import submission, tracking
from portal.inquiries.models import Inquiry, InquiryType
from portal.staff.worklist import OVERDUE, SOON, mark_for
from portal.timeutil import local_today, utcnow
from portal.villages import services as villages
from portal.villages.models import NoticeCategory
from tests.conftest import next_totp_code

ITEM = re.compile(r'<li class="queue-item(?: is-(\w+))?">.*?<a href="([^"]+)">([^<]+)</a>'
                  r'(?:\s*<span class="small">期限 ([\d-]+)</span>)?', re.S)


@pytest.fixture
def world(orgs, make_user):
    people = {
        "editor": make_user("q-editor", (Role.EDITOR, orgs["town"])),
        "reviewer": make_user("q-reviewer", (Role.REVIEWER, orgs["town"])),
        "clerk": make_user("q-clerk", (Role.VILLAGE_CLERK, orgs["village_a"])),
        "supervisor": make_user("q-supervisor", (Role.VILLAGE_SUPERVISOR, orgs["village_a"])),
        "handler": make_user("q-handler", (Role.HANDLER, orgs["town"])),
        "inspector": make_user("q-inspector", (Role.INSPECTOR, orgs["town"])),
        "admin": make_user("q-admin", (Role.ADMIN, orgs["county"])),
        "both": make_user("q-both", (Role.HANDLER, orgs["town"]),
                          (Role.VILLAGE_SUPERVISOR, orgs["village_b"])),
    }
    today = local_today()
    for title, shift in (("远期", 20), ("临期", 1), ("超期", -2)):
        doc = disclosures.create_draft(people["editor"], disclosures.DisclosureInput(
            organization=orgs["town"], category=Category.RESULT, title=title,
            body_html="正文", formed_on=today))
        disclosures.submit(people["editor"], doc.id)
        db.session.get(Disclosure, doc.id).publish_due = today + timedelta(days=shift)
    db.session.commit()
    for title, steps in (("村务待签署", 1), ("村务待审批", 2)):
        notice = villages.create_draft(people["clerk"], villages.NoticeInput(
            village=orgs["village_a"], category=NoticeCategory.PARTY, title=title,
            body_html="正文", period_start=date(2026, 7, 1), period_end=date(2026, 9, 30)))
        villages.submit(people["clerk"], notice.id)
        if steps == 2:
            villages.sign_off(people["supervisor"], notice.id)
    villages.create_draft(people["clerk"], villages.NoticeInput(
        village=orgs["village_a"], category=NoticeCategory.VILLAGE, title="村务草稿",
        body_html="正文", period_start=date(2026, 10, 1), period_end=date(2026, 12, 31)))
    for title in ("路灯不亮", "道路破损"):
        submission.submit(submission.InquiryInput(
            type=InquiryType.CONSULT, title=title, body="请处理", contact_name="甲",
            contact_phone="13812345678", organization=orgs["town"]),
            tracking.new_submission_token())
    late = db.session.scalar(db.select(Inquiry).where(Inquiry.title == "道路破损"))
    late.sign_due_at = utcnow() - timedelta(days=1)
    people["reviewer"].locked_until = None
    people["editor"].locked_until = utcnow() + timedelta(minutes=10)
    db.session.commit()
    return people


def _home(app, user):
    client = app.test_client()
    response = client.post("/login", data={"username": user.username,
                                           "password": "Passw0rd!demo"})
    if response.headers.get("Location", "").endswith("/login/verify"):
        response = client.post("/login/verify", data={"code": next_totp_code(user)})
    assert response.status_code == 302
    page = client.get("/staff/")
    assert page.status_code == 200
    return client, page.get_data(as_text=True)


def _section(html: str, role: Role) -> tuple[str, list[tuple[str, str, str, str]]]:
    match = re.search(rf'<section class="card work-queue"[^>]*data-role="{role.value}">'
                      r'(.*?)</section>', html, re.S)
    assert match, f"no section for {role}"
    body = match.group(1)
    return body, [(m.group(3).strip(), m.group(1) or "", m.group(4) or "", m.group(2))
                  for m in ITEM.finditer(body)]


def _assert_by_deadline(items):
    dues = [due for _title, _mark, due, _url in items if due]
    assert dues == sorted(dues)


def _links_answer(client, items):
    for _title, _mark, _due, url in items:
        path = urlsplit(url.replace("&amp;", "&"))
        target = path.path + (f"?{path.query}" if path.query else "")
        assert client.get(target).status_code == 200, url


def test_marks():
    today = date(2026, 12, 3)
    assert mark_for(date(2026, 12, 2), today) == OVERDUE
    assert mark_for(date(2026, 12, 6), today) == SOON
    assert mark_for(date(2026, 12, 7), today) == ""
    assert mark_for(None, today) == ""


def test_reviewer_queue(app, world):
    client, html = _home(app, world["reviewer"])
    _body, items = _section(html, Role.REVIEWER)
    titles = [t for t, *_ in items]
    marks = {t: m for t, m, *_ in items}
    assert titles.index("超期") < titles.index("临期") < titles.index("远期")
    assert marks["超期"] == OVERDUE and marks["临期"] == SOON and marks["远期"] == ""
    assert "双塔村：村务待审批" in titles and marks["双塔村：村务待审批"] == OVERDUE
    assert "双塔村：村务待签署" not in titles
    _assert_by_deadline(items)
    _links_answer(client, items)
    assert 'data-role="handler"' not in html


def test_clerk_queue(app, world):
    client, html = _home(app, world["clerk"])
    _body, items = _section(html, Role.VILLAGE_CLERK)
    titles = [t for t, *_ in items]
    assert {"双塔村：村务草稿", "双塔村：村务待签署", "双塔村：村务待审批"} <= set(titles)
    _assert_by_deadline(items)
    _links_answer(client, items)


def test_supervisor_queue(app, world):
    client, html = _home(app, world["supervisor"])
    _body, items = _section(html, Role.VILLAGE_SUPERVISOR)
    assert [t for t, *_ in items] == ["双塔村：村务待签署"]
    _links_answer(client, items)


def test_handler_queue(app, world):
    client, html = _home(app, world["handler"])
    _body, items = _section(html, Role.HANDLER)
    titles = [t.split(" ", 1)[1] for t, *_ in items]
    assert titles[0] == "道路破损"
    assert items[0][1] == OVERDUE
    assert "路灯不亮" in titles
    _links_answer(client, items)


def test_inspector_sees_red_cases(app, world):
    client, html = _home(app, world["inspector"])
    _body, items = _section(html, Role.INSPECTOR)
    assert (items[0][0].split(" ", 1)[1], items[0][1]) == ("道路破损", OVERDUE)
    _links_answer(client, items)


def test_admin_sees_locked_accounts(app, world):
    client, html = _home(app, world["admin"])
    _body, items = _section(html, Role.ADMIN)
    assert "q-editor（q-editor）" in [t for t, *_ in items]
    _links_answer(client, items)


def test_several_roles_each_section_and_empty_says_so(app, world):
    _client, html = _home(app, world["both"])
    _body, handled = _section(html, Role.HANDLER)
    assert handled
    body, signed = _section(html, Role.VILLAGE_SUPERVISOR)
    assert signed == [] and "没有等待签署的公开事项。" in body
    assert 'data-role="reviewer"' not in html


def _statements(app, client) -> int:
    from sqlalchemy import event

    count = 0

    def counted(_conn, _cursor, statement, *_args):
        nonlocal count
        count += statement.lstrip().upper().startswith(("SELECT", "WITH"))

    db.session.expire_all()  # as in a fresh request: nothing left loaded by the test
    engine = db.engine
    event.listen(engine, "before_cursor_execute", counted)
    try:
        assert client.get("/staff/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count


def test_more_items_take_no_more_queries(app, orgs, world):
    clients = {who: _home(app, world[who])[0] for who in ("reviewer", "handler", "admin")}
    for client in clients.values():  # the first load fills per-process caches
        _statements(app, client)
    before = {who: _statements(app, client) for who, client in clients.items()}
    for n in range(5):
        doc = disclosures.create_draft(world["editor"], disclosures.DisclosureInput(
            organization=orgs["town"], category=Category.RESULT, title=f"又一件{n}",
            body_html="正文", formed_on=local_today()))
        disclosures.submit(world["editor"], doc.id)
        submission.submit(submission.InquiryInput(
            type=InquiryType.CONSULT, title=f"又一条{n}", body="请处理", contact_name="甲",
            contact_phone="13812345678", organization=orgs["town"]),
            tracking.new_submission_token())
    assert {who: _statements(app, client) for who, client in clients.items()} == before
