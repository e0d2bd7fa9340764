"""Open311 GeoReport v2: services, requests (GET, POST with an API key), one request, in
JSON and XML; the round trip from a POST to a published reply."""

import xml.etree.ElementTree as ET
from datetime import datetime

import sqlalchemy as sa

from portal.audit.models import AuditEvent, RefusalTally
from portal.extensions import db
from portal.inquiries import submission, workflow
from portal.inquiries.models import Inquiry, Status
from portal.open311 import keys
from portal.timeutil import to_local

URL = "/open311/v2"


def form(key: str | None, **changes) -> dict:
    fields = {"service_code": "consult", "address_id": "shuangta-cun",
              "description": "想咨询低保怎么申请，电话13812345678。", "first_name": "大爷",
              "last_name": "王", "phone": "13912345678", "attribute[consent_publish]": "true"}
    if key is not None:
        fields["api_key"] = key
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def test_services_in_json_and_xml(client):
    services = client.get(f"{URL}/services.json").get_json()
    codes = [s["service_code"] for s in services]
    assert codes == ["consult", "suggest", "complaint", "help", "report"]
    assert all(s["type"] == "batch" and s["metadata"] is True for s in services)
    root = ET.fromstring(client.get(f"{URL}/services.xml").data)
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == codes
    assert root.find("service/metadata").text == "true"
    assert client.get(f"{URL}/services.csv").status_code == 404


def test_post_without_a_key_is_403(client, orgs):
    response = client.post(f"{URL}/requests.json", data=form(None))
    assert response.status_code == 403
    [error] = response.get_json()
    assert error["code"] == 403 and "api_key" in error["description"]
    wrong = client.post(f"{URL}/requests.xml", data=form("0000.guess"))
    assert wrong.status_code == 403
    assert ET.fromstring(wrong.data).find("error/code").text == "403"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Inquiry)) == 0
    # Anonymous refusals are counted; the first of the window is also an audit event.
    rejected = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.action == "open311.key_reject")).all()
    assert len(rejected) == 1
    counted = db.session.scalar(sa.select(sa.func.sum(RefusalTally.count)).where(
        RefusalTally.kind == "open311.key_reject"))
    assert counted == 2


def test_a_revoked_key_stops_working(client, api_key):
    row, key = api_key
    from portal.auth.system import SYSTEM

    keys.revoke_key(SYSTEM, row.id)
    assert client.post(f"{URL}/requests.json", data=form(key)).status_code == 403


def test_malformed_fields_are_each_listed(client, api_key):
    _row, key = api_key
    response = client.post(f"{URL}/requests.json", data=form(
        key, service_code="", address_id="atlantis", description="",
        phone="12345", email="not-an-address"))
    assert response.status_code == 400
    described = " ".join(e["description"] for e in response.get_json())
    for name in ("service_code", "location", "description", "phone", "email"):
        assert f"{name}:" in described, name
    assert len(response.get_json()) == 5


def test_an_unknown_service_is_404_and_information_requests_are_not_services(client, api_key):
    _row, key = api_key
    response = client.post(f"{URL}/requests.json", data=form(key, service_code="info_request"))
    assert response.status_code == 404
    assert "service_code" in response.get_json()[0]["description"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Inquiry)) == 0


def test_round_trip(client, api_key, people):
    _row, key = api_key
    response = client.post(f"{URL}/requests.json", data=form(key))
    assert response.status_code == 201
    [created] = response.get_json()
    assert "service_request_id" not in created
    token = created["token"]
    [named] = client.get(f"{URL}/tokens/{token}.json").get_json()
    number = named["service_request_id"]
    inquiry = submission.find_by_code(token)
    assert inquiry.number == number and inquiry.village.slug == "shuangta-cun"
    assert inquiry.organization.slug == "shuangta" and inquiry.consent_publish
    # Not public until answered and published.
    assert client.get(f"{URL}/requests.json").get_json() == []
    assert client.get(f"{URL}/requests/{number}.json").status_code == 404
    workflow.sign(people["handler"], inquiry.id)
    workflow.reply(people["handler"], inquiry.id, "请到村委会申请，联系电话13800001111。",
                   publish=True)
    listed = client.get(f"{URL}/requests.json").get_json()
    assert [r["service_request_id"] for r in listed] == [number]
    [one] = client.get(f"{URL}/requests/{number}.json").get_json()
    assert one["status"] == "open"
    assert "138****1111" in one["status_notes"] and "13800001111" not in one["status_notes"]
    assert "13812345678" not in one["description"]
    assert one["agency_responsible"] == "双塔镇"
    assert one["address"] == "双塔镇双塔村" and one["address_id"] == "shuangta-cun"
    expected = datetime.fromisoformat(one["expected_datetime"])
    assert expected == to_local(db.session.get(Inquiry, inquiry.id).reply_due_at)
    assert expected.utcoffset().total_seconds() == 8 * 3600
    workflow.close(people["handler"], inquiry.id)
    [closed] = client.get(f"{URL}/requests/{number}.json").get_json()
    assert closed["status"] == "closed"
    assert client.get(f"{URL}/requests.json?status=open").get_json() == []


def test_xml_requests_parse(client, corpus):
    root = ET.fromstring(client.get(f"{URL}/requests.xml").data)
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert request.findtext("service_code") == "consult"
    assert request.findtext("status") in ("open", "closed")
    number = request.findtext("service_request_id")
    one = ET.fromstring(client.get(f"{URL}/requests/{number}.xml").data)
    assert one.find("request/service_request_id").text == number


def test_request_filters(client, corpus):
    number = db.session.get(Inquiry, corpus.ids["R1"]).number
    assert len(client.get(f"{URL}/requests.json?service_request_id={number},bad").get_json()) == 1
    assert client.get(f"{URL}/requests.json?service_request_id=bad").get_json() == []
    assert len(client.get(f"{URL}/requests.json?service_code=consult").get_json()) == 1
    assert client.get(f"{URL}/requests.json?service_code=help").get_json() == []
    assert client.get(f"{URL}/requests.json?start_date=2001-01-01T00:00:00Z"
                      "&end_date=2001-03-31T00:00:00Z").get_json() == []
    bad = client.get(f"{URL}/requests.json?status=lost")
    assert bad.status_code == 400 and bad.get_json()[0]["code"] == 400
    assert client.get(f"{URL}/requests.json?start_date=yesterday").status_code == 400
    too_long = client.get(f"{URL}/requests.json?start_date=2001-01-01T00:00:00Z"
                          "&end_date=2001-12-31T00:00:00Z")
    assert too_long.status_code == 400  # the spec: a range may not span more than 90 days
    assert client.get(f"{URL}/requests.json?service_code=nothing").status_code == 404
    assert client.get(f"{URL}/requests/%00.json").status_code == 404


def test_the_same_idempotency_key_files_once(client, api_key):
    _row, key = api_key
    headers = {"Idempotency-Key": "hotline-2026-0001"}
    first = client.post(f"{URL}/requests.json", data=form(key), headers=headers)
    again = client.post(f"{URL}/requests.json", data=form(key), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()[0]["token"]
    assert first.get_json() == again.get_json()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Inquiry)) == 1


def test_submissions_are_audited_with_the_client(client, api_key):
    row, key = api_key
    client.post(f"{URL}/requests.json", data=form(key))
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "open311.request"))
    assert event is not None and "县12345热线" in str(event.after)
    db.session.refresh(row)
    assert row.last_used_at is not None


def test_csrf_does_not_apply_but_other_forms_keep_it(app, client, api_key):
    _row, key = api_key
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"{URL}/requests.json", data=form(key)).status_code == 201
    assert client.post("/inquiries/track", data={"code": "x"}).status_code == 400


def test_village_address_must_be_a_town_or_village(client, api_key):
    _row, key = api_key
    response = client.post(f"{URL}/requests.json", data=form(key, address_id="shuangta-office"))
    assert response.status_code == 400
    assert "location:" in response.get_json()[0]["description"]
    town = client.post(f"{URL}/requests.json", data=form(key, address_id="shuangta"))
    assert town.status_code == 201
    inquiry = db.session.scalar(sa.select(Inquiry))
    assert inquiry.village is None and inquiry.status is Status.RECEIVED


def test_a_place_named_only_by_coordinates_goes_to_the_first_town_to_be_passed_on(client,
                                                                                  api_key):
    _row, key = api_key
    response = client.post(f"{URL}/requests.json", data=form(
        key, address_id=None, lat="34.651234", long="115.145678"))
    assert response.status_code == 201
    inquiry = db.session.scalar(sa.select(Inquiry))
    assert inquiry.organization.slug == "shuangta" and inquiry.village is None
    assert "34.651234, 115.145678" in inquiry.body
    assert "转办" in inquiry.events[0].message


def test_an_address_string_naming_a_town_routes_there(client, api_key):
    _row, key = api_key
    response = client.post(f"{URL}/requests.json", data=form(
        key, address_id=None, address_string="花园乡政府门口"))
    assert response.status_code == 201
    inquiry = db.session.scalar(sa.select(Inquiry))
    assert inquiry.organization.slug == "huayuan"
    assert inquiry.body.startswith("地点：花园乡政府门口")
    assert "转办" not in inquiry.events[0].message


def test_without_contact_details_the_request_is_taken(client, api_key):
    _row, key = api_key
    response = client.post(f"{URL}/requests.json", data=form(
        key, first_name=None, last_name=None, phone=None))
    assert response.status_code == 201
    inquiry = db.session.scalar(sa.select(Inquiry))
    assert inquiry.contact_name == "" and inquiry.contact_phone == ""
