"""What people do with notifications: read their messages, stop them, see and retry
dead letters, send a test, choose channels, edit the wording. Each operation checks
permission, acts, records the audit event (never the content) and commits once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, update

from portal import audit
from portal.auth.models import Role
from portal.errors import NotFound, PermissionDenied, ValidationError
from portal.extensions import db
from portal.notifications import outbox, templates
from portal.notifications.models import (
    Channel,
    Notification,
    ResidentContact,
    StaffAddress,
    StaffPreference,
    State,
    TemplateOverride,
)
from portal.timeutil import utcnow

_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


def _require_admin(actor, action: str) -> None:
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied(action=action, actor=actor)


def inbox(actor, limit: int = 100) -> list[Notification]:
    """The signed-in person's in-app messages, newest first."""
    return db.session.scalars(select(Notification).where(
        Notification.user_id == actor.id, Notification.channel == Channel.INAPP,
        Notification.state == State.SENT).order_by(Notification.id.desc()).limit(limit)).all()


# Built once: every page a signed-in person opens counts their unread messages (the
# header's badge), and building it took longer than running it.
_UNREAD = select(func.count(Notification.id)).where(
    Notification.user_id == bindparam("user_id"), Notification.channel == Channel.INAPP,
    Notification.state == State.SENT, Notification.read_at.is_(None))


def unread_count(actor) -> int:
    return db.session.scalar(_UNREAD, {"user_id": actor.id}) or 0


def mark_all_read(actor) -> int:
    """Mark the actor's own messages read. Anyone signed in, for themselves only."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == actor.id, Notification.channel == Channel.INAPP,
        Notification.read_at.is_(None)).values(read_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def mark_read(actor, notification_id: int) -> Notification:
    """Mark one of the actor's own messages read. Raises NotFound for anyone else's."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != actor.id or row.channel is not Channel.INAPP:
        raise NotFound("找不到这条消息。")
    if row.read_at is None:
        row.read_at = utcnow()
    db.session.commit()
    return row


def inbox_page(actor, before: int | None = None, size: int = 20
               ) -> tuple[list[Notification], int | None]:
    """One page of the actor's messages, newest first, older than message `before`;
    with the id to continue from (None on the last page)."""
    query = select(Notification).where(
        Notification.user_id == actor.id, Notification.channel == Channel.INAPP,
        Notification.state == State.SENT)
    if before is not None:
        query = query.where(Notification.id < before)
    rows = db.session.scalars(query.order_by(Notification.id.desc()).limit(size + 1)).all()
    return rows[:size], (rows[size - 1].id if len(rows) > size else None)


@dataclass(frozen=True)
class StopLink:
    """What a resident's stop link stands for, as the confirmation page shows it."""

    number: str
    channel: Channel
    masked_address: str
    stopped_at: datetime | None


def mask_address(channel: Channel, address: str) -> str:
    """138****1234 for a mobile, z***@example.cn for an email address."""
    if channel is Channel.SMS:
        return f"{address[:3]}****{address[-4:]}" if len(address) >= 7 else "****"
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


def stop_link(token: str) -> StopLink:
    """The case and the masked address a stop link is about. Raises NotFound."""
    contact = _contact(token)
    from portal.inquiries.models import Inquiry

    inquiry = db.session.get(Inquiry, contact.inquiry_id)
    return StopLink(number=inquiry.number if inquiry else "", channel=contact.channel,
                    masked_address=mask_address(contact.channel, contact.address),
                    stopped_at=contact.stopped_at)


def _contact(token: str) -> ResidentContact:
    contact = None
    # Tokens are URL-safe base64; anything else (a NUL, which PostgreSQL refuses in a
    # query parameter, a cut-off link with punctuation) cannot be one.
    if token and len(token) <= 64 and _TOKEN.fullmatch(token):
        contact = db.session.scalar(select(ResidentContact).where(
            ResidentContact.stop_token == token))
    if contact is None:
        raise NotFound("该退订链接无效：请核对短信或邮件中的链接是否完整。")
    return contact


def stop_resident_messages(token: str) -> None:
    """The resident's stop link: no further messages about that case. Anyone holding the
    link may use it. Raises NotFound."""
    contact = _contact(token)
    if contact.stopped_at is None:
        contact.stopped_at = utcnow()
        audit.record(None, "notification.unsubscribe", contact)
    db.session.commit()


def delivery_log(actor, state: str = "") -> list[Notification]:
    """The latest messages sent or failed on email and SMS, optionally of one state
    ("queued" = pending or being sent). Admins only."""
    _require_admin(actor, "notification.log")
    query = select(Notification).where(Notification.channel != Channel.INAPP)
    if state == "queued":  # waiting: not yet tried, between tries, or being sent
        query = query.where(Notification.state.in_((State.PENDING, State.SENDING)))
    elif state in {s.value for s in State}:
        query = query.where(Notification.state == State(state))
    return db.session.scalars(query.order_by(Notification.id.desc()).limit(200)).all()


def retry(actor, notification_id: int) -> Notification:
    """Give a dead letter another round of attempts. Admins only. Raises NotFound."""
    _require_admin(actor, "notification.retry")
    row = db.session.get(Notification, notification_id)
    if row is None or row.state is not State.DEAD:
        raise NotFound("找不到该发送失败的通知。")
    row.state, row.attempts, row.next_try_at = State.PENDING, 0, utcnow()
    audit.record(actor, "notification.requeue", row, after={"kind": row.kind})
    db.session.commit()
    return row


def send_test(actor, channel: str, address: str) -> Notification:
    """Queue a test message to an address the admin gives. Admins only."""
    _require_admin(actor, "notification.test")
    from portal import validation

    if channel == Channel.EMAIL.value:
        address = validation.email(address, required=True)
    elif channel == Channel.SMS.value:
        address = validation.phone(address, field="address")
    else:
        raise ValidationError("请选择电子邮件或短信。", field="channel")
    row = outbox.enqueue("test", channel=Channel(channel), user=actor, address=address,
                         urgent=True)
    db.session.flush()
    audit.record(actor, "notification.test", row, after={"channel": channel})
    db.session.commit()
    return row


def overridden(actor) -> set[tuple[str, str]]:
    """(kind, channel) of every wording an admin has edited. Admins only."""
    _require_admin(actor, "notification.template")
    return {(row.kind, row.channel.value)
            for row in db.session.scalars(select(TemplateOverride)).all()}


def template_wording(actor, kind_key: str, channel: Channel) -> tuple[str, str]:
    """The wording now in force for a kind on a channel. Admins only."""
    _require_admin(actor, "notification.template")
    return templates.wording(kind_key, channel)


def save_template(actor, kind_key: str, channel: str, subject: str, body: str) -> None:
    """An admin's wording; refused when it names a placeholder the kind lacks."""
    _require_admin(actor, "notification.template")
    kind = templates.KINDS.get(kind_key)
    if kind is None or channel not in {c.value for c in Channel}:
        raise NotFound("没有这类通知。")
    if not (body or "").strip():
        raise ValidationError("请填写通知内容。", field="body")
    templates.check(kind, body, "" if channel == Channel.SMS.value else subject or "")
    row = db.session.scalar(select(TemplateOverride).where(
        TemplateOverride.kind == kind_key, TemplateOverride.channel == Channel(channel)))
    if row is None:
        row = TemplateOverride(kind=kind_key, channel=Channel(channel), body=body)
        db.session.add(row)
    row.subject, row.body, row.updated_at = (subject or "")[:200], body, utcnow()
    db.session.flush()
    audit.record(actor, "notification.template", row, after={"kind": kind_key,
                                                            "channel": channel})
    db.session.commit()


def staff_kinds() -> list[templates.Kind]:
    """The kinds of message staff receive and may choose channels for."""
    return [kind for kind in templates.KINDS.values()
            if kind.audience in ("staff", "inspector") and kind.key != "test"]


def my_settings(actor) -> tuple[StaffAddress | None, dict[str, StaffPreference]]:
    """The signed-in person's own addresses and channel choices (by kind)."""
    address = db.session.scalar(select(StaffAddress).where(StaffAddress.user_id == actor.id))
    prefs = db.session.scalars(select(StaffPreference).where(
        StaffPreference.user_id == actor.id)).all()
    return address, {pref.kind: pref for pref in prefs}


def save_settings(actor, email: str, mobile: str, chosen: dict[str, set[str]]) -> None:
    """Keep one's own email address and mobile, and the channels wanted for each kind
    (`chosen[kind]` ⊆ {"email", "sms"}; in-app is always on). Anyone signed in, for
    themselves. Raises ValidationError when a chosen channel has no address."""
    from portal import validation

    email = validation.email(email, required=False)
    mobile = validation.phone(mobile, field="mobile", required=False)
    if mobile and not validation.MOBILE.fullmatch(mobile):
        raise ValidationError("短信只能发往 11 位手机号。", field="mobile")
    wanted = {kind.key: chosen.get(kind.key, set()) & {"email", "sms"}
              for kind in staff_kinds()}
    if not email and any("email" in channels for channels in wanted.values()):
        raise ValidationError("选择了电子邮件通知，请填写电子邮箱。", field="email")
    if not mobile and any("sms" in channels for channels in wanted.values()):
        raise ValidationError("选择了短信通知，请填写手机号。", field="mobile")
    address, prefs = my_settings(actor)
    if address is None:
        address = StaffAddress(user_id=actor.id)
        db.session.add(address)
    address.email, address.mobile = email, mobile
    for key, channels in wanted.items():
        pref = prefs.get(key)
        if pref is None:
            pref = StaffPreference(user_id=actor.id, kind=key)
            db.session.add(pref)
        pref.email, pref.sms = "email" in channels, "sms" in channels
    db.session.flush()
    audit.record(actor, "notification.preferences", address, after={
        key: sorted(channels) for key, channels in wanted.items() if channels})
    db.session.commit()


def send_test_to_self(actor, channel: str) -> Notification:
    """发送测试消息 to the admin's own address (kept on their 消息设置 page)."""
    address, _prefs = my_settings(actor)
    own = {Channel.EMAIL.value: address.email if address else "",
           Channel.SMS.value: address.mobile if address else ""}.get(channel)
    if own is None:
        raise ValidationError("请选择电子邮件或短信。", field="channel")
    if not own:
        raise ValidationError("您还没有填写该渠道的地址，请先在“消息设置”中填写。",
                              field="channel")
    return send_test(actor, channel, own)
