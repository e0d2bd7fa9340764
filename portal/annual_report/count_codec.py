"""A year's count (tables 三 and 四, the balance check, the fees) as JSON text and back,
so the workers of one host share one computation (`portal.inspection.shared`): counting a
county's 依申请公开 takes seconds at a million work orders, and five workers each doing it
at once took every core and most of a gigabyte between them.

Every field comes back as it went in, in the same order, so a count read from the file
is equal to the one computed (checked by `tests/annual_report/test_count_codec.py`).

Where each application was placed (a county's tens of thousands of them) is shared and
kept compressed (`PackedPlacements`: their JSON, deflated, in base64 in the file): only
freezing a report and reconciling a frozen one read them. Decoded as objects in every
worker that shows the report, they cost each worker tens of MB; kept as JSON text, still
about 15 MB while reading a large county's 3.3 MB of it (the file, its text, the string
inside); compressed, a tenth of that.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterator, Sequence
from decimal import Decimal

from portal.annual_report.fees import FeeFigures
from portal.annual_report.figures import (
    AppealFact,
    AppealTable,
    ApplicationTable,
    BalanceCheck,
    Mismatch,
    Placement,
)
from portal.annual_report.models import AppealKind, AppealResult
from portal.inspection.snapshot import Codec


def dumps(count) -> str:
    applications, appeals, fees = count.applications, count.appeals, count.fees
    return json.dumps({
        "applications": {
            "counts": applications.counts,
            "unclassified": list(applications.unclassified),
            "placements": PackedPlacements.pack(applications.placements).text()},
        "check": [[m.column, m.received, m.settled] for m in count.check.mismatches],
        "appeals": {
            "counts": [[kind.value, [[result.value, n] for result, n in cells.items()]]
                       for kind, cells in appeals.counts.items()],
            "cases": [[case.kind.value, case.result.value, case.case_id, case.description]
                      for case in appeals.cases]},
        "carried_in_from": count.carried_in_from,
        "missed": list(count.missed),
        "fees": [fees.notices, str(fees.notices_amount), fees.paid, str(fees.paid_amount),
                 fees.lapsed],
    }, ensure_ascii=False)


def loads(text: str):
    from portal.annual_report.assembly import Count

    data = json.loads(text)
    applications = ApplicationTable(
        {row: dict(cells) for row, cells in data["applications"]["counts"].items()},
        list(data["applications"]["unclassified"]),
        PackedPlacements.from_text(data["applications"]["placements"]))
    appeals = AppealTable(
        {AppealKind(kind): {AppealResult(result): n for result, n in cells}
         for kind, cells in data["appeals"]["counts"]},
        tuple(AppealFact(AppealKind(kind), AppealResult(result), case_id, description)
              for kind, result, case_id, description in data["appeals"]["cases"]))
    notices, notices_amount, paid, paid_amount, lapsed = data["fees"]
    return Count(applications, BalanceCheck(tuple(Mismatch(*row) for row in data["check"])),
                 appeals, carried_in_from=data["carried_in_from"],
                 missed=tuple(data["missed"]),
                 fees=FeeFigures(notices, Decimal(notices_amount), paid, Decimal(paid_amount),
                                 lapsed))


class PackedPlacements(Sequence[Placement]):
    """The placements as their JSON, deflated; decoded afresh whenever they are read (and
    not kept), so a worker that only shows the tables holds a few hundred kB instead of an
    object per application. Equal to the tuple of the same placements."""

    __slots__ = ("_packed",)

    def __init__(self, packed: bytes):
        self._packed = packed

    @classmethod
    def pack(cls, placements) -> PackedPlacements:
        if isinstance(placements, PackedPlacements):
            return placements
        rows = [[p.number, p.column, p.intake, p.settle] for p in placements]
        # Level 1: a county's placements in 8 ms, to a tenth (level 6 gains 15% for 3×).
        return cls(zlib.compress(json.dumps(rows, ensure_ascii=False).encode(), 1))

    @classmethod
    def from_text(cls, text: str) -> PackedPlacements:
        return cls(base64.b64decode(text, validate=True))

    def text(self) -> str:
        """What the shared file holds: the deflated JSON in base64."""
        return base64.b64encode(self._packed).decode("ascii")

    @property
    def stored_bytes(self) -> int:
        return len(self._packed)

    def _decoded(self) -> tuple[Placement, ...]:
        return tuple(Placement(*row) for row in json.loads(zlib.decompress(self._packed)))

    def __iter__(self) -> Iterator[Placement]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())

    def __getitem__(self, index):
        return self._decoded()[index]

    def __bool__(self) -> bool:
        return zlib.decompress(self._packed) != b"[]"

    def __eq__(self, other) -> bool:
        if isinstance(other, tuple | PackedPlacements):
            return self._decoded() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PackedPlacements({len(self)} placements)"


COUNT = Codec(dumps, loads)
