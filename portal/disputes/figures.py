"""The public figures of the ledger: for one year and one town, how many disputes were
found, resolved and handed up, and how long resolving took — never a name, a party or a
case.

Small cells (the rule, also in the README): every figure is a one-way count for a whole
town (by type, by village, or by outcome — never a type in a village), and no published
cell holds 1 or 2 disputes, which in a village could point to the families involved.
Cells of 1–2 are pooled into one “其他” line; when only one such cell would be pooled, the
next-smallest cell joins it, so the pooled line always holds at least 3 disputes from at
least two groups and cannot be recovered by subtracting from the total. Days to
resolution are published only when at least 3 disputes were resolved.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import extract, or_, select

from portal.disputes.models import Dispute, DisputeStatus, DisputeType
from portal.extensions import db
from portal.organizations.models import Organization, OrgKind

SMALL = 3  # a published count is 0 or at least this


@dataclass(frozen=True)
class Cell:
    label: str
    count: int


def pooled(counts: Counter, labels: dict, pool_label: str) -> list[Cell]:
    """The cells of `counts` (labels in `labels`' order), small cells pooled."""
    cells = [Cell(labels[key], counts[key]) for key in labels if counts.get(key)]
    small = [c for c in cells if c.count < SMALL]
    if not small:
        return cells
    if len(small) == 1:
        larger = sorted((c for c in cells if c.count >= SMALL), key=lambda c: c.count)
        small += larger[:1]
    kept = [c for c in cells if c not in small]
    return [*kept, Cell(pool_label, sum(c.count for c in small))]


@dataclass
class TownFigures:
    town: Organization
    found: int
    resolved: int
    escalated: int
    by_type: list[Cell]
    by_village: list[Cell]
    by_outcome: list[Cell]
    average_days: float | None
    median_days: float | None


def years() -> list[int]:
    """Years with any dispute found or closed, newest first."""
    found = select(extract("year", Dispute.reported_on).label("y"))
    closed = select(extract("year", Dispute.resolved_on).label("y")).where(
        Dispute.resolved_on.is_not(None))
    return sorted({int(y) for (y,) in db.session.execute(found.union(closed)) if y},
                  reverse=True)


def _town_of(village: Organization) -> Organization:
    node = village
    while node.parent is not None and node.kind is not OrgKind.TOWN:
        node = node.parent
    return node


def for_year(year: int) -> list[TownFigures]:
    """One block of figures per town with disputes found or closed in `year`."""
    stmt = select(Dispute).where(or_(
        extract("year", Dispute.reported_on) == year,
        extract("year", Dispute.resolved_on) == year))
    per_town: dict[int, list[Dispute]] = {}
    towns: dict[int, Organization] = {}
    for d in db.session.scalars(stmt):
        town = _town_of(d.village)
        towns[town.id] = town
        per_town.setdefault(town.id, []).append(d)
    return [_figures(towns[tid], disputes, year)
            for tid, disputes in sorted(per_town.items(), key=lambda i: towns[i[0]].path)]


def _figures(town: Organization, disputes: list[Dispute], year: int) -> TownFigures:
    found = [d for d in disputes if d.reported_on.year == year]
    closed = [d for d in disputes if d.resolved_on and d.resolved_on.year == year]
    resolved = [d for d in closed if d.status is DisputeStatus.RESOLVED]
    escalated = [d for d in closed if d.status is DisputeStatus.ESCALATED]
    days = [d.days_to_close for d in resolved]
    villages = sorted({d.village for d in found}, key=lambda v: v.path)
    enough = len(days) >= SMALL
    return TownFigures(
        town=town, found=len(found), resolved=len(resolved), escalated=len(escalated),
        by_type=pooled(Counter(d.type for d in found), {t: t.label for t in DisputeType},
                       "其他类型（合并不足 3 件的类型）"),
        by_village=pooled(Counter(d.village for d in found), {v: v.name for v in villages},
                          "其他村（合并不足 3 件的村）"),
        by_outcome=pooled(Counter(d.status for d in found),
                          {s: s.label for s in DisputeStatus}, "其他（合并不足 3 件的结果）"),
        average_days=round(statistics.mean(days), 1) if enough else None,
        median_days=statistics.median(days) if enough else None)


def shown(count: int) -> str:
    """A headline count as published: 1–2 reads “不足 3 件”."""
    return "不足 3" if 0 < count < SMALL else str(count)

