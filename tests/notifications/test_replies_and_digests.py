"""Residents stop messages by replying (SMS 退订, the mail client's unsubscribe button);
staff get one morning digest of their work queue; inspectors one weekly list; the worker
signs the transparency log's head every hour without doubling a systemd timer's."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.auth.models import Role
from portal.disclosures import services as disclosures
from portal.disclosures.models import Category
from portal.extensions import db
from portal.notifications import digests, outbox
from portal.notifications.models import Channel, Notification, ResidentContact
from portal.timeutil import to_local
from tests.inquiries.timetravel import TimeMachine, beijing, cheap_password_hashing

TOKEN = "r" * 40


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SMS_INBOUND_TOKEN": TOKEN}


@pytest.fixture
def travel(monkeypatch, app):
    cheap_password_hashing(monkeypatch)
    return TimeMachine(monkeypatch, beijing(date(2026, 4, 8), 9))  # a Wednesday


def _rows(kind):
    return db.session.scalars(select(Notification).where(Notification.kind == kind)
                              .order_by(Notification.id)).all()


def _contacts():
    db.session.expire_all()
    return db.session.scalars(select(ResidentContact).order_by(ResidentContact.id)).all()


def test_replying_td_to_an_sms_stops_every_message_to_that_number(app, client, submit):
    submit(notify_channel="sms")
    submit(notify_channel="sms", title="第二件：路灯不亮")
    submit(notify_channel="sms", contact_phone="13900001111", title="别人的留言")
    push = [{"phone_number": "13812345678", "content": " td ", "send_time":
             "2026-04-08 10:00:00", "dest_code": "1234", "sequence_id": 1,
             "sign_name": "民权县政务公开"},
            {"phone_number": "13900001111", "content": "谢谢", "sequence_id": 2}]

    answer = client.post(f"/notifications/sms/replies/{TOKEN}", json=push)

    assert answer.status_code == 200 and answer.get_json() == {"code": 0, "msg": "接收成功"}
    stopped = [(c.address, c.stopped_at is not None) for c in _contacts()]
    assert stopped == [("13812345678", True), ("13812345678", True), ("13900001111", False)]


def test_the_reply_address_is_secret_and_checks_what_it_is_given(app, client, submit):
    submit(notify_channel="sms")
    wrong = client.post("/notifications/sms/replies/guess", json=[
        {"phone_number": "13812345678", "content": "退订"}])
    malformed = client.post(f"/notifications/sms/replies/{TOKEN}", json="退订")
    not_json = client.post(f"/notifications/sms/replies/{TOKEN}", data="x")
    assert wrong.status_code == 404
    assert malformed.status_code == 400 and "格式不正确" in malformed.get_json()["msg"]
    assert not_json.status_code == 400
    assert all(c.stopped_at is None for c in _contacts())


def test_resident_email_carries_one_click_unsubscribe_that_works(app, client, submit,
                                                                 smtp_server):
    submit(notify_channel="email", notify_email="wang@example.com")
    outbox.deliver_due()
    [mail] = smtp_server.messages
    url = mail["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://gk.example.gov.cn/notifications/stop/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    path = url.removeprefix("https://gk.example.gov.cn")
    first = client.post(path, data={"List-Unsubscribe": "One-Click"})
    again = client.post(path, data={"List-Unsubscribe": "One-Click"})

    assert first.status_code == 204 and again.status_code == 204
    assert _contacts()[0].stopped_at is not None


def test_each_working_morning_staff_get_one_digest_of_what_awaits_them(
        app, travel, orgs, make_user):
    editor = make_user("editor", (Role.EDITOR, orgs["town"]))
    make_user("reviewer", (Role.REVIEWER, orgs["town"]))
    make_user("idle_reviewer", (Role.REVIEWER, orgs["other_town"]))
    doc = disclosures.create_draft(editor, disclosures.DisclosureInput(
        organization=orgs["town"], category=Category.RESULT, title="双塔镇春耕补贴发放结果",
        body_html="正文", formed_on=date(2026, 4, 2)))
    disclosures.submit(editor, doc.id)

    travel.to(date(2026, 4, 8), 8, 30)
    assert digests.daily_digest() == 1
    assert digests.daily_digest() == 0  # once a day, however often it runs
    [digest] = [row for row in _rows("daily_digest") if row.channel is Channel.INAPP]
    assert digest.user.username == "reviewer" and digest.data["count"] == 1
    assert "待审核：双塔镇春耕补贴发放结果" in digest.data["items"]
    assert digest.data["url"] == "https://gk.example.gov.cn/staff/"

    travel.to(date(2026, 4, 11), 8, 30)  # a Saturday
    assert digests.daily_digest() == 0
    travel.to(date(2026, 4, 13), 8, 30)
    assert digests.daily_digest() == 1


def test_inspectors_get_a_weekly_list_of_red_cases(app, travel, handlers, submit):
    inquiry = submit().inquiry
    travel.to(date(2026, 4, 20), 8)  # long past the 5 working days of a 咨询
    assert digests.weekly_digest() == 1
    assert digests.weekly_digest() == 0
    [digest] = _rows("weekly_digest")
    assert digest.user.username == "inspector"
    assert inquiry.number in digest.data["items"] and digest.data["url"].endswith("/inspect/")
    assert to_local(digest.created_at).strftime("%m-%d") == "04-20"


def test_the_worker_signs_a_head_hourly_but_not_twice_for_a_quiet_log(app, travel, tmp_path):
    from portal.auth.system import SYSTEM
    from portal.transparency import heads

    assert heads.sign_if_due() is None  # no key yet: nothing to sign with
    app.config["TRANSPARENCY_KEY_FILE"] = str(tmp_path / "keys" / "log-key")
    heads.keygen(SYSTEM)
    first = heads.sign_if_due()
    assert first is not None
    travel.advance(minutes=10)
    assert heads.sign_if_due() is None  # a timer signed it just now and nothing happened
    travel.advance(minutes=50)
    assert heads.sign_if_due() is not None
