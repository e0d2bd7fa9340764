"""The digests: each morning's list of what awaits a member of staff, and Monday's list
for inspectors. Both are produced once per day (week) and person, whatever the number of
runs; a digest with nothing to say is not sent.

- 每日待办 (working days, 08:30 Beijing): the person's work queue as the staff home shows it
  (`portal.staff.worklist`), red and yellow first, at most DAILY_LINES lines;
- 每周汇总 (Monday 08:00): for each inspector, the overdue cases and the unanswered 督办 in
  their area.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from portal.auth.models import Role, RoleGrant, User
from portal.extensions import db
from portal.inquiries.models import CLOCKED_STATUSES, Inquiry
from portal.notifications.reminders import tell_staff
from portal.timeutil import to_local, utcnow
from portal.workdays.calendar import current_calendar

DAILY_LINES = 20

def _site() -> str:
    return current_app.config.get("SITE_URL") or ""

def daily_digest(now: datetime | None = None) -> int:
    """Each active member of staff with something waiting gets one message a working
    day; commits. Returns how many people were told."""
    from portal.staff import worklist

    now = now or utcnow()
    today = to_local(now).date()
    if not current_calendar().is_working_day(today):
        return 0
    staff = db.session.scalars(select(User).where(
        User.active.is_(True), User.id.in_(select(RoleGrant.user_id)))).all()
    told = 0
    # The work queue builds page links: give it a request on the site's own address.
    with current_app.test_request_context("/", base_url=_site() or "http://localhost"):
        for user in staff:
            items = [item for section in worklist.work_queue(user) for item in section.items]
            if not items:
                continue
            items.sort(key=lambda i: (i.mark != worklist.OVERDUE, i.mark != worklist.SOON,
                                      i.due is None, i.due or today))
            lines = [f"{'【' + i.mark_label + '】' if i.mark else ''}{i.kind}：{i.title}"
                     + (f"（{i.due.isoformat()}）" if i.due else "") for i in items[:DAILY_LINES]]
            if len(items) > DAILY_LINES:
                lines.append(f"……另有 {len(items) - DAILY_LINES} 项")
            told += tell_staff("daily_digest", [user], key=f"daily_digest:{today.isoformat()}",
                               data={"count": len(items), "items": "\n".join(lines),
                                     "url": f"{_site()}/staff/"})
    db.session.commit()
    return told

def weekly_digest(now: datetime | None = None) -> int:
    """Monday's list for each inspector: red cases and unanswered 督办 in their area;
    commits. Returns how many inspectors were told."""
    from portal.inspection.models import SupervisionNotice

    now = now or utcnow()
    week = to_local(now).strftime("%G-W%V")
    red = [i for i in db.session.scalars(select(Inquiry).where(
        Inquiry.status.in_(CLOCKED_STATUSES), Inquiry.reply_due_at < now)).all()]
    notices = db.session.scalars(select(SupervisionNotice).where(
        SupervisionNotice.answered_at.is_(None))).all()
    added = 0
    for inspector in db.session.scalars(select(User).where(User.active.is_(True))).all():
        areas = inspector.organizations_for(Role.INSPECTOR)
        if not areas:
            continue
        mine = [f"超期：{i.number} {i.title}（{i.organization.name}）" for i in red
                if any(a.contains(i.organization) for a in areas)]
        mine += [f"未答复督办：{n.subject}（{n.organization.name}，{n.answer_due_on} 前）"
                 for n in notices if any(a.contains(n.organization) for a in areas)]
        if mine:
            added += tell_staff("weekly_digest", [inspector], data={
                "count": len(mine), "items": "\n".join(mine),
                "url": f"{_site()}/inspect/"},
                key=f"weekly_digest:{week}")
    db.session.commit()
    return added

