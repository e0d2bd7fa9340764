"""The pages people meet: the resident's stop link and the staff 消息 centre."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.notifications import outbox
from portal.notifications.models import Channel, Notification, ResidentContact, State


def _stop_path(contact: ResidentContact) -> str:
    return f"/notifications/stop/{contact.stop_token}"


def _contact(submit) -> tuple[ResidentContact, str]:
    receipt = submit(notify_channel="sms")
    contact = db.session.scalar(select(ResidentContact).where(
        ResidentContact.inquiry_id == receipt.inquiry.id))
    return contact, receipt.inquiry.number


def test_the_stop_link_sent_to_a_resident_opens_a_confirmation(app, client, submit):
    contact, number = _contact(submit)
    [sms] = db.session.scalars(select(Notification).where(
        Notification.kind == "resident_received")).all()
    assert sms.data["stop_url"].endswith(_stop_path(contact))

    page = client.get(_stop_path(contact))

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert number in text and "138****5678" in text and "13812345678" not in text
    assert "确认退订" in text and 'method="post"' in text


def test_stopping_works_once_is_audited_and_a_second_press_says_so(app, client, submit):
    contact, number = _contact(submit)

    first = client.post(_stop_path(contact))
    second = client.post(_stop_path(contact))
    again = client.get(_stop_path(contact))

    assert first.status_code == 200 and "已退订" in first.get_data(as_text=True)
    assert number in first.get_data(as_text=True)
    assert second.status_code == 410 and again.status_code == 410
    assert "已使用过" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ResidentContact, contact.id).stopped_at is not None
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action == "notification.unsubscribe")).all()
    assert actions == ["notification.unsubscribe"]


def test_an_unknown_stop_link_is_a_chinese_404(client, orgs):
    for token in ("no-such-token", "x" * 200, "%00", "abc%0A", "%E4%BD%A0"):
        response = client.get(f"/notifications/stop/{token}")
        assert response.status_code == 404
        assert "退订链接无效" in response.get_data(as_text=True)
    assert client.post("/notifications/stop/nothing").status_code == 404


def _message(user, subject: str) -> Notification:
    row = outbox.enqueue("test", user=user, data={"url": ""})
    db.session.flush()
    row.state, row.subject, row.body = State.SENT, subject, "正文"
    row.sent_at = row.created_at
    db.session.commit()
    return row


def _count(page: str) -> str | None:
    found = re.search(r"消息（(\d+)）", page)
    return found.group(1) if found else None


def test_unread_count_in_the_navigation_falls_as_messages_are_read(app, client, login,
                                                                   handlers):
    me, other = handlers["handler"], handlers["reviewer"]
    first, _second, _third = (_message(me, f"第{n}条") for n in "一二三")
    _message(other, "别人的消息")
    login(me)

    page = client.get("/staff/messages/").get_data(as_text=True)
    assert _count(page) == "3"
    assert page.index("第三条") < page.index("第一条") and "别人的消息" not in page

    client.post(f"/staff/messages/{first.id}/read")
    assert _count(client.get("/staff/").get_data(as_text=True)) == "2"
    client.post("/staff/messages/read")
    page = client.get("/staff/messages/").get_data(as_text=True)
    assert _count(page) is None and "消息</a>" in page


def test_someone_elses_message_cannot_be_marked_read(app, client, login, handlers):
    theirs = _message(handlers["reviewer"], "别人的消息")
    login(handlers["handler"])

    response = client.post(f"/staff/messages/{theirs.id}/read")

    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_messages_are_paged_newest_first(app, client, login, handlers):
    me = handlers["handler"]
    for n in range(25):
        _message(me, f"消息编号{n:02d}")
    login(me)

    first = client.get("/staff/messages/").get_data(as_text=True)
    assert "消息编号24" in first and "消息编号04" not in first
    older = re.search(r'href="(/staff/messages/\?before=\d+)"', first).group(1)
    second = client.get(older).get_data(as_text=True)
    assert "消息编号04" in second and "消息编号24" not in second
    assert client.get("/staff/messages/?before=abc").status_code == 200


def test_channel_labels_for_the_stop_page(app):
    from portal.notifications.services import mask_address

    assert mask_address(Channel.EMAIL, "wang@example.cn") == "w***@example.cn"
    assert mask_address(Channel.SMS, "13812345678") == "138****5678"
