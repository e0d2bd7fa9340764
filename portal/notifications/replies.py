"""Residents stop messages by replying: an SMS answered with 退订 (or TD, T, N, 取消,
停止, the words Chinese SMS users know) stops every message to that number, about every
case. The provider pushes replies to the portal (阿里云短信 上行消息 HTTP 批量推送: a JSON
list of {"phone_number", "content", "send_time", "dest_code", "sequence_id", …}) at
`/notifications/sms/replies/<SMS_INBOUND_TOKEN>`; the token in the address is the only
credential the push carries, so it is long and secret, and without it the address is
not served. A reply is audited as "by reply" without the number or the words.

Email needs no inbound mailbox: each resident email carries List-Unsubscribe with
one-click unsubscription (RFC 8058) to the stop link, which the mail client's own
unsubscribe button uses.
"""

from __future__ import annotations

import hmac
import re

from flask import current_app
from sqlalchemy import select

from portal import audit
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.notifications.models import Channel, ResidentContact
from portal.timeutil import utcnow

STOP_WORDS = {"退订", "TD", "T", "N", "取消", "停止", "退订短信", "STOP"}
MAX_REPLIES = 500


def check_token(token: str) -> None:
    """Raise NotFound unless replies are configured and `token` is theirs."""
    expected = current_app.config.get("SMS_INBOUND_TOKEN") or ""
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise NotFound("页面不存在。")


def is_stop(content: str) -> bool:
    words = re.sub(r"[\s\u3000。．.!！,，]+", "", content or "").upper()
    return words in STOP_WORDS


def _phone(value) -> str:
    digits = re.sub(r"\D", "", str(value or ""))
    return digits[-11:] if len(digits) >= 11 and digits.startswith("86") else digits


def record_replies(payload) -> int:
    """Stop the numbers whose reply asks so; commits. Returns how many subscriptions
    stopped. Raises ValidationError for a payload that is not the provider's list."""
    if isinstance(payload, dict):
        payload = [payload]
    if not isinstance(payload, list) or len(payload) > MAX_REPLIES or not all(
            isinstance(item, dict) for item in payload):
        raise ValidationError("上行短信推送格式不正确：应为消息对象的列表。")
    stopped = 0
    now = utcnow()
    for item in payload:
        phone = _phone(item.get("phone_number"))
        if not (len(phone) == 11 and is_stop(str(item.get("content", "")))):
            continue
        for contact in db.session.scalars(select(ResidentContact).where(
                ResidentContact.channel == Channel.SMS, ResidentContact.address == phone,
                ResidentContact.stopped_at.is_(None))):
            contact.stopped_at = now
            audit.record(None, "notification.unsubscribe", contact, after={"by": "sms_reply"})
            stopped += 1
    db.session.commit()
    return stopped
