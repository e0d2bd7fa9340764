"""Timeliness statistics, pure: rates, medians and percentiles over plain records."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (the value at rank ⌈p·n⌉), as statistics bureaus report
    it: always one of the observed values. None for no values."""
    ordered = sorted(values)
    return percentile_of(len(ordered), fraction, ordered.__getitem__)


def median(values: list[float]) -> float | None:
    """The middle value (mean of the two middle ones for an even count)."""
    ordered = sorted(values)
    return median_of(len(ordered), ordered.__getitem__)


def percentile_of(count: int, fraction: float, nth: Callable[[int], float]) -> float | None:
    """`percentile` of `count` ordered values, the i-th (from 0) given by `nth(i)`."""
    if not count:
        return None
    return nth(max(1, math.ceil(fraction * count)) - 1)


def median_of(count: int, nth: Callable[[int], float]) -> float | None:
    """`median` of `count` ordered values, the i-th (from 0) given by `nth(i)`."""
    if not count:
        return None
    middle = count // 2
    if count % 2:
        return nth(middle)
    return (nth(middle - 1) + nth(middle)) / 2


@dataclass
class Timeliness:
    """Figures for one group of work orders."""

    label: str
    total: int = 0
    replied: int = 0
    replied_on_time: int = 0
    signed: int = 0
    signed_on_time: int = 0
    overdue: int = 0
    due_soon: int = 0
    sign_hours: list[float] = field(default_factory=list)
    reply_days: list[float] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return self.replied_on_time / self.replied if self.replied else None

    @property
    def sign_on_time_rate(self) -> float | None:
        return self.signed_on_time / self.signed if self.signed else None

    @property
    def median_sign_hours(self) -> float | None:
        return median(self.sign_hours)

    @property
    def p90_sign_hours(self) -> float | None:
        return percentile(self.sign_hours, 0.9)

    @property
    def median_reply_days(self) -> float | None:
        return median(self.reply_days)

    @property
    def p90_reply_days(self) -> float | None:
        return percentile(self.reply_days, 0.9)


@dataclass(frozen=True)
class Record:
    """One work order reduced to what the statistics need."""

    group_keys: dict
    signed: bool
    signed_on_time: bool | None
    replied: bool
    replied_on_time: bool | None
    sign_hours: float | None
    reply_days: float | None
    overdue: bool
    due_soon: bool


def tabulate(records: Iterable[Record], key: str,
             label: Callable[[object], str] = str) -> list[Timeliness]:
    """Group records by `record.group_keys[key]`; rows ordered by label."""
    groups: dict[object, Timeliness] = defaultdict(lambda: Timeliness(label=""))
    for record in records:
        value = record.group_keys[key]
        row = groups[value]
        row.label = label(value)
        add(row, record)
    return sorted(groups.values(), key=lambda row: row.label)


def add(row: Timeliness, record: Record) -> None:
    row.total += 1
    row.signed += record.signed
    row.signed_on_time += bool(record.signed_on_time)
    row.replied += record.replied
    row.replied_on_time += bool(record.replied_on_time)
    row.overdue += record.overdue
    row.due_soon += record.due_soon
    if record.sign_hours is not None:
        row.sign_hours.append(record.sign_hours)
    if record.reply_days is not None:
        row.reply_days.append(record.reply_days)


def overall(records: Iterable[Record], label: str = "合计") -> Timeliness:
    row = Timeliness(label=label)
    for record in records:
        add(row, record)
    return row


@dataclass(frozen=True)
class Figures:
    """A `Timeliness` row with its rates, medians and percentiles worked out once: what
    the dashboard keeps, without the value lists behind it."""

    label: str
    total: int
    replied: int
    replied_on_time: int
    signed: int
    signed_on_time: int
    overdue: int
    due_soon: int
    on_time_rate: float | None
    sign_on_time_rate: float | None
    median_sign_hours: float | None
    p90_sign_hours: float | None
    median_reply_days: float | None
    p90_reply_days: float | None

    @classmethod
    def of(cls, row: Timeliness) -> Figures:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})
