"""A controllable clock for inquiry tests.

`TimeMachine(monkeypatch)` replaces `portal.timeutil.utcnow` everywhere it was imported by
name (every loaded `portal.*` module) and in the column defaults that captured it, so
services, audit records and timeline events all see the same chosen instant. The instant
is always an aware UTC datetime; tests state it in Beijing time, as residents and handlers
would read it.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.sql.schema import CallableColumnDefault

from portal import timeutil
from portal.extensions import db
from portal.timeutil import LOCAL_TZ

_REAL_UTCNOW = timeutil.utcnow


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
        for name, module in list(sys.modules.items()):
            if (name == "portal" or name.startswith("portal.")) \
                    and getattr(module, "utcnow", None) is _REAL_UTCNOW:
                monkeypatch.setattr(module, "utcnow", self._fake)
        # `default=utcnow` captured the function itself when the models were defined.
        for table in db.metadata.tables.values():
            for column in table.columns:
                for attr in ("default", "onupdate"):
                    default = getattr(column, attr)
                    if isinstance(default, CallableColumnDefault) and \
                            getattr(default.arg, "__wrapped__", None) is _REAL_UTCNOW:
                        monkeypatch.setattr(default, "arg", lambda _ctx: self._now)


def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service-level inquiry tests build seven users each and never log in; a one-round
    hash instead of the configured one takes half a second off every test."""
    from functools import partial

    from portal.auth import passwords

    monkeypatch.setattr(passwords, "hash_password",
                        partial(passwords.hash_password, method="pbkdf2:sha256:1"))
