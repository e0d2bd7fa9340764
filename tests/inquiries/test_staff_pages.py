"""The handlers' pages: queues, scope, actions through forms, extension approval."""

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.inquiries import extension_requests, workflow
from portal.inquiries.models import Inquiry, InquiryType, Status


def test_queue_lists_only_own_organizations(client, login, submit, handlers, orgs):
    mine = submit(title="本镇的留言")
    other = submit(title="花园乡的留言", organization=orgs["other_town"], village=None)
    login(handlers["handler"])
    page = client.get("/staff/inquiries/?queue=unsigned").get_data(as_text=True)
    assert "本镇的留言" in page and "花园乡的留言" not in page
    assert mine.inquiry.number in page and other.inquiry.number not in page


def test_other_organizations_inquiry_is_403_and_audited(client, login, submit, handlers, orgs):
    receipt = submit(organization=orgs["other_town"], village=None)
    login(handlers["handler"])
    assert client.get(f"/staff/inquiries/{receipt.inquiry.id}").status_code == 403
    assert client.post(f"/staff/inquiries/{receipt.inquiry.id}/sign").status_code == 403
    db.session.expire_all()
    assert db.session.get(Inquiry, receipt.inquiry.id).status is Status.RECEIVED
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.result == "denied")).all()
    assert {e.action for e in denied} >= {"inquiry.view", "inquiry.sign"}


def test_department_handler_sees_only_what_was_transferred_to_it(client, login, submit,
                                                                 handlers, orgs):
    receipt = submit()
    login(handlers["finance_handler"])
    assert client.get(f"/staff/inquiries/{receipt.inquiry.id}").status_code == 403
    workflow.transfer(handlers["handler"], receipt.inquiry.id, orgs["finance"], "涉及财政补贴")
    assert client.get(f"/staff/inquiries/{receipt.inquiry.id}").status_code == 200


def test_handler_works_an_inquiry_through_the_pages(client, login, submit, handlers):
    receipt = submit(type=InquiryType.COMPLAINT)
    inquiry_id = receipt.inquiry.id
    login(handlers["handler"])
    for step in ("sign", "process"):
        assert client.post(f"/staff/inquiries/{inquiry_id}/{step}").status_code == 303
    client.post(f"/staff/inquiries/{inquiry_id}/note", data={"text": "已电话联系"})
    response = client.post(f"/staff/inquiries/{inquiry_id}/reply", data={"text": ""})
    assert response.status_code == 400 and "请填写答复内容" in response.get_data(as_text=True)
    client.post(f"/staff/inquiries/{inquiry_id}/reply",
                data={"text": "经核查，情况属实，已责令整改。", "publish": "y"})
    client.post(f"/staff/inquiries/{inquiry_id}/close")
    inquiry = db.session.get(Inquiry, inquiry_id)
    assert inquiry.status is Status.CLOSED and inquiry.reply_published
    assert [e.action for e in inquiry.events] == [
        "receive", "sign", "process", "note", "reply", "close"]


def test_reply_to_info_request_needs_an_outcome(client, login, submit, handlers):
    receipt = submit(type=InquiryType.INFO_REQUEST)
    login(handlers["handler"])
    client.post(f"/staff/inquiries/{receipt.inquiry.id}/sign")
    response = client.post(f"/staff/inquiries/{receipt.inquiry.id}/reply",
                           data={"text": "予以公开。"})
    assert response.status_code == 400
    assert "处理结果" in response.get_data(as_text=True)
    client.post(f"/staff/inquiries/{receipt.inquiry.id}/reply",
                data={"text": "予以公开，见附件。", "outcome": "grant"})
    assert db.session.get(Inquiry, receipt.inquiry.id).outcome == "grant"


def test_extension_is_approved_by_a_reviewer_and_shown_to_the_resident(
        app, client, login, submit, handlers):
    receipt = submit()
    inquiry_id = receipt.inquiry.id
    workflow.sign(handlers["handler"], inquiry_id)
    before = db.session.get(Inquiry, inquiry_id).reply_due_at
    extension_requests.request_extension(handlers["handler"], inquiry_id, 5, "需要现场核实")
    login(handlers["reviewer"])
    assert "待我审批的延期" in client.get("/staff/inquiries/").get_data(as_text=True)
    client.post(f"/staff/inquiries/{inquiry_id}/extension-decision",
                data={"decision": "approve", "note": "同意"})
    inquiry = db.session.get(Inquiry, inquiry_id)
    assert inquiry.reply_due_at > before and inquiry.extension_days == 5
    resident = app.test_client()
    resident.post("/inquiries/track", data={"code": receipt.tracking_code})
    page = resident.get("/inquiries/track/status").get_data(as_text=True)
    assert "经reviewer批准，答复期限延长 5 个工作日" in page and "需要现场核实" in page


def test_inspector_reads_but_cannot_act(client, login, submit, handlers):
    receipt = submit()
    login(handlers["inspector"])
    page = client.get(f"/staff/inquiries/{receipt.inquiry.id}").get_data(as_text=True)
    assert receipt.inquiry.title in page and "签收</button>" not in page
    assert client.post(f"/staff/inquiries/{receipt.inquiry.id}/sign").status_code == 403


def test_admin_edits_sla_policy_for_new_inquiries(client, login, submit, handlers):
    from portal.inquiries.models import SlaPolicy

    old = submit()
    policy = db.session.scalars(select(SlaPolicy).where(
        SlaPolicy.inquiry_type == InquiryType.CONSULT, SlaPolicy.clock == "reply")).one()
    login(handlers["admin"])
    response = client.post(f"/staff/inquiries/sla/{policy.id}", data={"amount": "0"})
    assert response.status_code == 400 and "时限应为 1 至" in response.get_data(as_text=True)
    client.post(f"/staff/inquiries/sla/{policy.id}", data={"amount": "3"})
    new = submit()
    assert new.inquiry.reply_days == 3 and old.inquiry.reply_days == 5


def test_opinion_item_logged_through_the_page(client, login, handlers, orgs):
    login(handlers["handler"])
    response = client.post("/staff/inquiries/opinion/new", data={
        "organization": str(orgs["town"].id), "title": "网传双塔镇某路段塌陷",
        "summary": "某论坛帖子称…", "source": "网络论坛", "source_url": "https://bbs.example/1",
        "severity": "major", "found_at": ""})
    assert response.status_code == 303
    item = db.session.scalars(select(Inquiry).where(Inquiry.type == InquiryType.OPINION)).one()
    assert item.opinion.press_due_at is not None
    page = client.get(f"/staff/inquiries/{item.id}").get_data(as_text=True)
    assert "发布权威信息" in page and "召开新闻发布会" in page
