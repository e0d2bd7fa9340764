"""The transactional outbox and its delivery.

Writing: `enqueue` adds a row to the caller's unit of work, so the message exists exactly
when the event that causes it is committed. A `dedupe_key` (unique) makes a reminder that
several sweeps would produce exist once.

Delivering, one row at a time (`deliver_due`):
1. claim: one UPDATE moves a due row (pending and due, or sending with an expired lease)
   to `sending` with a fresh claim token, a lease and one more attempt, and commits;
2. send, outside any transaction;
3. mark: one UPDATE, conditional on the claim token, sets `sent` (or the next try, or
   `dead` after the last attempt, with a Chinese reason), records the audit event
   without the content, and commits.

Decision: at-least-once, with duplicates made detectable, not exactly-once. No SMTP
server or SMS provider takes part in our transaction, so a worker killed with kill -9
between the provider's acceptance (step 2) and the mark (step 3) leaves a `sending` row
whose lease runs out and which is sent again. Losing an acknowledged message is worse
than a rare duplicate: a resident must learn that the reply is ready. The window is
the few milliseconds between the server's "250 OK" and our commit; every attempt of a
row carries the same SMTP Message-ID (`Notification.message_id`), so a mail system or a
reader sees the second copy as a duplicate. A worker killed before the server's
acceptance (mid-connection, mid-DATA) has sent nothing: SMTP delivers a message only
once it has answered the final dot. In-app messages are written in the mark's
transaction, so they are exactly-once.

Night and volume rules for SMS: none between 22:00 and 07:00 Beijing time (deferred to
07:00) except urgent ones (舆情 escalations); at most SMS_DAILY_CAP per number and
Beijing day (the rest move to the next day's 07:00). Neither counts as an attempt.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from portal import audit
from portal.extensions import db
from portal.notifications import channels, templates
from portal.notifications.models import Channel, Notification, ResidentContact, State
from portal.timeutil import LOCAL_TZ, to_local, utcnow

log = logging.getLogger(__name__)
QUIET_FROM, QUIET_UNTIL = time(22, 0), time(7, 0)


def enqueue(kind: str, *, channel: Channel = Channel.INAPP, user=None, address: str = "",
            inquiry=None, data: dict | None = None, dedupe_key: str | None = None,
            urgent: bool = False, at: datetime | None = None) -> Notification | None:
    """Add one message to the caller's unit of work (the caller commits). Returns None
    when a message with the same `dedupe_key` exists already."""
    if dedupe_key is not None:
        pending = [obj for obj in db.session.new if isinstance(obj, Notification)
                   and obj.dedupe_key == dedupe_key]
        if pending or db.session.scalar(select(Notification.id).where(
                Notification.dedupe_key == dedupe_key)) is not None:
            return None
    now = at or utcnow()
    row = Notification(kind=kind, channel=channel, user_id=getattr(user, "id", None),
                       address=address, inquiry_id=getattr(inquiry, "id", None),
                       data=data or {}, dedupe_key=dedupe_key, urgent=urgent,
                       state=State.PENDING, attempts=0, created_at=now,
                       next_try_at=sms_window(now) if channel is Channel.SMS and not urgent
                       else now, last_error="", subject="", body="")
    db.session.add(row)
    return row


def sms_window(moment: datetime) -> datetime:
    """`moment`, or 07:00 Beijing after it when it falls in the night (22:00–07:00)."""
    local = to_local(moment)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return moment
    day = local.date() + timedelta(days=1) if local.time() >= QUIET_FROM else local.date()
    return datetime.combine(day, QUIET_UNTIL, tzinfo=LOCAL_TZ).astimezone(moment.tzinfo)


def _due(now: datetime):
    return or_(and_(Notification.state == State.PENDING, Notification.next_try_at <= now),
               and_(Notification.state == State.SENDING, Notification.lease_until < now))


def claim(row_id: int, now: datetime) -> str | None:
    """Take one due row for delivery and commit; None if it is not due or another
    worker took it first."""
    token = secrets.token_hex(16)
    lease = timedelta(seconds=current_app.config["NOTIFY_LEASE_SECONDS"])
    result = db.session.execute(
        update(Notification).where(Notification.id == row_id, _due(now)).values(
            state=State.SENDING, claim_token=token, lease_until=now + lease,
            attempts=Notification.attempts + 1).execution_options(synchronize_session=False))
    db.session.commit()
    return token if result.rowcount == 1 else None


def deliver_due(limit: int = 100, now: datetime | None = None) -> int:
    """Deliver the rows due now, oldest first; returns how many were sent."""
    now = now or utcnow()
    ids = db.session.scalars(select(Notification.id).where(_due(now))
                             .order_by(Notification.next_try_at, Notification.id)
                             .limit(limit)).all()
    db.session.commit()
    return sum(deliver(row_id, now) for row_id in ids)


def deliver(row_id: int, now: datetime) -> bool:
    token = claim(row_id, now)
    if token is None:
        return False
    row = db.session.get(Notification, row_id)
    if _resident_stopped(row):
        return _mark(row, token, state=State.CANCELLED, last_error="群众已退订通知，不再发送。",
                     audit_action="notification.cancelled")
    deferred = _deferred_until(row, now)
    if deferred is not None:
        _mark(row, token, state=State.PENDING, next_try_at=deferred[0], last_error=deferred[1],
              attempts=row.attempts - 1)
        return False
    try:
        subject, body = templates.render(row.kind, row.channel, _values(row))
    except (KeyError, ValueError, IndexError):
        return _failed(row, token, channels.DeliveryError(
            "模板中的占位符无法填写，请管理员检查该类通知的模板。", permanent=True), now)
    try:
        _send(row, subject, body, now)
    except channels.DeliveryError as error:
        return _failed(row, token, error, now)
    return _mark(row, token, state=State.SENT, sent_at=now, subject=subject[:200], body=body,
                 last_error="", audit_action="notification.sent")


def _values(row: Notification) -> dict:
    values = dict(row.data or {})
    values.setdefault("url", current_app.config.get("SITE_URL") or "")
    return values


def _send(row: Notification, subject: str, body: str, now: datetime) -> None:
    if row.channel is Channel.INAPP:
        return  # the mark stores subject and body: that is the delivery
    address = row.address or _staff_address(row)
    if row.channel is Channel.EMAIL:
        channels.send_email(address, subject, body, row.message_id, now,
                            unsubscribe_url=str((row.data or {}).get("stop_url", "")))
    else:
        kind = templates.KINDS[row.kind]
        params = {name: str(_values(row).get(name, "")) for name in kind.fields
                  if name not in ("url", "stop_url")}
        channels.send_sms(address, subject, params)


def _staff_address(row: Notification) -> str:
    from portal.notifications.models import StaffAddress

    found = db.session.scalar(select(StaffAddress).where(StaffAddress.user_id == row.user_id))
    if found is None:
        return ""
    return found.email if row.channel is Channel.EMAIL else found.mobile


def _resident_stopped(row: Notification) -> bool:
    return bool(row.inquiry_id and row.address) and db.session.scalar(
        select(ResidentContact.stopped_at).where(
            ResidentContact.inquiry_id == row.inquiry_id)) is not None


def _deferred_until(row: Notification, now: datetime) -> tuple[datetime, str] | None:
    """SMS waits out the night and the daily cap."""
    if row.channel is not Channel.SMS or row.urgent:
        return None
    window = sms_window(now)
    if window > now:
        return window, "夜间（22:00—07:00）不发短信，顺延至 07:00。"
    if _sent_today(row, now) >= current_app.config["SMS_DAILY_CAP"]:
        local = to_local(now).date() + timedelta(days=1)
        return (datetime.combine(local, QUIET_UNTIL, tzinfo=LOCAL_TZ).astimezone(now.tzinfo),
                "已达该号码当日短信上限，顺延至次日 07:00。")
    return None


def _sent_today(row: Notification, now: datetime) -> int:
    local = to_local(now)
    start = datetime.combine(local.date(), time(0), tzinfo=LOCAL_TZ).astimezone(now.tzinfo)
    same = (Notification.address == row.address) if row.address else (
        Notification.user_id == row.user_id)
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.channel == Channel.SMS, Notification.state == State.SENT,
        Notification.sent_at >= start, same)) or 0


def _failed(row: Notification, token: str, error: channels.DeliveryError,
            now: datetime) -> bool:
    limit = current_app.config["NOTIFY_MAX_ATTEMPTS"]
    if error.permanent or row.attempts >= limit:
        return _mark(row, token, state=State.DEAD, last_error=error.reason,
                     audit_action="notification.dead")
    base = current_app.config["NOTIFY_RETRY_BASE_SECONDS"]
    delay = timedelta(seconds=base * 2 ** (row.attempts - 1))
    return _mark(row, token, state=State.PENDING, next_try_at=now + delay,
                 last_error=error.reason, audit_action="notification.retry")


def _mark(row: Notification, token: str, *, audit_action: str | None = None, **values) -> bool:
    """Record the outcome if the claim is still ours; commit. True when sent."""
    result = db.session.execute(
        update(Notification).where(Notification.id == row.id,
                                   Notification.claim_token == token)
        .values(claim_token=None, lease_until=None, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        log.warning("notification claim lost", extra={"notification_id": row.id})
        return False
    if audit_action:
        audit.record(None, audit_action, row, after={
            "kind": row.kind, "channel": row.channel.value, "attempts": row.attempts,
            "reason": values.get("last_error", "")})
    db.session.commit()
    db.session.expire(row)
    log.info("notification %s", audit_action or "deferred",
             extra={"notification_id": row.id, "channel": row.channel.value})
    return values.get("state") is State.SENT
