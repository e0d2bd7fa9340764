"""The dashboard's figures read from the totals kept on write (`portal.inspection.figures`):
a few rows per organization and year, whatever the number of work orders. The medians
and percentiles come from the merged counts per sign-for tenth of an hour and per reply day, so
they equal those of the fresh computation (`portal.inspection.aggregates`) exactly."""

from __future__ import annotations

import json

import sqlalchemy as sa

from portal.extensions import db
from portal.inspection.aggregates import figures_of
from portal.inspection.figures import COUNTS
from portal.inspection.models import InquiryFigureTotals
from portal.inspection.stats import Figures

DIMENSIONS = ("organization", "handler", "type", "month")


class Group:
    __slots__ = ("counts", "reply_days", "sign_tenths")

    def __init__(self) -> None:
        self.counts = [0] * len(COUNTS)
        self.sign_tenths: dict[int, int] = {}
        self.reply_days: dict[int, int] = {}

    def add(self, counts, sign_tenths: str, reply_days: str) -> None:
        for position, n in enumerate(counts):
            self.counts[position] += n
        for target, text in ((self.sign_tenths, sign_tenths), (self.reply_days, reply_days)):
            for value, n in json.loads(text).items():
                value = int(value)
                target[value] = target.get(value, 0) + n

    def figures(self, label: str) -> Figures:
        return figures_of(label, [*self.counts, 0, 0], self.sign_tenths, self.reply_days)


def groups(scope, year: int) -> tuple[dict[str, dict[object, Group]], Group]:
    """Per dimension, key → merged group (organization ids, handler ids with 0 for not
    signed for, type values, "YYYY-MM" months), and the overall group, for the
    organizations matched by `scope` (a condition on an organization id column)."""
    table = InquiryFigureTotals.__table__
    stmt = sa.select(table.c.organization_id, table.c.dimension, table.c.key,
                     *[table.c[name] for name in COUNTS], table.c.sign_tenths,
                     table.c.reply_days).where(table.c.year == year,
                                               scope(table.c.organization_id))
    tables: dict[str, dict[object, Group]] = {name: {} for name in DIMENSIONS}
    overall = Group()
    for row in db.session.execute(stmt):
        organization_id, dimension, key = row[0], row[1], row[2]
        counts, signs, replies = row[3:3 + len(COUNTS)], row[-2], row[-1]
        if not counts[0]:
            continue  # every work order it counted has moved on
        if dimension == "total":
            tables["organization"].setdefault(organization_id, Group()).add(
                counts, signs, replies)
            overall.add(counts, signs, replies)
            continue
        value = int(key) if dimension == "handler" else key
        tables[dimension].setdefault(value, Group()).add(counts, signs, replies)
    return tables, overall
