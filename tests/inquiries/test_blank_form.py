"""The inquiry form a visit starts with is kept rendered per worker, yet every visit gets
tokens of its own, and the form follows changes to the towns and villages at once."""

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.inquiries.models import Inquiry
from portal.organizations.models import OrgKind
from portal.organizations.services import build_organization
from portal.pagecache import blank_forms

MARKS = (blank_forms.CSRF_MARK, blank_forms.TOKEN_MARK)


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture(autouse=True)
def nothing_kept():
    blank_forms.forget()
    yield
    blank_forms.forget()


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)


def visit(client, query=""):
    response = client.get("/inquiries/new" + query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert not any(mark in page for mark in MARKS)
    return page


def send(client, page, title):
    return client.post("/inquiries/new", data={
        "csrf_token": hidden(page, "csrf_token"),
        "submission_token": hidden(page, "submission_token"),
        "type": "consult", "place": "village:shuangta-cun", "title": title,
        "body": "村东头的路灯坏了。", "contact_name": "李奶奶",
        "contact_phone": "13812345678", "website": ""})


def test_every_visit_gets_its_own_tokens_and_each_goes_through(app, orgs):
    first, second = app.test_client(), app.test_client()
    pages = [visit(first), visit(second), visit(first)]
    assert len({hidden(p, "submission_token") for p in pages}) == 3
    assert hidden(pages[0], "csrf_token") != hidden(pages[1], "csrf_token")
    assert len(blank_forms._pages) == 1  # one page kept, three visits served from it
    for client, page, title in ((first, pages[0], "路灯一"), (second, pages[1], "路灯二"),
                                (first, pages[2], "路灯三")):
        response = send(client, page, title)
        assert response.status_code == 200 and "tracking-code" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 3


def test_a_token_from_another_visitor_is_refused(app, orgs):
    first, second = app.test_client(), app.test_client()
    page = visit(first)
    visit(second)
    response = send(second, page, "别人的表单")  # the CSRF token belongs to the first
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 0


def test_a_new_village_is_offered_on_the_next_visit(app, client, orgs):
    assert "新建村" not in visit(client)
    build_organization(name="新建村", slug="xinjian", kind=OrgKind.VILLAGE,
                       parent=orgs["town"])
    db.session.commit()
    assert 'value="village:xinjian"' in visit(client)


def test_each_link_and_mode_gets_its_own_form(app, client, orgs):
    assert "身份证" not in visit(client)
    assert "身份证" in visit(client, "?type=info_request")
    assert re.search(r'<option selected value="village:wangtang">',
                     visit(client, "?village=wangtang"))
    client.set_cookie("elderly", "1")
    assert 'class="elderly"' in visit(client)


def test_signed_in_staff_see_their_own_header(app, client, orgs, make_user, login):
    visit(app.test_client())
    app.config["WTF_CSRF_ENABLED"] = False  # the fixture signs in without a form token
    login(make_user("clerk"))
    app.config["WTF_CSRF_ENABLED"] = True
    assert "工作台（clerk）" in visit(client)


def test_a_query_string_that_repeats_a_mark_gets_a_whole_page(app, client, orgs):
    response = client.get("/inquiries/new?type=" + blank_forms.TOKEN_MARK)
    page = response.get_data(as_text=True)
    assert hidden(page, "submission_token") != blank_forms.TOKEN_MARK
    assert not blank_forms._pages
    assert send(client, page, "路灯").status_code == 200
