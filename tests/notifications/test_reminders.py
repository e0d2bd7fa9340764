"""Each reminder of a case comes once, at the right Beijing time, and none after the
reply: a 依申请公开 case driven through its whole 20-working-day clock across 清明."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.inquiries import workflow
from portal.inquiries.models import InquiryType
from portal.notifications import outbox, reminders
from portal.notifications.models import Channel, Notification, ResidentContact
from portal.timeutil import to_local
from tests.inquiries.timetravel import TimeMachine, beijing, cheap_password_hashing


@pytest.fixture
def travel(monkeypatch, app):
    cheap_password_hashing(monkeypatch)
    return TimeMachine(monkeypatch, beijing(date(2026, 3, 30), 9))


def _produced(kind=None):
    query = select(Notification).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query).all()


def _when(rows):
    return sorted({(row.kind, row.user.username, to_local(row.created_at).strftime(
        "%m-%d %H:%M")) for row in rows if row.user})


def test_a_whole_reply_clock_across_a_holiday(app, travel, handlers, submit):
    app.config["ESCALATE_TO_INSPECTOR_AFTER_WORKING_DAYS"] = 2
    receipt = submit(type=InquiryType.INFO_REQUEST, notify_channel="sms")
    inquiry = receipt.inquiry
    assert [(r.kind, r.user.username) for r in _produced()
            if r.user] == [("assigned", "handler"), ("assigned", "handler2")]
    [resident] = _produced("resident_received")
    assert resident.channel is Channel.SMS and resident.address == "13812345678"
    workflow.sign(handlers["handler"], inquiry.id)
    # 20 working days from 03-30, 清明 (04-04 to 04-06) skipped: due 04-28 23:59:59.
    assert to_local(inquiry.reply_due_at).strftime("%m-%d %H:%M:%S") == "04-28 23:59:59"
    start = len(_produced())
    while travel.now < beijing(date(2026, 5, 1), 23):
        travel.advance(minutes=30)
        reminders.sweep()
    assert _when(_produced()[start:]) == [
        ("overdue", "handler", "04-29 00:00"),
        ("overdue_head", "reviewer", "04-29 00:00"),
        ("overdue_inspector", "inspector", "04-30 08:00"),
        ("reply_due_soon", "handler", "04-24 08:00"),
    ]
    workflow.start_processing(handlers["handler"], inquiry.id)
    workflow.reply(handlers["handler"], inquiry.id, "经查，所申请信息予以公开，见附件说明。",
                   outcome="grant")
    after_reply = len(_produced())
    for _ in range(48):
        travel.advance(hours=1)
        reminders.sweep()
    assert [r.kind for r in _produced()[after_reply - 1:]] == ["resident_replied"]


def test_a_pause_moves_the_deadline_and_gets_reminders_of_its_own(app, travel, handlers,
                                                                  submit):
    inquiry = submit().inquiry  # 咨询: 5 working days
    workflow.sign(handlers["handler"], inquiry.id)
    first_due = inquiry.reply_due_at
    travel.set(first_due - timedelta(days=1))
    travel.to(to_local(travel.now).date(), 9)
    reminders.sweep()
    reminders.sweep()
    assert len(_produced("reply_due_soon")) == 1


def test_resident_can_stop_messages_and_sms_carries_no_content(app, travel, handlers,
                                                               submit, sms_server):
    inquiry = submit(notify_channel="sms").inquiry
    outbox.deliver_due(now=travel.now)
    [sent] = sms_server.sent
    assert sent["params"] == {"number": inquiry.number}  # no content, no link to a page
    contact = db.session.scalar(select(ResidentContact))
    from portal.notifications import services

    services.stop_resident_messages(contact.stop_token)
    workflow.sign(handlers["handler"], inquiry.id)
    workflow.start_processing(handlers["handler"], inquiry.id)
    workflow.reply(handlers["handler"], inquiry.id, "您好，低保申请需要户口本和身份证。")
    assert [r.kind for r in _produced() if r.address] == ["resident_received"]
