"""The resident's form forgives: every problem shown at once, linked from a summary atop
the form; fixing a mistake costs nothing of the submission limit; a limit reached keeps
what was typed; a village's page hands its village to the form."""

import re

import pytest
from flask import request_started

from portal.extensions import db
from tests.inquiries.test_public_pages import count, fields, form_page

SUMMARY = re.compile(r'<div class="error-summary".*?</div>', re.S)


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True,
            "RATELIMIT_INQUIRY_SUBMIT": "3 per 10 minutes",
            "RATELIMIT_SUBMIT_REFUSED": "8 per 10 minutes"}


def _commit_between_requests(sender, **_extra):
    # Test requests share one session; release SQLite's write lock as production would.
    db.session.commit()


@pytest.fixture
def app(app):
    request_started.connect(_commit_between_requests, app)
    return app


def _summary_links(page: str) -> list[tuple[str, str]]:
    summary = SUMMARY.search(page)
    assert summary, "no error summary"
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(0))


def _input_tag(page: str, element_id: str) -> str:
    found = re.search(rf'<(?:input|select|textarea)\b[^>]*\bid="{re.escape(element_id)}"[^>]*>',
                      page)
    assert found, f"no field with id {element_id}"
    return found.group(0)


def test_five_problems_are_shown_at_once_each_linked_from_the_summary(client, orgs):
    _, token = form_page(client)
    response = client.post("/inquiries/new", data=fields(
        token, place="", title="", body="", contact_name="", contact_phone="12345",
        notify_channel="email", notify_email="不是邮箱"))
    page = response.get_data(as_text=True)

    assert response.status_code == 400
    links = _summary_links(page)
    assert "提交前请修改以下 6 处问题" in page
    assert [target for target, _ in links] == ["place", "title", "body", "contact_name",
                                               "contact_phone", "notify_email"]
    for target, message in links:
        tag = _input_tag(page, target)
        assert 'aria-invalid="true"' in tag
        assert f'aria-describedby="{target}-error"' in tag or f"{target}-error" in tag
        assert f'id="{target}-error"' in page
        assert message in page.split('class="error-summary"')[1].split("</div>", 1)[1] \
            or message.split("：")[-1] in page
    assert 'value="12345"' in page and "不是邮箱" in page  # what was typed stays
    assert "/static/js/forms.js" in page
    assert count() == 0


def test_an_application_shows_every_problem_in_the_order_of_the_page(client, orgs):
    _, token = form_page(client, "?type=info_request")
    response = client.post("/inquiries/new", data=fields(
        token, type="info_request", title="", id_number="410421199001011234", contact_phone="1",
        address="", postal_code="47650", description="", acquisition="mail",
        applicant_kind="citizen", id_type="resident_id", delivery_form="paper"))
    page = response.get_data(as_text=True)

    targets = [target for target, _ in _summary_links(page)]
    # In the page's order: the application's fields come before the contact details.
    assert targets == ["title", "id_number", "address", "postal_code", "description",
                       "contact_phone"]
    for target in targets:
        _input_tag(page, target)
    assert 'value="410421199001011234"' in page and 'value="47650"' in page


def test_a_radio_group_is_linked_at_its_first_button(client, orgs):
    _, token = form_page(client)
    page = client.post("/inquiries/new", data=fields(token, notify_channel="pigeon")
                       ).get_data(as_text=True)

    [(target, message)] = _summary_links(page)
    assert target == "notify_channel-0" and "通知" in message
    assert 'aria-invalid="true"' in _input_tag(page, "notify_channel-0")


def test_mistakes_do_not_use_up_the_submission_limit(client, orgs):
    for _ in range(6):
        _, token = form_page(client)
        assert client.post("/inquiries/new", data=fields(token, contact_phone="123")
                           ).status_code == 400
    _, token = form_page(client)

    response = client.post("/inquiries/new", data=fields(token))

    assert response.status_code == 200 and "您的留言已受理" in response.get_data(as_text=True)
    assert count() == 1


def test_over_the_limit_the_form_comes_back_as_typed_with_when_to_retry(client, orgs):
    for n in range(3):
        _, token = form_page(client)
        assert client.post("/inquiries/new", data=fields(token, title=f"第{n}件")
                           ).status_code == 200
    _, token = form_page(client)

    response = client.post("/inquiries/new", data=fields(
        token, title="第四件：村口排水沟堵了", body="下雨天积水到膝盖，请尽快疏通。"))

    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 600
    assert "提交次数已达上限" in page and "分钟后" in page
    assert 'value="第四件：村口排水沟堵了"' in page
    assert "下雨天积水到膝盖，请尽快疏通。</textarea>" in page
    assert f'value="{token}"' in page  # the same form can be sent once the wait is over
    assert count() == 3


def test_endless_refusals_are_limited_too_and_keep_the_text(client, orgs):
    statuses = []
    for _ in range(9):
        _, token = form_page(client)
        statuses.append(client.post("/inquiries/new", data=fields(token, contact_phone="1")
                                    ).status_code)
    assert statuses == [400] * 8 + [429]
    _, token = form_page(client)

    response = client.post("/inquiries/new", data=fields(token, title="这次填对了"))

    assert response.status_code == 429 and "Retry-After" in response.headers
    assert 'value="这次填对了"' in response.get_data(as_text=True)
    assert count() == 0


def test_a_village_page_links_to_the_form_with_its_village_chosen(client, orgs):
    board = client.get("/villages/shuangta-cun/").get_data(as_text=True)
    link = re.search(r'href="(/inquiries/new\?village=shuangta-cun)"[^>]*>我要留言/反映问题',
                     board)
    assert link

    page, token = form_page(client, "?village=shuangta-cun")

    assert re.search(r'<option selected value="village:shuangta-cun">|'
                     r'<option value="village:shuangta-cun" selected>', page)
    assert 'href="/inquiries/new?type=info_request&amp;village=shuangta-cun"' in page
    receipt = client.post("/inquiries/new", data=fields(token, place="village:shuangta-cun"))
    text = receipt.get_data(as_text=True)
    assert receipt.status_code == 200 and "双塔镇双塔村" in text
    code = re.search(r'class="tracking-code"[^>]*>([0-9A-Z-]{19})<', text).group(1)
    client.post("/inquiries/track", data={"code": code})
    assert "双塔镇双塔村" in client.get("/inquiries/track/status").get_data(as_text=True)


@pytest.mark.parametrize("value", ["atlantis", "shuangta", "../x", "9" * 300, "village:wangtang"])
def test_an_unknown_village_leaves_the_choice_to_the_person(client, orgs, value):
    response = client.get("/inquiries/new", query_string={"village": value})

    assert response.status_code == 200
    selected = re.findall(r"<option[^>]*selected[^>]*>", response.get_data(as_text=True))
    assert selected == ['<option selected value="">']  # 请选择乡镇或村
