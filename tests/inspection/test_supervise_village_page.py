"""督办 of a village's missed posting: the dashboard links each lapse to a form page that
keeps what was typed when it is refused, and shows the link only to whoever may issue it."""

import html
import re
from datetime import date, timedelta

from sqlalchemy import select

from portal.auth.models import Role
from portal.extensions import db
from portal.inspection.models import SupervisionNotice
from portal.timeutil import local_today
from portal.villages import schedule

LINK = re.compile(r'href="(/inspect/supervise/village\?[^"]+)"')


def _behind(orgs) -> None:
    """双塔村 has had posting rules since January and posted nothing: it is behind."""
    db.session.add_all(schedule.default_rules(orgs["village_a"], date(2026, 1, 1)))
    db.session.commit()


def test_a_lapse_links_to_a_filled_in_form_that_issues_the_notice(client, login, inspector,
                                                                   orgs):
    _behind(orgs)
    login(inspector)
    links = LINK.findall(client.get("/inspect/").get_data(as_text=True))
    assert links
    page = client.get(html.unescape(links[0]))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "督办：" in text and "双塔村" in text
    subject = re.search(r'name="subject"[^>]*value="([^"]*)"', text).group(1)
    assert subject.startswith("双塔村")

    due = (local_today() + timedelta(days=7)).isoformat()
    response = client.post(html.unescape(links[0]), data={
        "village": "shuangta-cun", "subject": html.unescape(subject),
        "content": "请说明未公开的原因。", "answer_due_on": due})
    assert response.status_code == 303 and response.headers["Location"] == "/inspect/"
    notice = db.session.scalars(select(SupervisionNotice)).one()
    assert (notice.organization_id, notice.content, notice.answer_due_on.isoformat()) == (
        orgs["village_a"].id, "请说明未公开的原因。", due)
    assert "已发出督办通知" in client.get("/inspect/").get_data(as_text=True)


def test_a_refused_notice_keeps_what_was_typed_and_saves_nothing(client, login, inspector,
                                                                 orgs):
    login(inspector)
    past = (local_today() - timedelta(days=1)).isoformat()
    for data, message in (({"answer_due_on": past}, "答复期限不能早于今天"),
                          ({"answer_due_on": ""}, "请填写答复期限"),
                          ({"content": ""}, "督办要求")):
        form = {"village": "wangtang", "subject": "王堂村财务公开：第三季度未公开",
                "content": "请在三日内公开第三季度收支明细。",
                "answer_due_on": (local_today() + timedelta(days=3)).isoformat()} | data
        response = client.post("/inspect/supervise/village", data=form)
        text = response.get_data(as_text=True)
        assert response.status_code in (400, 422), text
        assert message in text
        assert "王堂村财务公开：第三季度未公开" in text
        if form["content"]:
            assert "请在三日内公开第三季度收支明细。" in text
    assert db.session.scalars(select(SupervisionNotice)).all() == []


def test_an_unknown_village_is_not_found(client, login, inspector, orgs):
    login(inspector)
    assert client.get("/inspect/supervise/village?village=nowhere").status_code == 404
    assert client.get("/inspect/supervise/village").status_code == 404
    assert client.post("/inspect/supervise/village", data={
        "village": "nowhere", "subject": "x", "content": "x",
        "answer_due_on": local_today().isoformat()}).status_code == 404


def test_an_administrator_sees_the_lapses_but_no_supervision_link(client, login, make_user,
                                                                  orgs):
    _behind(orgs)
    admin = make_user("guanli", (Role.ADMIN, orgs["county"]))
    login(admin)
    page = client.get("/inspect/").get_data(as_text=True)
    assert "双塔村" in page and "村务未按期公开" in page
    assert not LINK.findall(page)
