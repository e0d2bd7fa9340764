"""The outbox delivers each message over its channel, retries with backoff, keeps a dead
letter with a Chinese reason, and never writes the address or the body to the log."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.notifications import outbox
from portal.notifications.models import Channel, Notification, State
from tests.inquiries.timetravel import beijing


@pytest.fixture
def staff(handlers):
    return handlers["handler"]


NOW = beijing(date(2026, 3, 10), 10)


def _one(kind="test", **fields) -> Notification:
    fields.setdefault("at", NOW)
    row = outbox.enqueue(kind, **fields)
    db.session.commit()
    return row


def test_in_app_message_is_stored_once_with_its_text(app, staff):
    row = _one(user=staff, data={"url": "https://gk.example.gov.cn"})
    now = beijing(date(2026, 3, 10), 10)
    assert outbox.deliver_due(now=now) == 1
    assert outbox.deliver_due(now=now + timedelta(hours=1)) == 0
    db.session.refresh(row)
    assert row.state is State.SENT and row.attempts == 1
    assert "测试消息" in row.body


def test_email_reaches_a_real_smtp_server_with_a_message_id_from_the_row(app, staff,
                                                                         smtp_server):
    row = _one(channel=Channel.EMAIL, address="wang@example.cn")
    assert outbox.deliver_due(now=NOW) == 1
    [message] = smtp_server.messages
    assert message["Message-ID"] == f"<notification-{row.id}@portal.invalid>"
    assert message["To"] == "wang@example.cn" and "测试" in message["Subject"]


def test_unreachable_smtp_is_retried_with_growing_delays_then_dead(app, staff, caplog):
    app.config.update(NOTIFY_SMTP_PORT=1, NOTIFY_MAX_ATTEMPTS=3, NOTIFY_RETRY_BASE_SECONDS=60)
    row = _one(channel=Channel.EMAIL, address="wang@example.cn")
    now = beijing(date(2026, 3, 10), 10)
    delays = []
    for _ in range(3):
        outbox.deliver_due(now=now)
        db.session.refresh(row)
        delays.append(row.next_try_at - now)
        now = row.next_try_at
    assert delays[:2] == [timedelta(seconds=60), timedelta(seconds=120)]
    assert row.state is State.DEAD and row.attempts == 3
    assert row.last_error == "无法连接邮件服务器或连接中断，稍后重试。"
    assert "wang@example.cn" not in caplog.text
    actions = db.session.scalars(db.select(AuditEvent.action).where(
        AuditEvent.object_type == "notifications")).all()
    assert actions == ["notification.retry", "notification.retry", "notification.dead"]


def test_sms_goes_to_aliyun_signed_with_template_and_parameters(app, staff, sms_server):
    _one(channel=Channel.SMS, address="13812345678", kind="resident_received",
         data={"number": "2026-000001", "url": "u", "stop_url": "s"},
         at=beijing(date(2026, 3, 10), 10))
    assert outbox.deliver_due(now=beijing(date(2026, 3, 10), 10)) == 1
    [sent] = sms_server.sent
    assert sent == {"phone": "13812345678", "sign": "民权县政务公开",
                    "template": "SMS_RESIDENT_RECEIVED", "params": {"number": "2026-000001"},
                    "action": "SendSms", "version": "2017-05-25"}


def test_invalid_number_and_provider_errors_are_explained(app, staff, sms_server):
    now = beijing(date(2026, 3, 10), 10)
    bad = _one(channel=Channel.SMS, address="12345", at=now)
    busy = _one(channel=Channel.SMS, address="13812345678", at=now)
    sms_server.next_codes.append("isv.BUSINESS_LIMIT_CONTROL")
    outbox.deliver_due(now=now)
    db.session.refresh(bad)
    db.session.refresh(busy)
    assert bad.state is State.DEAD and "手机号码格式不正确" in bad.last_error
    assert busy.state is State.PENDING
    assert busy.last_error == ("短信服务商返回错误 isv.BUSINESS_LIMIT_CONTROL："
                               "触发服务商的发送频率限制")
    app.config["SMS_ACCESS_KEY_SECRET"] = "wrong"
    outbox.deliver_due(now=busy.next_try_at)
    db.session.refresh(busy)
    assert busy.state is State.DEAD and "接口签名不正确" in busy.last_error


def test_no_sms_at_night_except_urgent_and_a_daily_cap(app, staff, sms_server):
    night = beijing(date(2026, 3, 10), 23, 30)
    normal = _one(channel=Channel.SMS, address="13812345678", at=night)
    urgent = _one(channel=Channel.SMS, address="13812345678", at=night, urgent=True)
    assert normal.next_try_at == beijing(date(2026, 3, 11), 7)
    assert outbox.deliver_due(now=night) == 1 and urgent.state is State.SENT
    app.config["SMS_DAILY_CAP"] = 1
    assert outbox.deliver_due(now=beijing(date(2026, 3, 11), 7)) == 1
    third = _one(channel=Channel.SMS, address="13812345678", at=beijing(date(2026, 3, 11), 8))
    assert outbox.deliver_due(now=beijing(date(2026, 3, 11), 8)) == 0
    db.session.refresh(third)
    assert third.next_try_at == beijing(date(2026, 3, 12), 7) and third.attempts == 0
    assert "当日短信上限" in third.last_error


def test_a_reminder_with_the_same_key_exists_once(app, staff):
    assert outbox.enqueue("test", user=staff, dedupe_key="k") is not None
    assert outbox.enqueue("test", user=staff, dedupe_key="k") is None
    db.session.commit()
    assert outbox.enqueue("test", user=staff, dedupe_key="k") is None
