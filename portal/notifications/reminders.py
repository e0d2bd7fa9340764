"""Who is told what, and when: the hooks the work-order services call inside their own
transaction, and the deadline sweep the worker runs every few minutes.

The sweep is idempotent: each reminder carries a key naming the case, the kind and the
deadline it is about, so running it twice, or on two servers, produces it once; a
deadline moved by a pause or an extension is a new deadline with reminders of its own.
Times, in Beijing time, with the working-day calendar of `portal.workdays`:
- 签收临期: from 16:00 on the day the sign-for clock falls due (it ends at 23:59:59);
- 黄牌: from 08:00 on a day the reply is due within the due-soon warning (2 working days);
- 红牌: at the first sweep after the reply deadline, to the handler (or the unit's
  handlers) and the unit head (reviewers covering the unit);
- to the inspector from 08:00 on the ESCALATE_TO_INSPECTOR_AFTER_WORKING_DAYS-th working day
  after the due day, while still unanswered.
Nothing is produced for a case no longer open on the clock (replied, closed, waiting).
舆情 items run on hour milestones instead (`duties.opinion_milestones`), and the sweep
also produces the other duties' reminders (`portal.notifications.duties`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from flask import current_app
from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import lazyload

from portal.auth.models import Role, RoleGrant, User
from portal.extensions import db
from portal.inquiries import clocks
from portal.inquiries.models import CLOCKED_STATUSES, Inquiry, InquiryType, Status
from portal.notifications import outbox
from portal.notifications.models import Channel, ResidentContact, StaffPreference
from portal.organizations.models import Organization
from portal.timeutil import format_local, to_local, utcnow
from portal.workdays.calendar import working_days_between

MORNING, SIGN_WARNING = time(8, 0), time(16, 0)


def covering(role: Role, organization) -> list[User]:
    """Active users holding `role` on `organization` or above it: the organizations whose
    path is a prefix of its path ("/1/4/9/" → "/1/", "/1/4/", "/1/4/9/"), in one query."""
    return list(db.session.scalars(_COVERING, _covering_params(role, organization)))


# The statements are built once, with the role, the paths and the kind as parameters:
# every submission runs one, and building it cost three times what running it does.
_COVERING = (select(User).join(RoleGrant, RoleGrant.user_id == User.id)
             .join(Organization, Organization.id == RoleGrant.organization_id)
             .where(RoleGrant.role == bindparam("role"),
                    Organization.path.in_(bindparam("above", expanding=True)), User.active)
             .options(lazyload(User.grants))  # who they are is enough to tell them
             .distinct().order_by(User.id))
_COVERING_WITH_PREFERENCES = _COVERING.add_columns(StaffPreference).outerjoin(
    StaffPreference, and_(StaffPreference.user_id == User.id,
                          StaffPreference.kind == bindparam("kind")))


def _covering_params(role: Role, organization) -> dict:
    parts = organization.path.strip("/").split("/")
    return {"role": role,
            "above": ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]}


@dataclass(frozen=True)
class Audience:
    """The staff to tell one kind of message, with the channels each chose for it."""

    kind: str
    users: list[User]
    preferences: dict[int, StaffPreference]


def audience(kind: str, users) -> Audience:
    users = list(users)
    preferences = {p.user_id: p for p in db.session.scalars(select(StaffPreference).where(
        StaffPreference.user_id.in_([user.id for user in users]),
        StaffPreference.kind == kind))} if users else {}
    return Audience(kind, users, preferences)


def tell_staff(kind: str, users, *, inquiry=None, data: dict, key: str | None = None,
               urgent: bool = False) -> int:
    """In-app always; email and SMS where the person chose them for this kind. Returns
    how many people were told now (not before, under the same `key`)."""
    return tell(audience(kind, users), inquiry=inquiry, data=data, key=key, urgent=urgent)


def tell(told_whom: Audience, *, inquiry=None, data: dict, key: str | None = None,
         urgent: bool = False) -> int:
    """`tell_staff` for an audience read already."""
    told, kind = 0, told_whom.kind
    for user in told_whom.users:
        dedupe = f"{key}:u{user.id}" if key else None
        if outbox.enqueue(kind, user=user, inquiry=inquiry, data=data,
                          dedupe_key=f"{dedupe}:inapp" if dedupe else None,
                          urgent=urgent) is None:
            continue
        told += 1
        pref = told_whom.preferences.get(user.id)
        for channel, wanted in ((Channel.EMAIL, pref and pref.email),
                                (Channel.SMS, pref and pref.sms)):
            if wanted:
                outbox.enqueue(kind, channel=channel, user=user, inquiry=inquiry, data=data,
                               dedupe_key=f"{dedupe}:{channel.value}" if dedupe else None,
                               urgent=urgent)
    return told


def case_data(inquiry: Inquiry, due: datetime | None) -> dict:
    site = current_app.config.get("SITE_URL") or ""
    return {"number": inquiry.number, "title": inquiry.title,
            "organization": inquiry.organization.name,
            "due": format_local(due, "%Y-%m-%d %H:%M") if due else "",
            "url": f"{site}/staff/inquiries/{inquiry.id}"}


def handlers_of(inquiry: Inquiry) -> list[User]:
    return [inquiry.handler] if inquiry.handler else covering(Role.HANDLER, inquiry.organization)


def arrival_audience(organization) -> Audience:
    """Who hears of a case arriving at `organization`: its handlers, with the channels
    each chose, in one statement (every submission reads them)."""
    kind, users, preferences = "assigned", [], {}
    rows = db.session.execute(_COVERING_WITH_PREFERENCES,
                              dict(_covering_params(Role.HANDLER, organization), kind=kind))
    for user, preference in rows:
        users.append(user)
        if preference is not None:
            preferences[user.id] = preference
    return Audience(kind, users, preferences)


def case_arrived(inquiry: Inquiry, handlers: Audience | None = None) -> None:
    """A case received by, or transferred or returned to, a unit: its handlers are told
    (`handlers`: its `arrival_audience`, when read already)."""
    tell(handlers or arrival_audience(inquiry.organization), inquiry=inquiry,
         data=case_data(inquiry, inquiry.sign_due_at), urgent=inquiry.type.value == "opinion")


def supervision_issued(notice) -> None:
    """督办: the handler of the case (or the unit's handlers) and the unit head."""
    due = clocks.end_of_day(notice.answer_due_on)
    if notice.inquiry is not None:
        users, data = handlers_of(notice.inquiry), case_data(notice.inquiry, due)
    else:
        users = covering(Role.VILLAGE_CLERK, notice.organization)
        data = {"number": notice.subject, "title": notice.subject,
                "organization": notice.organization.name,
                "due": format_local(due, "%Y-%m-%d %H:%M"), "url": ""}
    tell_staff("supervision_issued", users, inquiry=notice.inquiry, data=data)


def tell_resident(inquiry: Inquiry, kind: str, *, key: str | None = None, **extra) -> None:
    """A resident who opted in hears of receipt, 补正, extension and the reply (never
    its content by SMS); nothing once they stopped it."""
    contact = db.session.scalar(select(ResidentContact).where(
        ResidentContact.inquiry_id == inquiry.id))
    if contact is None or contact.stopped_at is not None:
        return
    site = current_app.config.get("SITE_URL") or ""
    data = {"number": inquiry.number, "url": f"{site}/inquiries/track",
            "stop_url": f"{site}/notifications/stop/{contact.stop_token}", **extra}
    outbox.enqueue(kind, channel=contact.channel, address=contact.address, inquiry=inquiry,
                   data=data, dedupe_key=key)


def sweep(now: datetime | None = None) -> int:
    """Produce the due reminders and escalations of every open case; commits. Returns
    how many messages were added."""
    from portal.notifications import duties

    now = now or utcnow()
    before = _count()
    cases = db.session.scalars(select(Inquiry).where(
        Inquiry.status.in_(CLOCKED_STATUSES), Inquiry.type != InquiryType.OPINION)).all()
    for inquiry in cases:
        _sign_warning(inquiry, now)
        _reply_clock(inquiry, now)
    duties.sweep(now)
    added = _count() - before
    db.session.commit()
    return added


def _count() -> int:
    return db.session.scalar(select(func.count(outbox.Notification.id)))


def _key(kind: str, inquiry: Inquiry, due: datetime) -> str:
    return f"{kind}:i{inquiry.id}:{due.strftime('%Y%m%dT%H%M%S')}"


def _sign_warning(inquiry: Inquiry, now: datetime) -> None:
    due = inquiry.sign_due_at
    if inquiry.status not in (Status.RECEIVED, Status.RETURNED) or due is None or now > due:
        return
    local = to_local(now)
    if local.date() == to_local(due).date() and local.time() >= SIGN_WARNING:
        tell_staff("sign_due_soon", covering(Role.HANDLER, inquiry.organization),
                   inquiry=inquiry, data=case_data(inquiry, due),
                   key=_key("sign_due_soon", inquiry, due))


def _reply_clock(inquiry: Inquiry, now: datetime) -> None:
    due = inquiry.reply_due_at
    if due is None:
        return
    data = case_data(inquiry, due)
    if now > due:
        tell_staff("overdue", handlers_of(inquiry), inquiry=inquiry, data=data,
                   key=_key("overdue", inquiry, due))
        tell_staff("overdue_head", covering(Role.REVIEWER, inquiry.organization),
                   inquiry=inquiry, data=data, key=_key("overdue_head", inquiry, due))
        _to_inspector(inquiry, now, due, data)
    elif clocks.is_due_soon(inquiry, now) and to_local(now).time() >= MORNING:
        tell_staff("reply_due_soon", handlers_of(inquiry), inquiry=inquiry, data=data,
                   key=_key("reply_due_soon", inquiry, due))


def _to_inspector(inquiry: Inquiry, now: datetime, due: datetime, data: dict) -> None:
    after = current_app.config["ESCALATE_TO_INSPECTOR_AFTER_WORKING_DAYS"]
    local = to_local(now)
    late_by = working_days_between(to_local(due).date(), local.date())
    if late_by >= after and local.time() >= MORNING:
        tell_staff("overdue_inspector", covering(Role.INSPECTOR, inquiry.organization),
                   inquiry=inquiry, data=data, key=_key("overdue_inspector", inquiry, due))


def check_opt_in(channel: str, email: str) -> str:
    """A resident's choice on the inquiry form: none, SMS to the contact phone, or email
    to the address given. Returns the checked address. Raises ValidationError."""
    from portal import validation
    from portal.errors import ValidationError

    if channel not in ("", Channel.SMS.value, Channel.EMAIL.value):
        raise ValidationError("请选择短信、电子邮件或不接收通知。", field="notify_channel")
    if channel != Channel.EMAIL.value:
        return ""  # an address typed before choosing SMS or nothing is not kept
    if not (email or "").strip():
        raise ValidationError("选择“电子邮件”接收通知时，请填写电子邮箱。", field="notify_email")
    try:
        return validation.email(email, required=True)
    except ValidationError as error:
        raise ValidationError(f"接收通知的{error.message}", field="notify_email") from None


def case_received(inquiry: Inquiry, channel: str, address: str,
                  handlers: Audience | None = None) -> None:
    """受理: the unit's handlers are told, and the resident who opted in gets the 受理编号
    (their subscription is stored with a stop link)."""
    import secrets

    case_arrived(inquiry, handlers)
    if channel:
        db.session.add(ResidentContact(inquiry_id=inquiry.id, channel=Channel(channel),
                                       address=address, stop_token=secrets.token_urlsafe(24)))
        db.session.flush()
        tell_resident(inquiry, "resident_received")
