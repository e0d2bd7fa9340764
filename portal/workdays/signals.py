"""Signals the working-day calendar sends.

`calendar_changed` is sent by every calendar service after the change is flushed and
before it is committed, so a receiver that recomputes open deadlines writes into the same
transaction: either the calendar change and every recomputation land, or none does.
Receivers get the application as sender and keyword arguments:

- `actor`: the admin who made the change;
- `first_day`, `last_day`: the inclusive range of days whose status may have changed
  (one day for an override, the whole year for a confirmation);
- `action`: the audit action, e.g. "calendar.override.set".

`current_calendar()` already reflects the change when receivers run.
"""

from blinker import Namespace

_signals = Namespace()

calendar_changed = _signals.signal("calendar-changed")
