"""Reply templates: one click inserts a template with the case's details filled in; what
cannot be filled stays a placeholder the reply cannot be sent with; admins maintain the
templates and cannot save one naming a placeholder the reply form does not fill."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.catalogue.models import DisclosureGuide
from portal.extensions import db
from portal.inquiries import reply_templates
from portal.inquiries.models import Inquiry, InquiryType, ReplyTemplate, Status
from portal.timeutil import to_local

TEXTAREA = re.compile(r'<textarea id="reply-text"[^>]*>(.*?)</textarea>', re.S)


def _template(name: str, inquiry_type=InquiryType.CONSULT) -> ReplyTemplate:
    return db.session.scalars(select(ReplyTemplate).where(
        ReplyTemplate.inquiry_type == inquiry_type, ReplyTemplate.name == name)).one()


def _reply_box(response) -> str:
    return html.unescape(TEXTAREA.search(response.get_data(as_text=True)).group(1))


def _signed(client, login, submit, handlers, **changes) -> Inquiry:
    inquiry = submit(**changes).inquiry
    login(handlers["handler"])
    client.post(f"/staff/inquiries/{inquiry.id}/sign")
    return inquiry


def _letter(moment) -> str:
    day = to_local(moment).date()
    return f"{day.year}年{day.month}月{day.day}日"


def test_insert_fills_the_case_and_saves_nothing(client, login, submit, handlers, orgs):
    db.session.add(DisclosureGuide(organization_id=orgs["town"].id, phone="0370-8123456"))
    db.session.commit()
    inquiry = _signed(client, login, submit, handlers)
    template = _template("咨询答复")
    response = client.post(f"/staff/inquiries/{inquiry.id}/reply",
                           data={"text": "王大爷您好：", "insert_template": str(template.id)})
    assert response.status_code == 200
    text = _reply_box(response)
    assert text.startswith("王大爷您好：\n\n您好！您咨询的问题答复如下")
    assert orgs["town"].publisher_name in text and "0370-8123456" in text
    assert "{" not in text
    db.session.refresh(inquiry)
    assert inquiry.status is Status.SIGNED and inquiry.reply_text == ""


def test_the_info_request_letter_gets_the_number_and_the_date(client, login, submit,
                                                              handlers):
    inquiry = _signed(client, login, submit, handlers, type=InquiryType.INFO_REQUEST)
    template = _template("予以公开告知书", InquiryType.INFO_REQUEST)
    text = _reply_box(client.post(f"/staff/inquiries/{inquiry.id}/reply",
                                  data={"text": "", "insert_template": str(template.id)}))
    received = _letter(inquiry.received_at)
    assert f"您于{received}提出的政府信息公开申请（受理编号：{inquiry.number}）" in text


def test_the_work_order_page_offers_each_template_filled(client, login, submit, handlers):
    inquiry = _signed(client, login, submit, handlers)
    page = client.get(f"/staff/inquiries/{inquiry.id}").get_data(as_text=True)
    template = _template("咨询答复")
    assert f'name="insert_template" value="{template.id}"' in page
    assert "reply-templates.js" in page
    filled = reply_templates.offers_for(inquiry)[0].text
    assert html.escape(filled, quote=True) in page  # the data the script inserts


def test_an_unfilled_placeholder_is_kept_and_refused_by_name(client, login, submit, handlers):
    """No phone published for the unit: {联系电话} stays, and the reply is not sent."""
    inquiry = _signed(client, login, submit, handlers)
    template = _template("咨询答复")
    text = _reply_box(client.post(f"/staff/inquiries/{inquiry.id}/reply",
                                  data={"text": "", "insert_template": str(template.id)}))
    assert "{联系电话}" in text
    response = client.post(f"/staff/inquiries/{inquiry.id}/reply",
                           data={"text": text + "\n另见{附件名}。"})
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "答复中还有未填写的模板占位符：{联系电话}、{附件名}" in page
    assert _reply_box(response) == text + "\n另见{附件名}。"  # what was typed is kept
    db.session.refresh(inquiry)
    assert inquiry.status is Status.SIGNED and inquiry.reply_text == ""


def test_a_template_of_another_type_is_not_inserted(client, login, submit, handlers):
    inquiry = _signed(client, login, submit, handlers)
    other = _template("予以公开告知书", InquiryType.INFO_REQUEST)
    response = client.post(f"/staff/inquiries/{inquiry.id}/reply",
                           data={"text": "", "insert_template": str(other.id)})
    assert response.status_code == 404


def test_admin_edits_a_template_and_unknown_placeholders_are_refused(client, login, handlers):
    login(handlers["admin"])
    template = _template("咨询答复")
    listing = client.get("/staff/inquiries/templates").get_data(as_text=True)
    assert "咨询答复" in listing and "{受理编号}" in listing and "{联系电话}" in listing
    typed = "您好！您的留言（{受理编号}）已收悉，请拨打{单位电话}。"
    response = client.post(f"/staff/inquiries/templates/{template.id}",
                           data={"inquiry_type": "consult", "name": "咨询答复（新）",
                                 "body": typed})
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "模板使用了未知的占位符 {单位电话}；答复模板可用：{受理编号}" in page
    assert typed in page and "咨询答复（新）" in page
    db.session.refresh(template)
    assert template.name == "咨询答复" and "{单位电话}" not in template.body

    response = client.post(f"/staff/inquiries/templates/{template.id}",
                           data={"inquiry_type": "consult", "name": "咨询答复（新）",
                                 "body": "您好！您的留言（{受理编号}）已收悉，请拨打{联系电话}。"})
    assert response.status_code == 303
    db.session.refresh(template)
    assert template.name == "咨询答复（新）"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "reply_template.save")) == 1


def test_admin_adds_a_template_and_an_unpaired_brace_is_refused(client, login, handlers):
    login(handlers["admin"])
    count = db.session.scalar(select(func.count()).select_from(ReplyTemplate))
    response = client.post("/staff/inquiries/templates/new",
                           data={"inquiry_type": "help", "name": "求助转介",
                                 "body": "请联系{单位 的社会事务办。"})
    assert response.status_code == 400
    assert "花括号不成对" in response.get_data(as_text=True)
    response = client.post("/staff/inquiries/templates/new",
                           data={"inquiry_type": "help", "name": "求助转介",
                                 "body": "请联系｛单位｝社会事务办。"})
    assert response.status_code == 400
    assert "占位符须用半角花括号：｛单位｝" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ReplyTemplate)) == count
    response = client.post("/staff/inquiries/templates/new",
                           data={"inquiry_type": "help", "name": "求助转介",
                                 "body": "请联系{单位}社会事务办。"})
    assert response.status_code == 303
    assert _template("求助转介", InquiryType.HELP).body == "请联系{单位}社会事务办。"


def test_only_admins_see_and_use_the_template_pages(client, login, handlers):
    login(handlers["handler"])
    assert "答复模板" not in client.get("/staff/inquiries/").get_data(as_text=True)
    assert client.get("/staff/inquiries/templates").status_code == 403
    client.post("/logout")
    login(handlers["admin"])
    assert "/staff/inquiries/templates" in client.get("/staff/inquiries/").get_data(as_text=True)
