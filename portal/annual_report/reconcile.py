"""The reconciliation note (对账说明) of a frozen report: where a recount from today's data
differs from the filed figures, by how much, and which applications or cases make the
difference. Pure: two tables in, a list of differences out. The filed figures never change.

The recount is the year as it would be counted today if it had not been frozen (with the
same carry-over rules: `carryover`). A row is listed when any of its cells differs; a
cause is an application (受理编号) or case (登记号) that the filed report and the recount put
in different cells of that row — moved in, moved out, or into another column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from portal.annual_report.figures import (
    APPEAL_COLUMN_LABELS,
    APPLICATION_ROWS,
    COLUMN_LABELS,
    COLUMNS,
    AppealFact,
    AppealTable,
    ApplicationTable,
)
from portal.annual_report.models import AppealKind

Cell = tuple[str, str]


@dataclass(frozen=True)
class CellDifference:
    column: str  # the column's label
    filed: int
    recomputed: int

    @property
    def delta(self) -> int:
        return self.recomputed - self.filed

    @property
    def text(self) -> str:
        return f"{self.column} 已报 {self.filed}、重算 {self.recomputed}（{self.delta:+d}）"


@dataclass(frozen=True)
class RowDifference:
    table: str  # 三 or 四
    row: str  # the row's label
    cells: tuple[CellDifference, ...]
    causes: tuple[str, ...]  # 受理编号, or how a case is named

    @property
    def text(self) -> str:
        noun = "受理编号" if self.table == "三" else "案件"
        return (f"表{self.table}“{self.row}”：" + "，".join(c.text for c in self.cells)
                + (f"；涉及{noun}：{'、'.join(self.causes)}" if self.causes else "") + "。")


@dataclass(frozen=True)
class Reconciliation:
    """A frozen report against a recount made at `recounted_at`."""

    recounted_at: datetime
    differences: tuple[RowDifference, ...]

    @property
    def matches(self) -> bool:
        return not self.differences


def reconcile(filed: tuple[ApplicationTable, AppealTable],
              recount: tuple[ApplicationTable, AppealTable],
              recounted_at: datetime) -> Reconciliation:
    return Reconciliation(recounted_at, (*_applications(filed[0], recount[0]),
                                         *_appeals(filed[1], recount[1])))


def _changed(filed: Mapping[str, set[Cell]], now: Mapping[str, set[Cell]]) -> dict[str, set]:
    """For every key whose cells differ: the cells it was added to or taken from."""
    return {key: filed.get(key, set()) ^ now.get(key, set())
            for key in filed.keys() | now.keys()
            if filed.get(key, set()) != now.get(key, set())}


def _causes(changed: Mapping[str, set[Cell]], row: str) -> tuple[str, ...]:
    return tuple(sorted(key for key, cells in changed.items()
                        if any(cell_row == row for cell_row, _column in cells)))


def _applications(filed: ApplicationTable, now: ApplicationTable) -> Iterable[RowDifference]:
    changed = _changed({p.number: p.cells() for p in filed.placements},
                       {p.number: p.cells() for p in now.placements})
    for spec in APPLICATION_ROWS:
        cells = tuple(CellDifference(COLUMN_LABELS[column], filed.value(spec.key, column),
                                     now.value(spec.key, column))
                      for column in COLUMNS
                      if filed.value(spec.key, column) != now.value(spec.key, column))
        if cells:
            label = "·".join(part for part in (spec.section, spec.group, spec.label) if part)
            yield RowDifference("三", label, cells, _causes(changed, spec.key))


def _case_cells(case: AppealFact) -> set[Cell]:
    return {(case.kind.value, case.result.value), (case.kind.value, "total")}


def _appeals(filed: AppealTable, now: AppealTable) -> Iterable[RowDifference]:
    names = {case.case_id: case.description for case in (*filed.cases, *now.cases)}
    changed = _changed({str(c.case_id): _case_cells(c) for c in filed.cases},
                       {str(c.case_id): _case_cells(c) for c in now.cases})
    for kind in AppealKind:
        cells = tuple(CellDifference(label, before, after)
                      for label, before, after in zip(APPEAL_COLUMN_LABELS, filed.cells(kind),
                                                      now.cells(kind), strict=True)
                      if before != after)
        if cells:
            causes = sorted(_causes(changed, kind.value), key=int)
            yield RowDifference("四", kind.label,
                                cells, tuple(names[int(case_id)] for case_id in causes))

