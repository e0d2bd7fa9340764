"""Transfers follow the law: an application for government information stays with the
行政机关 that received it — moved among its own 站所 and villages it still counts there; one
that another body is responsible for is answered here, telling the applicant where to apply
(条例第三十六条第（五）项), and counted once, in this body's own table 三."""

from __future__ import annotations

import pytest

from portal.annual_report import services as annual_report
from portal.errors import ValidationError
from portal.extensions import db
from portal.inquiries import workflow
from portal.inquiries.models import InquiryType, Status
from portal.timeutil import local_today, to_local


def test_an_application_moves_within_its_body_and_counts_there(submit, handlers, orgs):
    inquiry = submit(type=InquiryType.INFO_REQUEST).inquiry
    workflow.transfer(handlers["handler"], inquiry.id, orgs["finance"], "财政所掌握该信息。")
    assert inquiry.organization == orgs["finance"]
    report = annual_report.get_report(handlers["admin"], local_today().year, "shuangta")
    assert report.applications.value("new", "total") == 1


def test_an_application_cannot_be_moved_to_another_body(submit, handlers, orgs):
    inquiry = submit(type=InquiryType.INFO_REQUEST).inquiry
    with pytest.raises(ValidationError, match="第三十六条第（五）项"):
        workflow.transfer(handlers["handler"], inquiry.id, orgs["other_town"], "不归我们管。")
    db.session.rollback()
    with pytest.raises(ValidationError, match="行政机关"):
        workflow.return_to_dispatcher(handlers["handler"], inquiry.id, "应由县里答复。")
    db.session.rollback()
    assert inquiry.organization == orgs["town"] and inquiry.status is Status.RECEIVED


def test_other_work_orders_may_still_go_to_another_town(submit, handlers, orgs):
    inquiry = submit(type=InquiryType.COMPLAINT).inquiry
    workflow.transfer(handlers["handler"], inquiry.id, orgs["other_town"], "事发地在花园乡。")
    assert inquiry.organization == orgs["other_town"]


def test_referring_the_applicant_elsewhere_is_this_bodys_answer(submit, handlers, orgs):
    inquiry = submit(type=InquiryType.INFO_REQUEST).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    workflow.refer_elsewhere(handlers["handler"], inquiry.id, "民权县自然资源局",
                             "0370-8123456，民权县人民路 1 号")
    assert inquiry.status is Status.REPLIED and inquiry.outcome == "unable-1"
    assert "第三十六条第（五）项" in inquiry.reply_text and "民权县自然资源局" in inquiry.reply_text
    assert inquiry.organization == orgs["town"]
    year = to_local(inquiry.replied_at).year
    town = annual_report.get_report(handlers["admin"], year, "shuangta")
    other = annual_report.get_report(handlers["admin"], year, "huayuan")
    assert town.applications.value("new", "total") == 1
    assert town.applications.value("unable-1", "total") == 1
    assert other.applications.value("new", "total") == 0


def test_referring_needs_the_body_and_its_contact(submit, handlers):
    inquiry = submit(type=InquiryType.INFO_REQUEST).inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    with pytest.raises(ValidationError, match="该机关的联系方式"):
        workflow.refer_elsewhere(handlers["handler"], inquiry.id, "县自然资源局", "")
    db.session.rollback()
    assert inquiry.status is Status.SIGNED


def test_the_page_offers_only_the_body_for_an_application(client, login, submit, handlers,
                                                          orgs):
    inquiry = submit(type=InquiryType.INFO_REQUEST).inquiry
    login(handlers["handler"])
    page = client.get(f"/staff/inquiries/{inquiry.id}").get_data(as_text=True)
    options = page.split('id="target"')[1].split("</select>")[0]
    assert "财政所" in options and "花园乡" not in options
    assert "退回民权县" not in page  # the county is another body
