"""A deactivated (撤并) unit keeps its history but takes nothing new."""

from datetime import date

import pytest

from portal.auth.models import Role
from portal.auth.system import SYSTEM
from portal.disclosures import queries as disclosure_queries
from portal.disclosures import services as disclosures
from portal.disclosures.models import Category
from portal.errors import ValidationError
from portal.inquiries import submission, tracking, workflow
from portal.inquiries.models import InquiryType
from portal.organizations import services
from portal.villages import schedule


def _inquiry(org, village=None):
    return submission.submit(submission.InquiryInput(
        type=InquiryType.CONSULT, title="路灯", body="村口路灯不亮", contact_name="甲",
        contact_phone="13812345678", organization=org, village=village),
        tracking.new_submission_token()).inquiry


def test_no_new_inquiries_for_a_deactivated_village(orgs):
    services.set_active(SYSTEM, orgs["village_b"].id, False)

    with pytest.raises(ValidationError, match="“双塔镇王堂村”已撤并，不再受理留言"):
        _inquiry(orgs["town"], orgs["village_b"])
    assert _inquiry(orgs["town"], orgs["village_a"]).village is orgs["village_a"]


def test_no_transfer_to_a_deactivated_unit(orgs, make_user):
    handler = make_user("handler", (Role.HANDLER, orgs["county"]))
    inquiry = _inquiry(orgs["town"])
    services.set_active(SYSTEM, orgs["finance"].id, False)

    with pytest.raises(ValidationError, match="已停用，不能转办"):
        workflow.transfer(handler, inquiry.id, orgs["finance"], "财政事项")


def test_its_published_documents_stay_public_and_it_leaves_the_editors_list(orgs, make_user):
    editor = make_user("editor", (Role.EDITOR, orgs["town"]))
    reviewer = make_user("reviewer", (Role.REVIEWER, orgs["town"]))
    doc = disclosures.create_draft(editor, disclosures.DisclosureInput(
        organization=orgs["finance"], category=Category.RESULT, title="2026年预算公开",
        body_html="正文", formed_on=date(2026, 1, 5)))
    disclosures.submit(editor, doc.id)
    disclosures.approve(reviewer, doc.id)
    disclosures.publish(editor, doc.id)

    services.set_active(SYSTEM, orgs["finance"].id, False)

    assert doc.is_public and doc.organization is orgs["finance"]
    assert orgs["finance"] not in disclosure_queries.editable_organizations(editor)
    assert disclosure_queries.editable_organizations(editor, orgs["finance"])[0] is \
        orgs["finance"]  # its own documents can still be revised


def test_a_deactivated_village_owes_no_postings(orgs):
    services.set_active(SYSTEM, orgs["village_b"].id, False)

    assert schedule.villages_in(orgs["town"]) == [orgs["village_a"]]


def test_public_navigation_leaves_it_out(orgs, client):
    services.set_active(SYSTEM, orgs["village_b"].id, False)

    sitemap, feeds = client.get("/sitemap.xml"), client.get("/feeds/")

    assert sitemap.status_code == feeds.status_code == 200
    assert "shuangta-cun" in sitemap.get_data(as_text=True)
    assert "wangtang" not in sitemap.get_data(as_text=True)
    assert "双塔村" in feeds.get_data(as_text=True)
    assert "王堂村" not in feeds.get_data(as_text=True)
