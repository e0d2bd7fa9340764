"""What a resident sees: the form, the receipt, the tracking page, the published replies."""

import re
import sqlite3

import pytest
import sqlalchemy as sa
from flask import template_rendered
from sqlalchemy import event, func, make_url, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.inquiries import submission, workflow
from portal.inquiries.models import Inquiry, Rating, Status

CODE = re.compile(r'class="tracking-code"[^>]*>([0-9A-Z-]{19})<')


def form_page(client, query=""):
    html = client.get("/inquiries/new" + query).get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([0-9a-f.]+)"', html)
    return html, token.group(1)


def fields(token, **changes):
    data = {"type": "consult", "place": "village:shuangta-cun", "title": "路灯坏了",
            "body": "双塔村东头的路灯坏了两个月。", "contact_name": "李奶奶",
            "contact_phone": "13812345678", "consent_publish": "y",
            "submission_token": token, "website": ""}
    data.update(changes)
    return data


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Inquiry))


def test_submission_shows_code_and_number_once(client, orgs):
    html, token = form_page(client)
    assert 'name="website"' in html  # the honeypot is there, hidden from people
    response = client.post("/inquiries/new", data=fields(token))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    code = CODE.search(page).group(1)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code)
    assert "2026-000001" in page or re.search(r"\d{4}-000001", page)
    inquiry = db.session.scalars(select(Inquiry)).one()
    assert inquiry.village.slug == "shuangta-cun" and inquiry.organization.slug == "shuangta"
    assert code.replace("-", "") not in (inquiry.tracking_hash or "")


def test_the_receipt_is_written_while_other_submissions_can_already_write(
        app, client, orgs, database_url):
    """The case is committed before its receipt is rendered; rendering it only reads, so
    it must not hold SQLite's write lock that every other resident's submission waits on."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    seen = []

    def try_to_write(_sender, template, **_extra):
        if template.name != "inquiries/receipt.html":
            return
        other = sqlite3.connect(make_url(database_url).database, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            seen.append("free")
        except sqlite3.OperationalError:
            seen.append("locked")
        finally:
            other.close()

    _html, token = form_page(client)
    with template_rendered.connected_to(try_to_write, app):
        response = client.post("/inquiries/new", data=fields(token))
    assert response.status_code == 200 and CODE.search(response.get_data(as_text=True))
    assert seen == ["free"]


def test_the_receipt_is_shown_from_what_was_just_stored_without_reading_it_back(
        app, client, orgs):
    """Everything the receipt shows was written by the submission itself; reading it back
    after the commit would be one more transaction for every resident."""
    after_commit: list[str] = []
    committed = []

    def note_commit(_conn):
        committed.append(True)
        after_commit.clear()

    def note_statement(_conn, _cursor, statement, *_args):
        if committed:
            after_commit.append(statement)

    _html, token = form_page(client)
    event.listen(db.engine, "commit", note_commit)
    event.listen(db.engine, "before_cursor_execute", note_statement)
    try:
        response = client.post("/inquiries/new", data=fields(token))
    finally:
        event.remove(db.engine, "commit", note_commit)
        event.remove(db.engine, "before_cursor_execute", note_statement)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and CODE.search(page)
    inquiry = db.session.scalars(select(Inquiry)).one()
    for shown in (inquiry.number, "双塔镇", "双塔村", f"{inquiry.reply_due_at.year}"):
        assert shown in page
    assert after_commit == []


def test_looking_up_the_place_and_deadlines_leaves_other_submissions_free_to_write(
        app, client, orgs, database_url):
    """Before a submission writes, it looks up the place, the promised deadlines, the
    calendar and the unit's handlers; other residents' submissions must not wait on
    SQLite's write lock for those reads, only for the writes. (The token's earlier use is
    not looked up: the unique key refuses a second work order, and only then is the
    first one read.)"""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    seen = {}

    def try_to_write(_conn, _cursor, statement, *_args):
        table = re.search(r"FROM (\w+)", statement)
        if not statement.startswith("SELECT") or table is None or table[1] in seen:
            return
        other = sqlite3.connect(make_url(database_url).database, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            seen[table[1]] = "free"
        except sqlite3.OperationalError:
            seen[table[1]] = "locked"
        finally:
            other.close()

    _html, token = form_page(client)
    sa.event.listen(db.engine, "before_cursor_execute", try_to_write)
    try:
        response = client.post("/inquiries/new", data=fields(token))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", try_to_write)
    assert response.status_code == 200 and CODE.search(response.get_data(as_text=True))
    for table in ("organizations", "sla_policies", "calendar_overrides", "users"):
        assert seen.get(table) == "free", (table, seen)
    assert "inquiries" not in seen
    assert seen.get("audit_events") == "locked"  # the chain's head is read under the lock
    inquiry = db.session.scalars(select(Inquiry)).one()
    assert inquiry.village.slug == "shuangta-cun" and inquiry.reply_due_at is not None


def test_a_submission_reads_in_one_transaction_and_writes_in_another(app, client, orgs):
    """The place, the token's earlier use, the deadlines and the handlers are read in one
    transaction before the write: every further BEGIN and COMMIT is a round trip to the
    database and work in each worker, for every resident."""
    begun: list[bool] = []

    def note_begin(_conn):
        begun.append(True)

    _html, token = form_page(client)
    db.session.close()  # as a worker's request starts: no transaction open
    event.listen(db.engine, "begin", note_begin)
    try:
        response = client.post("/inquiries/new", data=fields(token))
    finally:
        event.remove(db.engine, "begin", note_begin)
    assert response.status_code == 200 and CODE.search(response.get_data(as_text=True))
    assert len(begun) == 2
    assert db.session.scalars(select(Inquiry)).one().village.slug == "shuangta-cun"


def test_double_submit_creates_one_inquiry_with_the_same_code(client, orgs):
    _, token = form_page(client)
    first = client.post("/inquiries/new", data=fields(token)).get_data(as_text=True)
    second = client.post("/inquiries/new", data=fields(token)).get_data(as_text=True)
    assert count() == 1
    assert CODE.search(first).group(1) == CODE.search(second).group(1)
    assert "没有重复受理" in second


@pytest.mark.parametrize("changes,message", [
    ({"title": ""}, "请填写标题。"),
    ({"body": "长" * 5001}, "内容不能超过 5000 个字（现有 5001 个字）。"),
    ({"body": "正文\x00含有空字符"}, "内容中含有不可见的控制字符"),
    ({"title": "标题\u202e反转"}, "标题中含有不可见的控制字符"),
    ({"contact_phone": "12345"}, "请填写正确的联系电话"),
    ({"place": ""}, "请选择受理的乡镇。"),
    ({"place": "village:no-such-village"}, "请选择受理的乡镇。"),
    ({"type": "opinion"}, "请选择留言类型。"),
    ({"notify_channel": "email", "notify_email": "wang-at-example"},
     "接收通知的电子邮箱格式不正确。"),
    ({"notify_channel": "email"}, "选择“电子邮件”接收通知时，请填写电子邮箱。"),
])
def test_bad_input_is_explained_and_kept(client, orgs, changes, message):
    _, token = form_page(client)
    data = fields(token, **changes)
    response = client.post("/inquiries/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert "双塔村东头的路灯坏了两个月。" in html or "长" * 100 in html or "正文" in html
    assert count() == 0


def test_invalid_utf8_is_refused_with_a_message(client, orgs):
    _, token = form_page(client)
    body = (f"type=consult&place=town%3Ashuangta&title=%E8%B7%AF%E7%81%AF&body=%FF%FE%E5"
            f"&contact_name=x&contact_phone=13812345678&submission_token={token}").encode()
    response = client.post("/inquiries/new", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "无法识别的字符" in response.get_data(as_text=True)
    assert count() == 0


def test_opting_in_by_email_subscribes_that_address_and_keeps_a_bad_one_in_the_form(
        client, orgs):
    from portal.notifications.models import Notification, ResidentContact

    html, token = form_page(client)
    assert "是否接收办理进度通知" in html and 'name="notify_email"' in html
    refused = client.post("/inquiries/new", data=fields(
        token, notify_channel="email", notify_email="wang@@example.cn"))
    assert refused.status_code == 400 and "wang@@example.cn" in refused.get_data(as_text=True)

    response = client.post("/inquiries/new", data=fields(
        token, notify_channel="email", notify_email="wang@example.cn"))

    assert response.status_code == 200
    contact = db.session.scalars(select(ResidentContact)).one()
    assert contact.address == "wang@example.cn" and contact.channel.value == "email"
    message = db.session.scalars(select(Notification).where(
        Notification.kind == "resident_received")).one()
    assert message.address == "wang@example.cn"


def test_opting_in_by_sms_uses_the_contact_phone_and_no_choice_sends_nothing(client, orgs):
    from portal.notifications.models import ResidentContact

    _, token = form_page(client)
    client.post("/inquiries/new", data=fields(token, notify_channel="sms",
                                              notify_email="ignored@example.cn"))
    _, other = form_page(client)
    client.post("/inquiries/new", data=fields(other, title="另一件事"))

    assert count() == 2
    contact = db.session.scalars(select(ResidentContact)).one()
    assert contact.address == "13812345678" and contact.channel.value == "sms"


def test_honeypot_is_refused_and_audited(client, orgs):
    _, token = form_page(client)
    response = client.post("/inquiries/new", data=fields(token, website="http://spam.example"))
    assert response.status_code == 400
    assert count() == 0
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.result) == ("antispam.honeypot", "rejected")


def test_info_request_form_asks_what_article_29_requires(client, orgs):
    html, token = form_page(client, "?type=info_request")
    for label in ("证件号码", "通信地址", "所需政府信息的名称、文号或者特征性描述",
                  "信息的载体形式", "获取信息的方式"):
        assert label in html
    response = client.post("/inquiries/new", data=fields(
        token, type="info_request", id_number="110105194912310021", address="双塔村",
        description="2025 年低保资金发放明细", delivery_form="paper", acquisition="mail",
        applicant_kind="citizen", id_type="resident_id"))
    assert response.status_code == 400
    assert "身份证号码校验不通过" in response.get_data(as_text=True)
    response = client.post("/inquiries/new", data=fields(
        token, type="info_request", id_number="11010519491231002X", address="双塔村",
        description="2025 年低保资金发放明细", delivery_form="electronic", acquisition="email",
        applicant_kind="citizen", id_type="resident_id", email="wang@example.cn"))
    assert response.status_code == 200
    assert db.session.scalars(select(Inquiry)).one().application.acquisition == "email"


def _track(client, code):
    return client.post("/inquiries/track", data={"code": code})


def test_tracking_by_code_never_puts_the_code_in_a_url(client, submit, handlers):
    receipt = submit()
    workflow.add_note(handlers["handler"], receipt.inquiry.id, "内部：此人多次来电")
    response = _track(client, receipt.tracking_code.lower().replace("-", " "))
    assert response.status_code == 303
    assert response.headers["Location"] == "/inquiries/track/status"
    page = client.get("/inquiries/track/status").get_data(as_text=True)
    assert receipt.inquiry.number in page and "已受理" in page
    assert "13812345678" not in page and "王大爷" not in page
    assert "此人多次来电" not in page


def test_wrong_and_unknown_codes_get_the_same_answer(client, submit):
    receipt = submit()
    wrong = receipt.tracking_code[:-1] + ("0" if receipt.tracking_code[-1] != "0" else "1")
    answers = []
    for code in (wrong, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "abc", ""):
        response = _track(client, code)
        answers.append((response.status_code, re.sub(r'value="[^"]*"', "",
                                                      response.get_data(as_text=True))))
    assert {status for status, _ in answers} == {404}
    assert len({page for _, page in answers}) == 1


def test_status_page_needs_a_tracked_session(client):
    response = client.get("/inquiries/track/status")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inquiries/track")


def test_resident_rates_and_reopens_once(client, submit, handlers):
    receipt = submit()
    handler = handlers["handler"]
    workflow.sign(handler, receipt.inquiry.id)
    workflow.reply(handler, receipt.inquiry.id, "已安排维修。")
    _track(client, receipt.tracking_code)
    client.post("/inquiries/track/rate", data={"rating": "unsatisfied", "comment": "没修"})
    client.post("/inquiries/track/reopen", data={"reason": "说好周五修，到现在还没修。"})
    inquiry = db.session.get(Inquiry, receipt.inquiry.id)
    assert inquiry.status is Status.REPLIED and inquiry.reopened_count == 1
    [handling] = inquiry.reopenings
    page = client.get("/inquiries/track/status").get_data(as_text=True)
    assert "正在重新办理" in page and "提交评价" not in page and "已安排维修。" in page
    workflow.sign(handler, handling.id)
    workflow.reply(handler, handling.id, "已修好。")
    _track(client, receipt.tracking_code)
    page = client.get("/inquiries/track/status").get_data(as_text=True)
    assert "已安排维修。" in page and "已修好。" in page and "提交评价" in page
    client.post("/inquiries/track/rate", data={"rating": "unsatisfied"})
    response = client.post("/inquiries/track/reopen", data={"reason": "还是不满意"})
    assert response.status_code == 303
    page = client.get("/inquiries/track/status").get_data(as_text=True)
    assert "只能申请重新办理一次" in page
    assert db.session.get(Inquiry, handling.id).status is Status.REPLIED


def test_published_replies_hide_contacts_and_mask_numbers(client, submit, handlers):
    published = submit(body="我的电话13912345678，身份证11010519491231002X，请回电。")
    private = submit(title="不公开的留言", consent_publish=False)
    for receipt in (published, private):
        workflow.sign(handlers["handler"], receipt.inquiry.id)
        workflow.reply(handlers["handler"], receipt.inquiry.id, "已回电。", publish=True)
    page = client.get("/inquiries/replies").get_data(as_text=True)
    assert "低保申请需要哪些材料？" in page and "不公开的留言" not in page
    assert "139****5678" in page and "110105********002X" in page
    assert "13912345678" not in page and "王大爷" not in page and "13812345678" not in page
    for label in ("受理日期", "答复日期", "答复部门"):
        assert label in page


def test_a_reopened_reply_stays_public_and_says_it_is_being_handled_again(client, submit,
                                                                          handlers):
    receipt = submit()
    workflow.sign(handlers["handler"], receipt.inquiry.id)
    workflow.reply(handlers["handler"], receipt.inquiry.id, "请携带户口簿。", publish=True)
    submission.rate(receipt.inquiry.id, Rating.UNSATISFIED)
    handling = submission.reopen(receipt.inquiry.id, "材料清单不全")
    page = client.get("/inquiries/replies").get_data(as_text=True)
    assert "请携带户口簿。" in page
    assert f"留言人对此答复不满意，已申请重新办理（编号 {handling.number}）" in page


def test_organization_applicant_gives_its_type(client, orgs):
    _, token = form_page(client, "?type=info_request")
    base = dict(type="info_request", applicant_kind="organization",
                organization_code="91411421MA44XXXX1Y", legal_representative="张经理",
                address="民权县工业园区 8 号", description="本镇 2025 年招商引资政策文件",
                delivery_form="electronic", acquisition="email", email="office@example.cn")
    response = client.post("/inquiries/new", data=fields(token, **base))
    assert response.status_code == 400 and "请选择组织类型" in response.get_data(as_text=True)
    response = client.post("/inquiries/new", data=fields(token, organization_type="commercial",
                                                         **base))
    assert response.status_code == 200
    assert db.session.scalars(select(Inquiry)).one().application.organization_type == "commercial"
