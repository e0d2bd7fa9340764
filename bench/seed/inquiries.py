"""Inquiries of every kind over the years, in the states their age makes likely, with the
legal clocks `portal.inquiries.clocks` would have set: sign within 1 working day, reply
within 3 to 20 by kind, 依申请公开's 补正 notice within 7, a consultation stopping the
clock for at most 15; 舆情 counted in hours."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bench.seed import text
from bench.seed.bulk import Loader, next_id
from bench.seed.county import County
from bench.seed.documents import Deadlines, SearchWriter, search_writer
from bench.seed.plan import Size
from portal.inquiries.clocks import (
    DEFAULT_POLICIES,
    PROMISED,
    PROMISED_TO_APPLICANTS,
    end_of_day,
)
from portal.inquiries.models import (
    InfoApplication,
    Inquiry,
    InquiryEvent,
    InquirySequence,
    InquiryType,
    OpinionDetails,
    Rating,
    Severity,
    SlaPolicy,
    Status,
)
from portal.timeutil import to_local

T = InquiryType
KINDS = (T.CONSULT, T.SUGGEST, T.COMPLAINT, T.HELP, T.REPORT, T.INFO_REQUEST, T.OPINION)
KIND_WEIGHTS = (34, 15, 15, 12, 5, 18, 1)
OUTCOMES = ("grant", "partial", "unable-1", "unable-2", "deny-4", "deny-6", "reject-2",
            "other-1", "other-3")
OUTCOME_WEIGHTS = (45, 15, 15, 5, 4, 4, 4, 4, 4)
CHUNK = 5_000

inquiries_table = Inquiry.__table__
events_table = InquiryEvent.__table__
BLANK = {column.name: None for column in inquiries_table.columns} | dict(
    consent_publish=False, reply_published=False, submission_key=None, pauses=[],
    paused_days=0, extension_days=0, reply_text="", outcome="", reopened_count=0,
    contact_name="", contact_phone="", sign_days=1, reply_days=0, due_provisional=False,
    channel="online")


class Clocks:
    """The configured clock lengths (sla_policies, falling back to the statutory ones) and
    cached deadline arithmetic."""

    def __init__(self, loader: Loader, deadlines: Deadlines):
        rows = loader.conn.execute(select(SlaPolicy.inquiry_type, SlaPolicy.clock,
                                          SlaPolicy.amount))
        self.amounts = {key: amount for key, (amount, _unit) in DEFAULT_POLICIES.items()}
        self.amounts.update({(T(kind), clock): amount for kind, clock, amount in rows})
        self.deadlines = deadlines
        self.ends: dict[date, datetime] = {}

    def promised(self, kind: InquiryType) -> dict[str, int]:
        """The lengths a case of `kind` is promised at receipt (clocks.promise)."""
        fields = PROMISED | (PROMISED_TO_APPLICANTS if kind is T.INFO_REQUEST else {})
        return {field: self.amounts[(kind, clock)] for field, clock in fields.items()}

    def due(self, start: date, days: int) -> tuple[datetime, bool]:
        day, provisional = self.deadlines(start, days)
        if day not in self.ends:
            self.ends[day] = end_of_day(day)
        return self.ends[day], provisional


class InquirySeeder:
    def __init__(self, loader: Loader, tree: County, pool: text.TextPool, rng: random.Random,
                 now: datetime, deadlines: Deadlines):
        self.loader, self.tree, self.pool, self.rng, self.now = loader, tree, pool, rng, now
        self.clocks = Clocks(loader, deadlines)
        # 受理编号 continue each year's series (a forced seed on top of other data).
        sequences = InquirySequence.__table__
        self.serials: Counter = Counter(dict(loader.conn.execute(
            select(sequences.c.year, sequences.c.last_value)).all()))
        self.existing_years = set(self.serials)
        self.search: SearchWriter = search_writer(loader)
        conn = loader.conn
        self.next_event = next_id(conn, events_table)
        self.next_application = next_id(conn, InfoApplication.__table__)
        self.next_opinion = next_id(conn, OpinionDetails.__table__)
        self.rows: list[dict] = []
        self.events: list[dict] = []
        self.applications: list[dict] = []
        self.opinions: list[dict] = []

    def run(self, size: Size) -> int:
        rng, now = self.rng, self.now
        first = now - timedelta(days=365 * size.years)
        span = (now - first).total_seconds() - 60
        offsets = sorted(rng.random() * span for _ in range(size.inquiries))
        row_id = next_id(self.loader.conn, inquiries_table)
        for offset in offsets:
            self._inquiry(row_id, first + timedelta(seconds=offset))
            row_id += 1
            if len(self.rows) >= CHUNK:
                self._flush()
        self._flush()
        table = InquirySequence.__table__
        for year, value in sorted(self.serials.items()):
            if year in self.existing_years:
                self.loader.conn.execute(table.update().where(table.c.year == year)
                                         .values(last_value=value))
            else:
                self.loader.insert(table, [dict(year=year, last_value=value)])
        self.loader.commit()
        return len(offsets)

    def _flush(self) -> None:
        self.loader.insert(inquiries_table, self.rows, progress=True)
        self.loader.insert(events_table, self.events)
        self.loader.insert(InfoApplication.__table__, self.applications)
        self.loader.insert(OpinionDetails.__table__, self.opinions)
        self.search.flush()
        self.loader.commit()
        self.rows, self.events, self.applications, self.opinions = [], [], [], []

    def _event(self, inquiry_id: int, at: datetime, action: str, message: str,
               actor: int | None = None, public: bool = True) -> None:
        self.events.append(dict(id=self.next_event, inquiry_id=inquiry_id, at=at,
                                actor_id=actor, action=action, public=public,
                                message=message, data=None))
        self.next_event += 1

    def _inquiry(self, row_id: int, received: datetime) -> None:
        rng, tree = self.rng, self.tree
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        town = rng.choice(tree.towns)
        village = rng.choice(tree.villages[town.id]) if rng.random() < 0.7 else None
        year = to_local(received).year
        self.serials[year] += 1
        number = f"{year}-{self.serials[year]:06d}"
        title, body = rng.choice(self.pool.inquiry_titles), rng.choice(self.pool.inquiry_bodies)
        row = BLANK | dict(
            id=row_id, number=number, type=kind, title=title.text, body=body.text,
            organization_id=town.id, village_id=village.id if village else None,
            tracking_hash=f"{rng.getrandbits(256):064x}", received_at=received,
            # every web form carries a one-time token, as a resident's would (derived from
            # the id, so the random stream, and with it the rest of the seed, is unchanged)
            submission_key=f"seed-{row_id:026d}" if kind is not T.OPINION else None,
            clock_start_on=to_local(received).date(),
            sign_clock_start_on=to_local(received).date())
        if kind is T.OPINION:
            self._opinion(row, town)
        else:
            row.update(contact_name=text.person(rng),
                       contact_phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                       consent_publish=rng.random() < 0.4)
            self._event(row_id, received, "receive",
                        f"已受理（受理编号 {number}），交{town.name}办理。")
            self._work(row, town)
            if kind is T.INFO_REQUEST:
                self._application(row_id)
            if row["reply_published"]:
                self.search.add(
                    kind="reply", ref_id=row_id, title=title.text,
                    body=f"{body.text} {row['reply_text']}",
                    body_tokens=text.index_text([body, row.pop("_reply_tokens")]),
                    category=kind.value,
                    organization_id=row["reply_organization_id"] or town.id,
                    village_id=row["village_id"], published_at=row["replied_at"], now=self.now)
        row.pop("_reply_tokens", None)
        self.rows.append(row)

    def _status(self, reply_due: datetime) -> Status:
        roll = self.rng.random()
        if reply_due < self.now:
            table = ((0.80, Status.CLOSED), (0.92, Status.REPLIED), (0.95, Status.PROCESSING),
                     (0.98, Status.AWAITING_RESIDENT), (0.99, Status.CONSULTING))
            fallback = Status.SIGNED
        else:
            table = ((0.20, Status.RECEIVED), (0.35, Status.SIGNED), (0.65, Status.PROCESSING),
                     (0.90, Status.REPLIED), (0.95, Status.AWAITING_RESIDENT))
            fallback = Status.CONSULTING
        return next((status for limit, status in table if roll < limit), fallback)

    def _work(self, row: dict, town) -> None:
        """Clocks, then what happened so far: signed for, paused, answered, closed, rated."""
        rng, now, kind = self.rng, self.now, row["type"]
        start = row["clock_start_on"]
        row.update(self.clocks.promised(kind))
        sign_days, reply_days = row["sign_days"], row["reply_days"]
        sign_due, p1 = self.clocks.due(start, sign_days)
        reply_due, p2 = self.clocks.due(start, reply_days)
        row.update(sign_due_at=sign_due, reply_due_at=reply_due, due_provisional=p1 or p2)
        if kind is T.INFO_REQUEST:
            row["correction_request_due_at"] = self.clocks.due(
                start, row["correction_notice_days"])[0]
        status = self._status(reply_due)
        if status is Status.CONSULTING and kind is not T.INFO_REQUEST:
            status = Status.PROCESSING
        row["status"] = status
        if status is Status.RECEIVED:
            return
        handler = self.tree.town_handlers[town.id]
        signed = min(row["received_at"] + timedelta(hours=rng.expovariate(1 / 9)), now)
        row.update(handler_id=handler, signed_at=signed, signed_on_time=signed <= sign_due)
        self._event(row["id"], signed, "sign", "已签收，正在办理。", handler)
        if status in (Status.AWAITING_RESIDENT, Status.CONSULTING):
            paused = min(signed + timedelta(days=rng.uniform(0.5, 3)), now)
            row["paused_since"] = paused
            self._pause(row, paused, reply_due)
            if status is Status.AWAITING_RESIDENT and kind is T.INFO_REQUEST:
                requested = to_local(paused).date()
                days = row["correction_period_days"]
                row.update(correction_requested_on=requested, correction_days=days,
                           correction_due_at=self.clocks.due(requested, days)[0])
        if status in (Status.REPLIED, Status.CLOSED):
            self._answer(row, town, handler, signed, reply_days, reply_due)

    def _pause(self, row: dict, paused: datetime, reply_due: datetime) -> None:
        """The open pause record, when the pause began in time; while consulting, the
        deadline as if the consultation took the whole allowance (clocks.refresh)."""
        if paused > reply_due:
            return
        consulting = row["status"] is Status.CONSULTING
        row["pauses"] = [{"kind": "consultation" if consulting else "resident",
                          "first": to_local(paused).date().isoformat(), "last": None}]
        if consulting:
            days = row["reply_days"] + row["consultation_max_days"]
            row["reply_due_at"], provisional = self.clocks.due(row["clock_start_on"], days)
            row["due_provisional"] = row["due_provisional"] or provisional

    def _answer(self, row, town, handler, signed, reply_days, reply_due) -> None:
        rng, now = self.rng, self.now
        on_time = rng.random() < 0.92
        days = reply_days * (rng.uniform(0.1, 1.3) if on_time else rng.uniform(1.5, 2.5))
        replied = min(signed + timedelta(days=days), now - timedelta(minutes=1))
        reply = rng.choice(self.pool.replies)
        departments = self.tree.departments[town.id]
        replier = rng.choice(departments).id if rng.random() < 0.3 else town.id
        row.update(replied_at=replied, replied_on_time=replied <= reply_due,
                   reply_text=reply.text, reply_organization_id=replier, _reply_tokens=reply,
                   reply_published=row["consent_publish"] and rng.random() < 0.6)
        if row["type"] is T.INFO_REQUEST:
            row["outcome"] = rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0]
        self._event(row["id"], replied, "reply", f"已答复：{reply.text}", handler)
        if row["status"] is Status.CLOSED:
            closed = min(replied + timedelta(days=rng.uniform(0.5, 8)), now)
            row["closed_at"] = closed
            self._event(row["id"], closed, "close", "已办结。", handler)
            if rng.random() < 0.6:
                row["rating"] = rng.choices(list(Rating), (75, 18, 7))[0]
                row["rated_at"] = closed

    def _application(self, inquiry_id: int) -> None:
        rng = self.rng
        citizen = rng.random() < 0.85
        self.applications.append(dict(
            id=self.next_application, inquiry_id=inquiry_id,
            applicant_kind="citizen" if citizen else "organization",
            organization_type="" if citizen else rng.choice(
                ("commercial", "research", "public_welfare", "legal_services", "other")),
            id_type="resident_id" if citizen else "", id_number="11010519491231002X"
            if citizen else "", organization_code="" if citizen else "91411421MA0000001X",
            legal_representative="" if citizen else text.person(rng),
            address="清河县城关镇人民路 1 号", postal_code="476800", email="",
            description=rng.choice(self.pool.inquiry_bodies).text,
            delivery_form=rng.choice(("paper", "electronic")),
            acquisition=rng.choice(("mail", "pickup"))))
        self.next_application += 1

    def _opinion(self, row: dict, town) -> None:
        """A public-opinion item logged by the town's handler; hour clocks."""
        rng, now = self.rng, self.now
        found, handler = row["received_at"], self.tree.town_handlers[town.id]
        major = rng.random() < 0.1
        details = dict(id=self.next_opinion, inquiry_id=row["id"],
                       source=rng.choice(("短视频平台", "微信公众号", "本地论坛", "12345热线")),
                       source_url="", severity=Severity.MAJOR if major else Severity.GENERAL,
                       authoritative_due_at=found + timedelta(hours=5) if major else None,
                       press_due_at=found + timedelta(hours=24) if major else None,
                       response_due_at=None if major else found + timedelta(hours=48),
                       authoritative_at=None, press_at=None, responded_at=None,
                       response_disclosure_id=None)
        self.next_opinion += 1
        done = found + timedelta(hours=rng.uniform(1, 40))
        if done < now:
            key = "authoritative_at" if major else "responded_at"
            details[key] = done
            if major:
                details["press_at"] = min(found + timedelta(hours=rng.uniform(6, 30)), now)
            status, due = Status.CLOSED, None
        else:
            status = Status.PROCESSING
            due = details["authoritative_due_at"] or details["response_due_at"]
        row.update(status=status, handler_id=handler, signed_at=found, signed_on_time=True,
                   reply_due_at=due, closed_at=done if status is Status.CLOSED else None,
                   sign_days=1)
        self.opinions.append(details)
        self._event(row["id"], found, "opinion_log",
                    f"登记舆情（{details['severity'].label}），来源：{details['source']}。",
                    handler, public=False)
