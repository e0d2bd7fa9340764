"""A client written from the text of GeoReport v2 (wiki.open311.org/GeoReport_v2) and
Service Discovery (wiki.open311.org/Service_Discovery), not from our code: every method in
XML and JSON, the location alternatives, optional contact fields, token or id (never both),
the error list, content types and conditional GETs.

The XML is read the spec's way (arrays are the elements marked ⇊ in its tables) and must
say the same as the JSON, which is its Spark-convention mapping.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest

from portal.auth.system import SYSTEM
from portal.inquiries import workflow
from portal.inquiries.submission import find_by_code
from portal.open311 import keys

ENDPOINT = "/open311/v2"
FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
ARRAYS = {"services", "service_requests", "errors", "attributes", "values", "endpoints",
          "formats"}
REQUEST_FIELDS = ("service_request_id", "status", "status_notes", "service_name",
                  "service_code", "description", "agency_responsible", "service_notice",
                  "requested_datetime", "updated_datetime", "expected_datetime", "address",
                  "address_id")


def from_xml(element: ET.Element):
    """An XML element as the JSON the Spark convention maps it to (text values)."""
    children = list(element)
    if element.tag in ARRAYS:
        return [from_xml(child) for child in children]
    if not children:
        return element.text or None
    return {child.tag: from_xml(child) for child in children}


def as_text(value):
    """JSON values as the XML carries them: text, with null and "" alike."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    return None if value in (None, "") else str(value)


class GeoReportClient:
    """What an integrator would write from the spec: one method per API method."""

    def __init__(self, http, fmt: str):
        self.http, self.fmt = http, fmt

    def _read(self, response):
        assert response.headers["Content-Type"] == CONTENT_TYPES[self.fmt], response.headers
        if self.fmt == "xml":
            assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
            return from_xml(ET.fromstring(response.data))
        return as_text(response.get_json())

    def get(self, path: str, **params):
        query = f"?{urlencode(params)}" if params else ""
        response = self.http.get(f"{ENDPOINT}/{path}.{self.fmt}{query}")
        return response, self._read(response)

    def discovery(self):
        return self.get("discovery")

    def services(self):
        return self.get("services")

    def service_definition(self, code: str):
        return self.get(f"services/{code}")

    def post_request(self, **fields):
        response = self.http.post(f"{ENDPOINT}/requests.{self.fmt}", data=fields,
                                  content_type="application/x-www-form-urlencoded; "
                                               "charset=utf-8")
        return response, self._read(response)

    def token(self, token: str):
        return self.get(f"tokens/{token}")

    def requests(self, **params):
        return self.get("requests", **params)

    def request(self, service_request_id: str, **params):
        return self.get(f"requests/{service_request_id}", **params)


@pytest.fixture(params=FORMATS)
def georeport(request, client):
    return GeoReportClient(client, request.param)


@pytest.fixture
def key(orgs):
    return keys.issue_key(SYSTEM, "县12345热线")[1]


def assert_errors(response, body, status: int) -> None:
    """The spec's error answer: the HTTP status, and a list of {code, description}."""
    assert response.status_code == status, body
    assert isinstance(body, list) and body
    for error in body:
        assert set(error) == {"code", "description"} and error["description"]
    assert body[0]["code"] == str(status)


def test_discovery(georeport):
    response, document = georeport.discovery()
    assert response.status_code == 200
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(document)
    [endpoint] = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith(ENDPOINT) and endpoint["type"] in ("production", "test")
    assert endpoint["changeset"] and set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert "依申请公开" in document["contact"]


def test_service_list_and_definitions(georeport):
    response, services = georeport.services()
    assert response.status_code == 200 and services
    for service in services:
        assert {"service_code", "service_name", "description", "metadata", "type",
                "keywords", "group"} <= set(service)
        assert service["metadata"] in ("true", "false")
        assert service["type"] in ("realtime", "batch", "blackbox")
        if service["metadata"] == "true":
            answer, definition = georeport.service_definition(service["service_code"])
            assert answer.status_code == 200
            assert definition["service_code"] == service["service_code"]
            orders = [int(a["order"]) for a in definition["attributes"]]
            assert len(set(orders)) == len(orders) and min(orders) >= 1
            for attribute in definition["attributes"]:
                assert attribute["variable"] in ("true", "false") and attribute["code"]
                assert attribute["required"] in ("true", "false")
                assert attribute["datatype"] in ("string", "number", "datetime", "text",
                                                 "singlevaluelist", "multivaluelist")
    codes = [s["service_code"] for s in services]
    assert "info_request" not in codes  # 依申请公开 needs the applicant's identity
    assert any("依申请公开" in (s["description"] or "") for s in services)
    assert_errors(*georeport.service_definition("no-such-service"), 404)


@pytest.mark.parametrize("location", [
    {"lat": "34.6512", "long": "115.1450"},
    {"address_string": "双塔镇王堂村村口"},
    {"address_id": "shuangta-cun"},
])
def test_post_with_any_one_location_and_no_contact(georeport, key, people, location):
    response, [created] = georeport.post_request(
        api_key=key, service_code="suggest", description="村口路灯坏了三盏。", **location)
    assert response.status_code in (200, 201), created
    # One or the other, never both (POST Service Request, Response).
    assert ("token" in created) != ("service_request_id" in created)
    answer, [named] = georeport.token(created["token"])
    assert answer.status_code == 200 and named["token"] == created["token"]
    number = named["service_request_id"]

    # The filing client follows its request before staff publish anything.
    answer, [own] = georeport.request(number, api_key=key)
    assert answer.status_code == 200
    assert own["service_request_id"] == number and own["status"] == "open"
    assert own["service_code"] == "suggest" and own["requested_datetime"]
    assert own["description"] is None and own["status_notes"] is None  # nothing unpublished
    assert_errors(*georeport.request(number), 404)  # the public sees nothing yet
    other = keys.issue_key(SYSTEM, "微信小程序")[1]
    assert_errors(*georeport.request(number, api_key=other), 404)
    assert_errors(*georeport.request(number, api_key="0000.guess"), 403)
    if "address_id" in location:
        assert own["address_id"] == "shuangta-cun"
    if "address_string" in location:
        assert own["address_id"] == "wangtang"


def test_post_refusals(georeport, key):
    assert_errors(*georeport.post_request(api_key=key, service_code="no-such-service",
                                          address_id="shuangta", description="x"), 404)
    assert_errors(*georeport.post_request(api_key=key, service_code="consult",
                                          description="没有地点"), 400)
    assert_errors(*georeport.post_request(api_key=key, service_code="consult",
                                          lat="34.6", description="只有纬度"), 400)
    assert_errors(*georeport.post_request(service_code="consult", address_id="shuangta",
                                          description="没有密钥"), 403)
    assert_errors(*georeport.token("0000-0000-0000-0000"), 404)


def test_published_requests_carry_the_spec_fields(georeport, key, people):
    _response, [created] = georeport.post_request(
        api_key=key, service_code="consult", address_id="shuangta", description="低保怎么申请？",
        first_name="大爷", last_name="王", phone="13912345678", email="wang@example.cn",
        **{"attribute[consent_publish]": "true"})
    _response, [named] = georeport.token(created["token"])
    number = named["service_request_id"]
    inquiry = find_by_code(created["token"])
    workflow.sign(people["handler"], inquiry.id)
    workflow.reply(people["handler"], inquiry.id, "请到镇民政所申请。", publish=True)

    response, listed = georeport.requests(status="open", service_code="consult")
    assert response.status_code == 200
    assert [r["service_request_id"] for r in listed] == [number]
    assert set(REQUEST_FIELDS) <= set(listed[0])
    response, [one] = georeport.request(number)
    assert one["status_notes"] == "请到镇民政所申请。" and one["description"]
    assert "王" not in str(one) and "13912345678" not in str(one)
    _response, chosen = georeport.requests(service_request_id=f"{number},2000-000001")
    assert [r["service_request_id"] for r in chosen] == [number]
    assert_errors(*georeport.requests(service_code="no-such-service"), 404)
    assert_errors(*georeport.requests(status="lost"), 400)
    assert_errors(*georeport.requests(start_date="2001-01-01T00:00:00Z",
                                      end_date="2001-12-31T00:00:00Z"), 400)


def test_conditional_gets(client, georeport, key, people):
    for path in ("discovery", "services", "services/consult", "requests"):
        response, _body = georeport.get(path)
        etag = response.headers["ETag"]
        again = client.get(f"{ENDPOINT}/{path}.{georeport.fmt}",
                           headers={"If-None-Match": etag})
        assert again.status_code == 304, path


@pytest.mark.parametrize("fmt", FORMATS)
def test_unrouted_urls_and_methods_answer_with_the_error_list(client, fmt):
    reader = GeoReportClient(client, fmt)
    cases = [("GET", f"{ENDPOINT}/nothing.{fmt}", 404),
             ("GET", f"{ENDPOINT}/requests/2026-000001/extra.{fmt}", 404),
             ("POST", f"{ENDPOINT}/services.{fmt}", 405),
             ("DELETE", f"{ENDPOINT}/requests.{fmt}", 405),
             ("PUT", f"{ENDPOINT}/services/consult.{fmt}", 405)]
    for method, url, status in cases:
        response = client.open(url, method=method)
        assert_errors(response, reader._read(response), status)
        if status == 405:
            assert "GET" in response.headers["Allow"] or "POST" in response.headers["Allow"]
