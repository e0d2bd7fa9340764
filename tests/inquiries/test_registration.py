"""Applications that come on paper, by fax or by email are registered by staff, and the
clock runs from the legal date of receipt of the channel (条例第三十一条)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal.annual_report import services as annual_report
from portal.errors import ValidationError
from portal.extensions import db
from portal.inquiries import registration, submission
from portal.inquiries.models import Inquiry, InquiryType
from tests.inquiries.timetravel import TimeMachine, end_of_beijing_day


@pytest.fixture
def travel(app, monkeypatch):
    return TimeMachine(monkeypatch)


def registered(handlers, inquiry_input, application_input, channel, received_on, **changes):
    application = changes.pop("application", None) or application_input()
    data = inquiry_input(type=InquiryType.INFO_REQUEST, village=None, **changes)
    data.application = application
    return registration.register(handlers["handler"], registration.Registration(
        channel=channel, received_on=received_on, data=data))


def test_a_letter_signed_for_on_friday_counts_from_friday(travel, handlers, inquiry_input,
                                                          application_input):
    """Signed for Fri 2026-03-06, registered Mon 03-09: 20 working days from 03-06 (not
    counting it) — 03-09 … 04-03, with 清明 on 04-06 not reached — fall due Fri 04-03."""
    travel.to(date(2026, 3, 9), 10)
    receipt = registered(handlers, inquiry_input, application_input, "post_signed",
                         date(2026, 3, 6))
    inquiry = receipt.inquiry
    assert inquiry.channel == "post_signed" and inquiry.registered_by == handlers["handler"]
    assert inquiry.clock_start_on == date(2026, 3, 6)
    assert inquiry.reply_due_at == end_of_beijing_day(date(2026, 4, 3))
    assert "签收之日（2026-03-06）为收到申请之日" in inquiry.events[0].message
    assert submission.find_by_code(receipt.tracking_code) == inquiry


def test_an_application_handed_in_today_starts_today(travel, handlers, inquiry_input,
                                                     application_input):
    travel.to(date(2026, 3, 10), 15)
    inquiry = registered(handlers, inquiry_input, application_input, "in_person",
                         date(2026, 3, 10)).inquiry
    assert inquiry.received_at == travel.now and inquiry.clock_start_on == date(2026, 3, 10)


@pytest.mark.parametrize("channel,received_on,field", [
    ("", date(2026, 3, 9), "channel"), ("online", date(2026, 3, 9), "channel"),
    ("fax", None, "received_on"), ("email", date(2026, 3, 11), "received_on"),
    ("in_person", date(2025, 3, 1), "received_on"),
])
def test_bad_registrations_are_refused_and_nothing_saved(travel, handlers, inquiry_input,
                                                         application_input, channel,
                                                         received_on, field):
    travel.to(date(2026, 3, 10), 10)
    with pytest.raises(ValidationError) as refused:
        registered(handlers, inquiry_input, application_input, channel, received_on)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.query(Inquiry).count() == 0


def test_the_applicant_type_feeds_table_three(travel, handlers, inquiry_input,
                                              application_input):
    travel.to(date(2026, 3, 10), 10)
    company = application_input(applicant_kind="organization", organization_type="commercial",
                                organization_code="91411421MA44ABCD1X",
                                legal_representative="赵经理", id_number="")
    registered(handlers, inquiry_input, application_input, "email", date(2026, 3, 9),
               application=company)
    report = annual_report.get_report(handlers["admin"], 2026, "shuangta")
    assert report.applications.value("new", "commercial") == 1


def test_the_page_registers_and_prints_a_receipt(client, login, travel, handlers, orgs):
    travel.to(date(2026, 3, 10), 10)
    login(handlers["handler"])
    form = client.get("/staff/inquiries/register").get_data(as_text=True)
    assert "当面提交" in form and "传真" in form
    response = client.post("/staff/inquiries/register", data={
        "channel": "fax", "received_on": "2026-03-09", "organization": str(orgs["town"].id),
        "type": "info_request", "title": "申请公开道路工程预算", "body": "见申请表。",
        "applicant_kind": "citizen", "id_type": "resident_id",
        "id_number": "11010519491231002X", "address": "双塔镇政府街 1 号",
        "postal_code": "476800", "description": "2026 年双塔村道路硬化工程预算",
        "delivery_form": "paper", "acquisition": "mail", "contact_name": "李四",
        "contact_phone": "13900001111"})
    page = response.get_data(as_text=True)
    assert response.status_code == 201 and "受理回执" in page
    assert re.search(r'class="tracking-code"[^>]*>[0-9A-Z-]{19}<', page)
