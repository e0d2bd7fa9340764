"""The administrators' pages: the delivery log, 重试 of a dead letter, the wording of
each kind with its placeholders checked, a test message to oneself; and everyone's own
消息设置."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.notifications import outbox
from portal.notifications.models import (
    Channel,
    Notification,
    StaffAddress,
    StaffPreference,
    State,
    TemplateOverride,
)
from tests.inquiries.timetravel import beijing

NOW = beijing(date(2026, 3, 10), 10)


def _dead_letter() -> Notification:
    row = outbox.enqueue("resident_received", channel=Channel.SMS, address="13812345678",
                         data={"number": "2026-000001", "url": "", "stop_url": ""}, at=NOW)
    db.session.flush()
    row.state, row.attempts = State.DEAD, 5
    row.last_error = "短信服务商拒绝：手机号码格式不正确。"
    db.session.commit()
    return row


def test_the_log_shows_a_dead_letter_masked_and_retry_requeues_it(app, client, login,
                                                                  handlers):
    row = _dead_letter()
    login(handlers["admin"])

    page = client.get("/staff/notifications/?state=dead").get_data(as_text=True)
    assert "138****5678" in page and "13812345678" not in page
    assert "短信服务商拒绝" in page and "群众：已受理" in page and "重试" in page

    response = client.post(f"/staff/notifications/{row.id}/retry")

    assert response.status_code == 303
    db.session.expire_all()
    again = db.session.get(Notification, row.id)
    assert again.state is State.PENDING and again.attempts == 0
    assert "138****5678" not in client.get(
        "/staff/notifications/?state=dead").get_data(as_text=True)
    assert "138****5678" in client.get(
        "/staff/notifications/?state=queued").get_data(as_text=True)
    assert client.post(f"/staff/notifications/{row.id}/retry").status_code == 404


def test_the_log_is_for_administrators_only(app, client, login, handlers):
    _dead_letter()
    login(handlers["handler"])
    assert client.get("/staff/notifications/").status_code == 403
    assert "通知管理" not in client.get("/staff/").get_data(as_text=True)


def test_an_unknown_placeholder_is_refused_naming_it_and_nothing_is_saved(app, client,
                                                                         login, handlers):
    login(handlers["admin"])
    url = "/staff/notifications/templates/assigned/email"
    assert "{number}" in client.get(url).get_data(as_text=True)

    response = client.post(url, data={"subject": "【待签收】{number}",
                                      "body": "请签收 {numbr}，期限 {due}"})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "未知的占位符 {numbr}" in page and "请签收 {numbr}，期限 {due}" in page
    assert db.session.scalar(select(TemplateOverride)) is None


def test_a_valid_wording_is_saved_and_listed_as_edited(app, client, login, handlers):
    login(handlers["admin"])
    url = "/staff/notifications/templates/assigned/email"

    response = client.post(url, data={"subject": "【待签收】{number}",
                                      "body": "请于 {due} 前签收 {number}：{url}"})

    assert response.status_code == 303
    row = db.session.scalar(select(TemplateOverride))
    assert row.body == "请于 {due} 前签收 {number}：{url}"
    assert "（已修改）" in client.get("/staff/notifications/templates").get_data(as_text=True)
    assert client.get("/staff/notifications/templates/nothing/email").status_code == 404


def test_settings_then_a_test_message_to_ones_own_address(app, client, login, handlers):
    admin = handlers["admin"]
    login(admin)
    page = client.get("/staff/notifications/").get_data(as_text=True)
    assert "发送测试消息</button>" not in page and "/staff/messages/settings" in page
    early = client.post("/staff/notifications/test", data={"channel": "email"},
                        follow_redirects=True)
    assert "请先在“消息设置”中填写" in early.get_data(as_text=True)

    refused = client.post("/staff/messages/settings", data={
        "email": "不是邮箱", "mobile": "", "by_email": ["assigned"]})
    assert refused.status_code == 400 and "不是邮箱" in refused.get_data(as_text=True)
    assert db.session.scalar(select(StaffAddress)) is None

    saved = client.post("/staff/messages/settings", data={
        "email": "admin@example.gov.cn", "mobile": "13912345678",
        "by_email": ["assigned", "overdue"], "by_sms": ["overdue"]})
    assert saved.status_code == 303
    prefs = {p.kind: (p.email, p.sms) for p in db.session.scalars(
        select(StaffPreference).where(StaffPreference.user_id == admin.id))}
    assert prefs["assigned"] == (True, False) and prefs["overdue"] == (True, True)

    response = client.post("/staff/notifications/test", data={"channel": "email"})

    assert response.status_code == 303
    [row] = db.session.scalars(select(Notification).where(Notification.kind == "test")).all()
    assert row.address == "admin@example.gov.cn" and row.channel is Channel.EMAIL
