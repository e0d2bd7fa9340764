"""How a frozen (定稿) year bounds the count of the years after it. Pure: facts in, facts out.

A filed report is never rewritten, so the years after it must start where it ended. Let F
be the latest year before Y whose report is frozen; its snapshot says where it counted each
application (`figures.Placement`). Every year after F counts the applications as F left them:

- an application F counted as answered (an outcome row) is settled: no later year counts
  it, even when today's data show another reply (reopened in place before reopening became
  a linked work order, or corrected afterwards);
- an application F carried out (四、结转下年度继续办理) comes into F + 1 as carried over, in
  the column F gave it; if today's data date its reply before F + 1 began, the reply counts
  in F + 1, the first year that can still report it;
- an application received by the end of F that F did not count at all and that was still
  unanswered when F ended (registered after the 定稿, or its receipt date corrected) counts
  in F + 1 as 一、本年新收, and F + 1's report names it; one F missed that was answered
  by the end of F belongs to F alone and shows only in F's reconciliation note.

So F + 1's 二、上年结转 equals F's frozen 结转下年度 column by column, every later year
carries over what the year before it carried out, and the check still holds in each. What
today's data would change in F itself is reported there as a reconciliation note
(`reconcile`), never by changing F's figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from portal.annual_report.figures import CARRIED_OUT, ApplicationFact, Placement, year_bounds


@dataclass(frozen=True)
class FrozenYear:
    """The latest frozen year before the one being counted, and where it counted each
    application (by 受理编号)."""

    year: int
    placements: Mapping[str, Placement]

    def carried_out(self) -> list[str]:
        """受理编号 of the applications the filed report carried into the next year."""
        return [number for number, placement in self.placements.items()
                if placement.settle == CARRIED_OUT]


@dataclass(frozen=True)
class CarriedFacts:
    facts: list[ApplicationFact]
    missed: list[str]  # received by the end of the frozen year, counted new the year after


def carry(facts: Iterable[ApplicationFact], frozen: FrozenYear | None) -> CarriedFacts:
    """`facts` as every year after `frozen.year` counts them (rules in the module
    docstring); unchanged when no earlier year is frozen."""
    facts = list(facts)
    if frozen is None:
        return CarriedFacts(facts, [])
    next_start = year_bounds(frozen.year + 1)[0]
    kept, missed = [], []
    for fact in facts:
        filed = frozen.placements.get(fact.number)
        if filed is not None:
            if filed.settle == CARRIED_OUT:
                replied = fact.replied_at
                if replied is not None and replied < next_start:
                    replied = next_start
                kept.append(replace(fact, column=filed.column, replied_at=replied))
        elif fact.received_at >= next_start:
            kept.append(fact)
        elif fact.replied_at is None or fact.replied_at >= next_start:
            kept.append(replace(fact, received_at=next_start))
            missed.append(fact.number)
    return CarriedFacts(kept, sorted(missed))
