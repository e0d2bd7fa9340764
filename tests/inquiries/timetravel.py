"""A controllable clock for inquiry tests.

`TimeMachine(monkeypatch)` sets the portal's one clock (`portal.timeutil.set_clock`) for
the test and puts the real one back afterwards, so services, column defaults, audit records
and timeline events all see the same chosen instant. The instant
is always an aware UTC datetime; tests state it in Beijing time, as residents and handlers
would read it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from portal import timeutil
from portal.timeutil import LOCAL_TZ


def beijing(day: date, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    """An aware UTC datetime for a Beijing wall-clock time."""
    local = datetime.combine(day, time(hour, minute, second), tzinfo=LOCAL_TZ)
    return local.astimezone(UTC)


def end_of_beijing_day(day: date) -> datetime:
    """What a working-day deadline on `day` must be: 23:59:59 Beijing, in UTC."""
    return beijing(day, 23, 59, 59)


class TimeMachine:
    """`travel.to(date(2026, 3, 10), 9)` sets now to 09:00 Beijing on that day."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: datetime | None = None):
        self._now = start or beijing(date(2026, 3, 10))
        self._patch(monkeypatch)

    @property
    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("TimeMachine needs an aware datetime")
        self._now = moment.astimezone(UTC)
        return self._now

    def to(self, day: date, hour: int = 10, minute: int = 0) -> datetime:
        return self.set(beijing(day, hour, minute))

    def advance(self, **delta: float) -> datetime:
        return self.set(self._now + timedelta(**delta))

    def _fake(self) -> datetime:
        return self._now

    def _patch(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # monkeypatch restores the previous clock when the test ends.
        monkeypatch.setattr(timeutil, "_clock", self._fake)


def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service-level inquiry tests build seven users each and never log in; a one-round
    hash instead of the configured one takes half a second off every test."""
    from functools import partial

    from portal.auth import passwords

    monkeypatch.setattr(passwords, "hash_password",
                        partial(passwords.hash_password, method="pbkdf2:sha256:1"))
