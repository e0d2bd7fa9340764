"""The 20-working-day rule (政府信息公开条例 第二十六条) and keeping it current when the
holiday calendar changes."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from portal.disclosures.models import Disclosure, Status
from portal.extensions import db
from portal.workdays.calendar import Deadline, working_deadline
from portal.workdays.signals import calendar_changed


def publish_deadline(formed_on: date) -> Deadline:
    days = int(current_app.config["DISCLOSURE_PUBLISH_WITHIN_WORKING_DAYS"])
    return working_deadline(formed_on, days)


@calendar_changed.connect
def recompute_open_deadlines(_sender=None, **_kwargs) -> int:
    """Recompute the due date of every disclosure not yet published. Runs inside the
    calendar change's transaction, so both land together."""
    open_statuses = (Status.DRAFT, Status.SUBMITTED, Status.FIRST_APPROVED, Status.APPROVED)
    changed = 0
    for disclosure in db.session.scalars(
            select(Disclosure).where(Disclosure.status.in_(open_statuses))):
        deadline = publish_deadline(disclosure.formed_on)
        if (deadline.due, deadline.provisional) != (disclosure.publish_due,
                                                    disclosure.publish_due_provisional):
            disclosure.publish_due = deadline.due
            disclosure.publish_due_provisional = deadline.provisional
            changed += 1
    return changed
