"""Object scope over HTTP: the right role on the wrong organization gets 403 or 404, and
never the object. (The route gate is tests/test_access_matrix.py; this is the fine check
each service makes with `require(actor, role, organization)`.)"""

from __future__ import annotations

import io
from datetime import date

import pytest
from werkzeug.datastructures import FileStorage

from portal.auth.models import Role
from tests.sample_files import PDF
from tests.test_access_matrix import draft_input_factory, world  # noqa: F401 (fixtures)

REFUSED = {403, 404}


@pytest.fixture
def town_objects(orgs, make_user):
    """A draft disclosure with an attachment, an inquiry and a village notice with a file,
    all belonging to 双塔镇 / 双塔村."""
    from portal.disclosures import services as disclosures
    from portal.disclosures.models import Category
    from portal.inquiries import submission, tracking
    from portal.inquiries.models import InquiryType
    from portal.villages import services as villages
    from portal.villages.models import NoticeCategory

    editor = make_user("town-editor", (Role.EDITOR, orgs["town"]))
    draft = disclosures.create_draft(editor, disclosures.DisclosureInput(
        organization=orgs["town"], category=Category.RESULT, title="镇内部草稿",
        body_html="正文", formed_on=date(2026, 11, 2)))
    disclosures.add_attachments(editor, draft.id, [FileStorage(io.BytesIO(PDF), "a.pdf")])
    inquiry = submission.submit(submission.InquiryInput(
        type=InquiryType.CONSULT, title="镇留言", body="正文", contact_name="甲",
        contact_phone="13812345678", organization=orgs["town"]),
        tracking.new_submission_token()).inquiry
    clerk = make_user("clerk-a", (Role.VILLAGE_CLERK, orgs["village_a"]))
    notice = villages.create_draft(clerk, villages.NoticeInput(
        village=orgs["village_a"], category=NoticeCategory.PARTY, title="双塔村草稿",
        body_html="正文", period_start=date(2026, 7, 1), period_end=date(2026, 9, 30)))
    return {"draft": draft, "file_id": draft.attachments[0].stored_file_id,
            "inquiry": inquiry, "notice": notice}


def test_another_towns_editor_cannot_see_a_draft_or_its_attachment(client, login, make_user,
                                                                   orgs, town_objects):
    login(make_user("huayuan-editor", (Role.EDITOR, orgs["other_town"])))
    draft = town_objects["draft"]
    page = client.get(f"/staff/disclosures/{draft.id}")
    assert page.status_code in REFUSED and "镇内部草稿" not in page.get_data(as_text=True)
    file = client.get(f"/staff/disclosures/{draft.id}/attachments/{town_objects['file_id']}")
    assert file.status_code in REFUSED and file.data != PDF


def test_a_draft_and_its_attachment_are_not_public(client, town_objects):
    draft = town_objects["draft"]
    assert client.get(f"/disclosures/{draft.id}").status_code == 404
    file = client.get(f"/disclosures/{draft.id}/attachments/{town_objects['file_id']}")
    assert file.status_code == 404 and file.data != PDF


def test_another_towns_handler_cannot_open_an_inquiry(client, login, make_user, orgs,
                                                      town_objects):
    login(make_user("huayuan-handler", (Role.HANDLER, orgs["other_town"])))
    inquiry = town_objects["inquiry"]
    page = client.get(f"/staff/inquiries/{inquiry.id}")
    assert page.status_code in REFUSED and "13812345678" not in page.get_data(as_text=True)
    signed = client.post(f"/staff/inquiries/{inquiry.id}/sign")
    assert signed.status_code in REFUSED


def test_another_villages_clerk_cannot_open_a_notice(client, login, make_user, orgs,
                                                     town_objects):
    login(make_user("clerk-b", (Role.VILLAGE_CLERK, orgs["village_b"])))
    notice = town_objects["notice"]
    page = client.get(f"/staff/villages/{notice.id}")
    assert page.status_code in REFUSED and "双塔村草稿" not in page.get_data(as_text=True)
    assert client.post(f"/staff/villages/{notice.id}/submit").status_code in REFUSED
    public = client.get(f"/villages/{orgs['village_a'].slug}/notices/{notice.id}")
    assert public.status_code == 404  # a draft is nobody's public page


OBJECT_IDS = ("disclosure_id", "notice_id", "inquiry_id", "consultation_id", "comment_id",
              "task_id", "milestone_id", "user_id", "dispute_id")


def test_another_towns_staff_learn_nothing_from_any_action(app, client, make_user, orgs,
                                                            request):
    """Every POST on one of 双塔镇's objects, by someone who holds every role in 花园乡: a
    403 or 404, never a 409 that would tell the object's state, never a success."""
    from tests.test_access_matrix import _sign_in, _url_values

    objects = request.getfixturevalue("world")
    from portal.extensions import db
    from portal.organizations.models import OrgKind
    from portal.organizations.services import build_organization

    hamlet = build_organization(name="花园村", slug="huayuan-cun", kind=OrgKind.VILLAGE,
                                parent=orgs["other_town"])
    db.session.commit()
    village_roles = (Role.VILLAGE_CLERK, Role.VILLAGE_SUPERVISOR, Role.GRID_WORKER)
    outsider = make_user("huayuan-all", *[
        (role, hamlet if role in village_roles else orgs["other_town"]) for role in Role])
    _sign_in(client, outsider)
    answers = {}
    from portal.access import PUBLIC, ROUTE_POLICY

    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or not set(OBJECT_IDS) & set(rule.arguments) \
                or ROUTE_POLICY[rule.endpoint] == PUBLIC:
            continue
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **_url_values(rule, objects))
        answers[rule.endpoint] = client.post(url, data={
            "reason": "试探", "text": "试探", "comment": "试探", "content": "试探",
            "answer_due_on": "2099-01-05", "days": "5"}).status_code
    assert len(answers) > 30
    assert {name: status for name, status in answers.items() if status not in REFUSED} == {}
