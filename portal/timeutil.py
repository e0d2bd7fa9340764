"""Time: stored in UTC, shown in Asia/Shanghai.

This module is the one clock of the portal. Everything that needs "now" asks `utcnow()`,
`local_now()` or `local_today()`, which all read the module's clock; tests move that clock
with `frozen(moment)` or `set_clock(...)` instead of patching imports. Only the few places
that must follow the real wall clock (signed requests to outside services, cookie ages,
time budgets) read `time`/`datetime` directly, each with a comment saying why.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


_clock: Clock = system_clock


def utcnow() -> datetime:
    """The current instant, aware and in UTC, as the portal's clock tells it."""
    return _clock()


def set_clock(clock: Clock | None) -> Clock:
    """Make `clock` the portal's clock (None: the system clock again); returns the previous
    one so a caller can put it back. The clock must return aware datetimes."""
    global _clock
    previous = _clock
    _clock = clock or system_clock
    return previous


@contextmanager
def frozen(moment: datetime) -> Iterator[datetime]:
    """Within the block, the portal's clock stands still at `moment` (an aware datetime)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("frozen() needs an aware datetime")
    fixed = moment.astimezone(UTC)
    previous = set_clock(lambda: fixed)
    try:
        yield fixed
    finally:
        set_clock(previous)


def local_now() -> datetime:
    return utcnow().astimezone(LOCAL_TZ)


def local_today() -> date:
    return local_now().date()


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[start, end) of a local (Beijing) calendar year, as aware datetimes: what "2026年"
    means in every filter and count."""
    return datetime(year, 1, 1, tzinfo=LOCAL_TZ), datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)


def to_local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)


def format_local(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A time as pages show it: local wall-clock, `2026-12-03 14:05`."""
    return _local_text(moment, pattern) if moment else ""


@lru_cache(maxsize=4096)
def _local_text(moment: datetime, pattern: str) -> str:
    """Kept: a list page writes forty dates, mostly the same few hundred, and converting
    one to local time costs as much as the rest of its row."""
    return to_local(moment).strftime(pattern)


def format_day(value: date | datetime | None) -> str:
    """A date as pages and their messages show it: `2026-12-03` (a stored time: its local
    date). One format for every page; machine attributes use ISO as well."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_local(value, "%Y-%m-%d")
    return value.isoformat()


def letter_date(value: date | datetime | None) -> str:
    """A date as a letter or a printed notice writes it (GB/T 9704): `2026年12月3日`.
    Only for text that leaves the screen: reply letters and the 公开栏 poster."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on both engines (SQLite keeps no zone of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use portal.timeutil.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
