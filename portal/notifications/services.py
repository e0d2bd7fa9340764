"""What people do with notifications: read their messages, stop them, see and retry
dead letters, send a test, choose channels, edit the wording. Each operation checks
permission, acts, records the audit event (never the content) and commits once."""

from __future__ import annotations

from sqlalchemy import func, select, update

from portal import audit
from portal.auth.models import Role
from portal.errors import NotFound, PermissionDenied, ValidationError
from portal.extensions import db
from portal.notifications import outbox, templates
from portal.notifications.models import (
    Channel,
    Notification,
    ResidentContact,
    State,
    TemplateOverride,
)
from portal.timeutil import utcnow


def _require_admin(actor, action: str) -> None:
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied(action=action, actor=actor)


def inbox(actor, limit: int = 100) -> list[Notification]:
    """The signed-in person's in-app messages, newest first."""
    return db.session.scalars(select(Notification).where(
        Notification.user_id == actor.id, Notification.channel == Channel.INAPP,
        Notification.state == State.SENT).order_by(Notification.id.desc()).limit(limit)).all()


def unread_count(actor) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == actor.id, Notification.channel == Channel.INAPP,
        Notification.state == State.SENT, Notification.read_at.is_(None))) or 0


def mark_all_read(actor) -> int:
    """Mark the actor's own messages read. Anyone signed in, for themselves only."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == actor.id, Notification.channel == Channel.INAPP,
        Notification.read_at.is_(None)).values(read_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def stop_resident_messages(token: str) -> None:
    """The resident's stop link: no further messages about that case. Anyone holding the
    link may use it. Raises NotFound."""
    contact = db.session.scalar(select(ResidentContact).where(
        ResidentContact.stop_token == (token or "")[:64]))
    if contact is None:
        raise NotFound("该退订链接无效或已过期。")
    if contact.stopped_at is None:
        contact.stopped_at = utcnow()
        audit.record(None, "notification.unsubscribe", contact)
    db.session.commit()


def delivery_log(actor, state: str = "") -> list[Notification]:
    """The latest messages sent or failed on email and SMS. Admins only."""
    _require_admin(actor, "notification.log")
    query = select(Notification).where(Notification.channel != Channel.INAPP)
    if state in {s.value for s in State}:
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
