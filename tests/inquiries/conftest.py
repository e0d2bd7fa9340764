"""Fixtures for the inquiry queue: staff of 双塔镇 and a way to submit as a resident."""

import pytest

from portal.auth.models import Role
from portal.inquiries import submission, tracking
from portal.inquiries.models import InquiryType
from tests.attachments.conftest import upload_folder  # noqa: F401 (a fixture)


@pytest.fixture
def handlers(orgs, make_user):
    return {
        "handler": make_user("handler", (Role.HANDLER, orgs["town"])),
        "handler2": make_user("handler2", (Role.HANDLER, orgs["town"])),
        "reviewer": make_user("reviewer", (Role.REVIEWER, orgs["town"])),
        "finance_handler": make_user("finance", (Role.HANDLER, orgs["finance"])),
        "other_handler": make_user("other", (Role.HANDLER, orgs["other_town"])),
        "inspector": make_user("inspector", (Role.INSPECTOR, orgs["town"])),
        "admin": make_user("admin", (Role.ADMIN, orgs["county"])),
    }


@pytest.fixture
def inquiry_input(orgs):
    def build(**changes) -> submission.InquiryInput:
        fields = dict(type=InquiryType.CONSULT, title="低保申请需要哪些材料？",
                      body="我家老人今年七十岁，想问低保怎么申请，需要带什么证件。",
                      contact_name="王大爷", contact_phone="13812345678",
                      organization=orgs["town"], village=orgs["village_a"],
                      consent_publish=True)
        fields.update(changes)
        return submission.InquiryInput(**fields)

    return build


@pytest.fixture
def application_input():
    def build(**changes) -> submission.ApplicationInput:
        fields = dict(applicant_kind="citizen", id_type="resident_id",
                      id_number="11010519491231002X", address="民权县双塔镇双塔村 12 号",
                      postal_code="476800", description="2025 年双塔镇低保资金发放情况",
                      delivery_form="paper", acquisition="mail")
        fields.update(changes)
        return submission.ApplicationInput(**fields)

    return build


@pytest.fixture
def submit(inquiry_input, application_input):
    """submit(**changes) → Receipt; 依申请公开 gets a valid application automatically."""

    def run(token=None, **changes):
        data = inquiry_input(**changes)
        if data.type is InquiryType.INFO_REQUEST and data.application is None:
            data.application = application_input()
        return submission.submit(data, token or tracking.new_submission_token())

    return run
