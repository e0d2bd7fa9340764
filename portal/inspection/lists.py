"""The dashboard's lists of late disclosures and missed village postings, as plain rows
kept in this process's snapshot store.

Both depend only on disclosures (whatever their state), village notices and posting
rules, organizations and the working-day calendar, whose changes move the lists' own
version (`snapshot.LISTS_ID`), and on the Beijing date: a snapshot is reused for the same
version until midnight, whatever happens to work orders meanwhile. Rows hold no ORM
objects, so one worker's threads may share them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from portal.inspection import dashboard, snapshot
from portal.villages.schedule import VillageLapse, lapses_for


@dataclass(frozen=True)
class LateDisclosure:
    id: int
    title: str
    publisher_name: str
    formed_on: date
    publish_due: date
    first_published_at: datetime | None
    days_late: int
    status_label: str  # as it stands now: 已发布, 已撤回, 已被替代, or not yet published


@dataclass(frozen=True)
class VillageRef:
    id: int
    name: str
    slug: str
    path: str


def late_disclosures(paths: list[str], year: int) -> list[LateDisclosure]:
    """`dashboard.late_disclosures` as rows, from the snapshot while it is current."""

    def compute(now: datetime):
        rows = [LateDisclosure(d.id, d.title, d.publisher_name, d.formed_on, d.publish_due,
                               d.first_published_at, d.days_late, d.status.label)
                for d in dashboard.late_disclosures(paths, year)]
        return rows, dashboard.next_local_midnight(now)

    return snapshot.cached(("late", _scope(paths), year), compute,
                           version_id=snapshot.LISTS_ID)


def village_lapses(paths: list[str]) -> list[VillageLapse]:
    """Missed or late postings of the villages under the paths, as of today."""

    def compute(now: datetime):
        rows = [replace(lapse, village=VillageRef(lapse.village.id, lapse.village.name,
                                                  lapse.village.slug, lapse.village.path))
                for lapse in lapses_for(dashboard.villages_for(paths))]
        return rows, dashboard.next_local_midnight(now)

    return snapshot.cached(("lapses", _scope(paths)), compute,
                           version_id=snapshot.LISTS_ID)


def _scope(paths: list[str]) -> tuple[str, ...]:
    return tuple(sorted(set(paths)))
