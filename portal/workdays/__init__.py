"""Working days (工作日): the calendar legal deadlines are counted on.

The arithmetic lives in `portal.workdays.calendar` (re-exported here), the admin
operations in `portal.workdays.services`, and the `calendar_changed` signal in
`portal.workdays.signals`.
"""

from portal.workdays.calendar import (
    Deadline,
    WorkCalendar,
    add_working_days,
    current_calendar,
    working_days_between,
    working_deadline,
)

__all__ = [
    "Deadline",
    "WorkCalendar",
    "add_working_days",
    "current_calendar",
    "working_days_between",
    "working_deadline",
]
