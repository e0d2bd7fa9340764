"""Disclosures and village notices, with their search entries written alongside.

The search index is normally kept by session flush events (`portal.search.sync`); bulk
rows bypass the ORM, so the entries are written here: a `search_documents` row per public
document and its tokens in the engine's table, the same text `portal.search.index.store`
would write (the tests compare the two).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from bench.seed import text
from bench.seed.bulk import Loader, chunks, next_id
from bench.seed.county import County, Org
from bench.seed.plan import Size
from portal.disclosures.models import (
    TOPICS,
    Category,
    Disclosure,
    IndexSequence,
    Mode,
    Status,
    Validity,
)
from portal.search.backends import FILTER_COLUMNS, PostgresBackend
from portal.search.models import FTS_TABLE, SearchDocument
from portal.search.tokens import index_text
from portal.timeutil import LOCAL_TZ, to_local
from portal.villages.models import NoticeCategory, NoticeStatus, VillageNotice
from portal.workdays.calendar import WorkCalendar, working_deadline

CATEGORIES = list(Category)


@dataclass
class SearchWriter:
    """Collects index entries and writes them with the documents' chunk."""

    loader: Loader
    next_id: int
    rows: list[dict] = field(default_factory=list)
    tokens: list[dict] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)

    def add(self, *, kind: str, ref_id: int, title: str, body: str, body_tokens: str,
            category: str, organization_id: int, village_id: int | None,
            published_at: datetime, now: datetime) -> None:
        doc_id, self.next_id = self.next_id, self.next_id + 1
        self.rows.append(dict(
            id=doc_id, kind=kind, ref_id=ref_id, title=title[:300], body=body,
            attachment_text="", attachment_key="", category=category,
            organization_id=organization_id, village_id=village_id,
            published_at=published_at, year=to_local(published_at).year, indexed_at=now))
        self.tokens.append(dict(id=doc_id, title=self.title_tokens(title[:300]),
                                body=body_tokens, attachments="",
                                **{name: self.rows[-1][name] for name in FILTER_COLUMNS}))

    def title_tokens(self, title: str) -> str:
        """Inquiry titles come from a pool: each is cut once."""
        if title not in self.titles:
            if len(self.titles) > 50_000:
                self.titles.clear()
            self.titles[title] = index_text(title)
        return self.titles[title]

    def flush(self) -> None:
        self.loader.insert(SearchDocument.__table__, self.rows)
        if self.loader.is_postgresql:  # the same row PostgresBackend.write makes
            statement = sa.text(PostgresBackend.INSERT)
        else:
            statement = sa.text(f"INSERT INTO {FTS_TABLE} (rowid, title, body, attachments) "  # nosec B608
                                "VALUES (:id, :title, :body, :attachments)")
        self.loader.execute_many(statement, self.tokens)
        self.rows, self.tokens = [], []


def search_writer(loader: Loader) -> SearchWriter:
    return SearchWriter(loader, next_id(loader.conn, SearchDocument.__table__))


class Deadlines:
    """working_deadline, remembered per (start, days): a million inquiries share a few
    thousand distinct start days."""

    def __init__(self, calendar: WorkCalendar):
        self.calendar = calendar
        self.cache: dict[tuple[date, int], tuple[date, bool]] = {}

    def __call__(self, start: date, days: int) -> tuple[date, bool]:
        key = (start, days)
        if key not in self.cache:
            deadline = working_deadline(start, days, self.calendar)
            self.cache[key] = (deadline.due, deadline.provisional)
        return self.cache[key]


def spread(rng: random.Random, count: int, first: datetime, last: datetime) -> list[datetime]:
    """`count` moments between first and last, in order, during office hours (local)."""
    span = (last - first).total_seconds()
    moments = []
    for _ in range(count):
        moment = to_local(first + timedelta(seconds=rng.random() * span))
        hour = rng.choice((8, 9, 9, 10, 10, 11, 14, 15, 15, 16, 17))
        moments.append(moment.replace(hour=hour, minute=rng.randint(0, 59)))
    moments.sort()
    return [min(m, last) for m in moments]


def _doc_number(rng: random.Random, org: Org, year: int, serials: Counter) -> str:
    if rng.random() < 0.5:
        return ""
    serials[(org.id, year)] += 1
    prefix = org.town.name[0] + ("政" if org.kind.value != "department" else "政办")
    return f"{prefix}〔{year}〕{serials[(org.id, year)]}号"


def seed_disclosures(loader: Loader, tree: County, size: Size, pool: text.TextPool,
                     rng: random.Random, now: datetime, deadlines: Deadlines) -> int:
    """Documents of every category from every publisher, mostly published, a few still in
    review or withdrawn, some published after their 20-working-day deadline."""
    table = Disclosure.__table__
    first_id = next_id(loader.conn, table)
    publishers = tree.publishers
    weights = [1 if org.kind.value == "county" else 4 if org.kind.value == "town" else 1
               for org in publishers]
    moments = spread(rng, size.disclosures, now - timedelta(days=365 * size.years),
                     now - timedelta(hours=1))
    serials: Counter = Counter()
    numbers: Counter = Counter()
    search = search_writer(loader)
    editor = tree.users["editor"]
    for start, chunk in zip(range(0, len(moments), 2000), chunks(moments, 2000), strict=True):
        rows = []
        for offset, moment in enumerate(chunk):
            row_id = first_id + start + offset
            org = rng.choices(publishers, weights)[0]
            rows.append(_disclosure(rng, row_id, org, moment, pool, deadlines, serials,
                                    numbers, editor, search, now))
        loader.insert(table, rows, progress=True)
        search.flush()
        loader.commit()
    seq = IndexSequence.__table__
    seq_id = next_id(loader.conn, seq)
    loader.insert(seq, [dict(id=seq_id + n, prefix=prefix, year=year, last_value=value)
                        for n, ((prefix, year), value) in enumerate(sorted(serials.items()))])
    loader.commit()
    return len(moments)


def _disclosure(rng, row_id, org: Org, moment: datetime, pool, deadlines, serials, numbers,
                editor, search: SearchWriter, now) -> dict:
    year = moment.year
    roll = rng.random()
    status = (Status.DRAFT if roll < 0.01 else Status.SUBMITTED if roll < 0.02
              else Status.WITHDRAWN if roll < 0.03 else Status.PUBLISHED)
    published = status in (Status.PUBLISHED, Status.WITHDRAWN)
    lag = rng.randint(0, 20) if rng.random() > 0.04 else rng.randint(35, 80)
    formed_on = moment.date() - timedelta(days=lag)
    due, provisional = deadlines(formed_on, 20)
    index_number = None
    if published:
        serials[(org.index_code, year)] += 1
        index_number = f"{org.index_code}/{year}-{serials[(org.index_code, year)]:05d}"
    issuer = org.name if org.kind.value != "department" else f"{org.town.name}{org.name}"
    title = text.disclosure_title(rng, issuer, year)
    paragraphs = pool.body()
    keywords = rng.choice(pool.keywords)
    doc_number = _doc_number(rng, org, year, numbers)
    category = rng.choice(CATEGORIES)
    row = dict(
        id=row_id, organization_id=org.id, category=category, title=title,
        body_html=text.body_html(paragraphs), doc_number=doc_number, written_on=formed_on,
        formed_on=formed_on, topic=rng.choice(TOPICS), keywords=keywords.text,
        mode=Mode.PROACTIVE, validity=Validity.VALID if rng.random() > 0.02 else Validity.EXPIRED,
        repealed_on=None, source="", status=status, index_number=index_number,
        publish_due=due, publish_due_provisional=provisional,
        published_at=moment if published else None,
        first_published_at=moment if published else None, supersedes_id=None,
        withdrawn_reason="内容已过时效，予以撤回。" if status is Status.WITHDRAWN else "",
        version=1, author_id=editor, created_at=moment - timedelta(hours=rng.randint(2, 72)),
        updated_at=moment, catalogue_entry_id=None)
    if status is Status.PUBLISHED:
        extra = [keywords] + [text.Tokens.of(part) for part in (doc_number, index_number or "")
                              if part]
        pieces = [sentence for paragraph in paragraphs for sentence in paragraph] + extra
        body = " ".join(part for part in (text.body_plain(paragraphs), keywords.text,
                                          doc_number, index_number) if part)
        search.add(kind="disclosure", ref_id=row_id, title=title, body=body,
                   body_tokens=text.index_text(pieces), category=category.value,
                   organization_id=org.id, village_id=None, published_at=moment, now=now)
    return row


# Months between postings and how each is titled.
SCHEDULED = ((NoticeCategory.FINANCE, 1, "{y}年{m}月财务公开"),
             (NoticeCategory.VILLAGE, 3, "{y}年第{q}季度村务公开"),
             (NoticeCategory.PARTY, 3, "党支部{y}年第{q}季度党务公开"))
SPECIAL = ((NoticeCategory.RELIEF, "{y}年低保对象初审名单公示", False),
           (NoticeCategory.PROJECT, "{y}年村内道路硬化工程项目公示", True),
           (NoticeCategory.LAND_COMPENSATION, "{y}年征地补偿费分配方案公示", True),
           (NoticeCategory.ONE_MATTER, "{y}年一事一议筹资筹劳方案公示", False),
           (NoticeCategory.COLLECTIVE_ASSETS, "{y}年集体资产租赁情况公示", False))


def _months(today: date, count: int) -> list[tuple[date, date]]:
    """The `count` complete calendar months before `today`, oldest first."""
    months, end = [], today.replace(day=1) - timedelta(days=1)
    for _ in range(count):
        start = end.replace(day=1)
        months.append((start, end))
        end = start - timedelta(days=1)
    return months[::-1]


def notice_window_start(today: date, size: Size) -> date:
    return _months(today, size.notice_months)[0][0]


def seed_notices(loader: Loader, tree: County, size: Size, pool: text.TextPool,
                 rng: random.Random, now: datetime, deadlines: Deadlines) -> int:
    """Each village's board: monthly accounts, quarterly 村务 and 党务, and a few special
    items, almost all posted on time (a few late or missing, as the inspectors will see)."""
    table = VillageNotice.__table__
    first_id = row_id = next_id(loader.conn, table)
    today = to_local(now).date()
    months = _months(today, size.notice_months)
    search = search_writer(loader)
    rows: list[dict] = []
    for village in tree.all_villages:
        for spec in _postings(rng, months):
            published_at = spec["published_at"]
            if published_at > now:
                continue
            paragraphs = [pool.body()[0] for _ in range(rng.randint(1, 3))]
            title = village.name + spec["title"]
            rows.append(dict(
                id=row_id, village_id=village.id, body_html=text.body_html(paragraphs),
                status=NoticeStatus.PUBLISHED, author_id=tree.users["clerk"],
                signed_off_by_id=tree.users["supervisor"],
                signed_off_at=published_at - timedelta(days=1), signoff_note="经核对，情况属实。",
                approved_by_id=tree.users["reviewer"], withdrawn_reason="", version=1,
                created_at=published_at - timedelta(days=2), updated_at=published_at,
                **{k: v for k, v in spec.items() if k != "title"}, title=title))
            search.add(kind="notice", ref_id=row_id, title=title,
                       body=text.body_plain(paragraphs),
                       body_tokens=text.index_text([s for p in paragraphs for s in p]),
                       category=spec["category"].value, organization_id=village.id,
                       village_id=village.id, published_at=published_at, now=now)
            row_id += 1
        if len(rows) >= 2000:
            _flush_notices(loader, table, rows, search)
            rows = []
    _flush_notices(loader, table, rows, search)
    return row_id - first_id


def _flush_notices(loader: Loader, table, rows: list[dict], search: SearchWriter) -> None:
    loader.insert(table, rows, progress=True)
    search.flush()
    loader.commit()


def _posted(rng: random.Random, period_end: date) -> datetime:
    """Usually within the 10-day grace period; now and then late."""
    days = rng.randint(1, 9) if rng.random() > 0.03 else rng.randint(12, 40)
    day = period_end + timedelta(days=days)
    return datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59),
                    tzinfo=LOCAL_TZ)


def _postings(rng: random.Random, months: list[tuple[date, date]]) -> list[dict]:
    postings = []
    for number, (start, end) in enumerate(months):
        for category, every, title in SCHEDULED:
            if end.month % every or rng.random() < 0.02:  # not due this month, or missed
                continue
            period_start = start if every == 1 else months[max(0, number - 2)][0]
            postings.append(dict(
                category=category, title=title.format(y=end.year, m=end.month,
                                                      q=(end.month - 1) // 3 + 1),
                period_start=period_start, period_end=end, is_major=False, occurred_on=None,
                window_start=None, window_end=None, published_at=_posted(rng, end)))
        if rng.random() < 0.15:
            category, title, major = rng.choice(SPECIAL)
            occurred = start + timedelta(days=rng.randint(0, 20))
            published_at = _posted(rng, occurred - timedelta(days=rng.randint(0, 5)))
            window_start = published_at.date() if category is NoticeCategory.RELIEF else None
            postings.append(dict(
                category=category, title=title.format(y=start.year), period_start=start,
                period_end=end, is_major=major, occurred_on=occurred if major else None,
                window_start=window_start,
                window_end=window_start + timedelta(days=9) if window_start else None,
                published_at=published_at))
    return postings
