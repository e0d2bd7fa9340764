"""Pauses of the reply clock, kept as records the holiday calendar can recount.

A record is {"kind": …, "first": "YYYY-MM-DD", "last": "YYYY-MM-DD" or None}: the Beijing
days the clock stopped and started again (None while the pause lasts). The working days in
(first, last] are the days it stood still; the day it stopped was still a day of work, as
开始的当日不计入 has it. Two kinds:

- `RESIDENT`: waiting on the resident (补正, more material). Counted in full: the resident
  holds the ball, however long it takes.
- `CONSULTATION`: consulting a third party or another agency (依申请公开 only). The time
  is left out of the reply period (条例第三十三条) up to the case's allowance, 15 working
  days unless the SLA table was stricter at receipt (条例第三十二条: the third party answers
  within 15 working days), over all the case's consultations together; past it the clock
  runs again. While a consultation lasts, the deadline is the one the case would have if it
  lasted exactly the allowance left.

Pure functions of the records; `portal.inquiries.clocks` applies them to an inquiry.
"""

from __future__ import annotations

from datetime import date

from portal.workdays.calendar import working_days_between

RESIDENT = "resident"
CONSULTATION = "consultation"


def opened(records: list | None, kind: str, day: date) -> list[dict]:
    """`records` with a pause of `kind` beginning on `day`."""
    return [*(records or []), {"kind": kind, "first": day.isoformat(), "last": None}]


def closed(records: list | None, day: date) -> list[dict]:
    """`records` with the pause that lasts ended on `day`."""
    return [record if record["last"] is not None else {**record, "last": day.isoformat()}
            for record in records or []]


def is_open(records: list | None, kind: str) -> bool:
    return any(r["kind"] == kind and r["last"] is None for r in records or [])


def finished_days(records: list | None, kind: str) -> int:
    """Working days inside the finished pauses of `kind`, on the calendar in force."""
    return sum(max(0, working_days_between(date.fromisoformat(r["first"]),
                                           date.fromisoformat(r["last"])))
               for r in records or [] if r["kind"] == kind and r["last"] is not None)


def counted_days(records: list | None, allowance: int) -> int:
    """Working days of the finished pauses the reply deadline moves for: waits on the
    resident in full, consultations up to the allowance."""
    return (finished_days(records, RESIDENT)
            + min(finished_days(records, CONSULTATION), allowance))


def allowance_left(records: list | None, allowance: int) -> int:
    """Working days a consultation may still stop the clock for."""
    return max(0, allowance - finished_days(records, CONSULTATION))


def running_days(records: list | None, allowance: int) -> int:
    """While a consultation lasts, the allowance left, as if it lasted exactly that long;
    otherwise 0 (a wait on the resident is counted once it ends)."""
    return allowance_left(records, allowance) if is_open(records, CONSULTATION) else 0
