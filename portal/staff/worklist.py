"""The staff home's work queue: everything awaiting the signed-in person, per role.

Each role the person holds contributes one section; its items are ordered by deadline and
marked red (overdue) or yellow (due soon), each with a link to the page where it is acted
on. The queries are the modules' own (review queues, the inquiry queues, supervision, the
posting schedule, the working-day calendar), narrowed by the policy's organization scope,
each with its relations loaded up front.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.auth import policy
from portal.auth.models import Role, User
from portal.disclosures import queries as disclosure_queries
from portal.disputes import queries as dispute_queries
from portal.enforcement import queries as enforcement_queries
from portal.extensions import db
from portal.inquiries import queries as inquiry_queries
from portal.inquiries.models import ExtensionRequest, Inquiry, Status
from portal.inspection import supervision
from portal.inspection.models import SupervisionNotice
from portal.timeutil import local_today, to_local, utcnow
from portal.villages import queries as village_queries
from portal.villages import schedule
from portal.villages.models import NoticeStatus, VillageNotice
from portal.workdays.calendar import YearStatus, current_calendar

SOON_DAYS = 3  # 黄色提示：三天内到期
OVERDUE, SOON = "overdue", "soon"
MARK_LABELS = {OVERDUE: "已超期", SOON: "即将到期"}
LIMIT = 50  # per section; the full list is one link away


@dataclass(frozen=True)
class Item:
    kind: str  # what is awaited, e.g. "待审核"
    title: str
    url: str
    due: date | None
    mark: str = ""

    @property
    def mark_label(self) -> str:
        return MARK_LABELS.get(self.mark, "")


@dataclass
class Section:
    role: Role
    heading: str
    empty: str
    items: list[Item] = field(default_factory=list)
    more_url: str | None = None

    def sort(self) -> Section:
        self.items.sort(key=lambda i: (i.due is None, i.due or date.max, i.title))
        return self


def mark_for(due: date | None, today: date, soon_days: int = SOON_DAYS) -> str:
    if due is None:
        return ""
    if due < today:
        return OVERDUE
    return SOON if due <= today + timedelta(days=soon_days) else ""


def _local_date(moment: datetime | None) -> date | None:
    return None if moment is None else to_local(moment).date()


def inquiry_marks(inquiries: list[Inquiry], now: datetime) -> dict[int, str]:
    """Red or yellow for each inquiry, by the queues' own SQL conditions: one query for
    them all (the clock's cutoff per type is looked up once, not once per case)."""
    if not inquiries:
        return {}
    rows = db.session.execute(select(
        Inquiry.id, inquiry_queries.overdue_condition(now),
        inquiry_queries.due_soon_condition(now)).where(
        Inquiry.id.in_([i.id for i in inquiries])))
    return {id_: OVERDUE if overdue else (SOON if soon else "")
            for id_, overdue, soon in rows}


def _inquiry_items(kind, inquiries: list[Inquiry], now: datetime) -> list[Item]:
    marks = inquiry_marks(inquiries, now)
    return [_inquiry_item(kind(i) if callable(kind) else kind, i, marks.get(i.id, ""))
            for i in inquiries]


def _inquiry_item(kind: str, inquiry: Inquiry, mark: str) -> Item:
    unsigned = inquiry.status in (Status.RECEIVED, Status.RETURNED)
    due = inquiry.sign_due_at if (unsigned and inquiry.sign_due_at) or \
        inquiry.reply_due_at is None else inquiry.reply_due_at
    return Item(kind, f"{inquiry.number} {inquiry.title}",
                url_for("staff_inquiries.show", inquiry_id=inquiry.id), _local_date(due), mark)


def notice_due(notice: VillageNotice) -> date:
    """When a village notice must be public: a major item within the working days after it
    occurred, a scheduled posting the grace days after its period ends."""
    if notice.is_major and notice.occurred_on is not None:
        return schedule.major_item_due(notice.occurred_on)
    return notice.period_end + timedelta(days=schedule.DEFAULT_GRACE_DAYS)


def _notice_item(kind: str, notice: VillageNotice, today: date) -> Item:
    due = notice_due(notice)
    return Item(kind, f"{notice.village.name}：{notice.title}",
                url_for("staff_villages.show", notice_id=notice.id), due,
                mark_for(due, today))


def _supervision_item(notice: SupervisionNotice, today: date) -> Item:
    url = (url_for("staff_inquiries.show", inquiry_id=notice.inquiry_id)
           if notice.inquiry_id else url_for("staff.home", _anchor=f"supervision-{notice.id}"))
    return Item("督办待答复", notice.subject, url, notice.answer_due_on,
                mark_for(notice.answer_due_on, today))


# --- the sections, one per role --------------------------------------------------------

def _reviewer(actor, who, today, now, open_notices) -> Section:
    section = Section(Role.REVIEWER, "信息审核：待我处理", "没有等待审核或审批的事项。")
    for d in disclosure_queries.awaiting_review(actor):
        revision = d.pending_revision is not None and d.status.value == "published"
        due = d.publish_due if d.has_publish_deadline and not revision else None
        section.items.append(Item(
            "修订待审核" if revision else "待审核", d.title,
            url_for("staff_disclosures.show", disclosure_id=d.id,
                    _anchor="revision" if revision else None),
            due, mark_for(due, today)))
    for n in village_queries.awaiting(actor, Role.REVIEWER, NoticeStatus.AWAITING_APPROVAL):
        section.items.append(_notice_item("村务待审批", n, today))
    for e in enforcement_queries.awaiting_publication(actor, (Role.REVIEWER,))[:LIMIT]:
        section.items.append(Item(f"{e.kind.label}决定待公示", f"{e.document_number} {e.title}",
                                  url_for("staff_enforcement.show", decision_id=e.id),
                                  e.publish_due, mark_for(e.publish_due, today)))
    scope = policy.organization_ids(actor, (Role.REVIEWER,))
    if scope is not None:
        # IN, not JOIN … DISTINCT: PostgreSQL cannot compare the JSON columns DISTINCT needs.
        pending = select(ExtensionRequest.inquiry_id).where(
            ExtensionRequest.approved.is_(None), ExtensionRequest.requested_by_id != actor.id)
        stmt = (select(Inquiry)
                .where(Inquiry.organization_id.in_(scope), Inquiry.id.in_(pending))
                .options(selectinload(Inquiry.extensions)))
        section.items += _inquiry_items("延期申请待审批", list(db.session.scalars(stmt)), now)
    section.items += [_supervision_item(s, today) for s in open_notices
                      if not s.inquiry_id and who.holds(Role.REVIEWER, s.organization)]
    return section


def _clerk(actor, who, today, now, open_notices) -> Section:
    section = Section(Role.VILLAGE_CLERK, "村务专干：我的公开事项", "没有待办的村务公开事项。",
                      more_url=url_for("staff_villages.schedule_report"))
    scope = policy.organization_ids(actor, (Role.VILLAGE_CLERK,))
    if scope is not None:
        stmt = (select(VillageNotice)
                .where(VillageNotice.village_id.in_(scope), VillageNotice.author_id == actor.id,
                       VillageNotice.status.in_((NoticeStatus.DRAFT,
                                                 NoticeStatus.AWAITING_SIGNOFF,
                                                 NoticeStatus.AWAITING_APPROVAL)))
                .limit(LIMIT))
        for n in db.session.scalars(stmt):
            section.items.append(_notice_item(n.status.label, n, today))
    for lapse in schedule.lapses_for(village_queries.clerk_villages(actor))[:LIMIT]:
        url = (url_for("staff_villages.show", notice_id=lapse.notice_id) if lapse.notice_id
               else url_for("staff_villages.new"))
        section.items.append(Item(f"应公开：{lapse.category.label}",
                                  f"{lapse.village.name} {lapse.subject}", url, lapse.due,
                                  mark_for(lapse.due, today)))
    section.items += [_supervision_item(s, today) for s in open_notices
                      if not s.inquiry_id and who.holds(Role.VILLAGE_CLERK, s.organization)]
    return section


def _dispute_items(disputes, today: date) -> list[Item]:
    return [Item(f"矛盾纠纷{d.status.label}", f"{d.village.name} {d.type.label} #{d.id}"
                 f"（责任人 {d.responsible}）",
                 url_for("staff_disputes.show", dispute_id=d.id), d.reported_on)
            for d in disputes]


def _gap_items(villages, today: date) -> list[Item]:
    start = today - timedelta(days=dispute_queries.lookback_days())
    return [Item("日摸排漏报", f"{gap.village.name} {gap.day.isoformat()}",
                 url_for("staff_disputes.listing"), gap.day, OVERDUE)
            for gap in dispute_queries.missing_checks(villages, start, today)]


def _grid_worker(actor, who, today, now, open_notices) -> Section:
    section = Section(Role.GRID_WORKER, "网格员：日摸排和在办矛盾纠纷",
                      "今日排查已报送，没有在办的矛盾纠纷。",
                      more_url=url_for("staff_disputes.listing"))
    villages = dispute_queries.villages_of(actor, (Role.GRID_WORKER,))
    for village in dispute_queries.unfiled_today(villages):
        section.items.append(Item("今日排查未报送", f"{village.name} {today.isoformat()}",
                                  url_for("staff_disputes.new_check"), today, SOON))
    section.items += _gap_items(villages, today)[:LIMIT]
    section.items += _dispute_items(dispute_queries.open_in([v.id for v in villages], LIMIT),
                                    today)
    return section


def _governance_center(actor, who, today, now, open_notices) -> Section:
    section = Section(Role.GOVERNANCE_CENTER, "综治中心：漏报和在办矛盾纠纷",
                      "各村日摸排按时报送，没有在办的矛盾纠纷。",
                      more_url=url_for("staff_disputes.report", period="weekly"))
    villages = dispute_queries.villages_of(actor, (Role.GOVERNANCE_CENTER,))
    section.items += _gap_items(villages, today)[:LIMIT]
    section.items += _dispute_items(dispute_queries.open_in([v.id for v in villages], LIMIT),
                                    today)
    return section


def _supervisor(actor, who, today, now, open_notices) -> Section:
    section = Section(Role.VILLAGE_SUPERVISOR, "村务监督委员会：待签署",
                      "没有等待签署的公开事项。")
    for n in village_queries.awaiting(actor, Role.VILLAGE_SUPERVISOR,
                                      NoticeStatus.AWAITING_SIGNOFF):
        section.items.append(_notice_item("待签署", n, today))
    return section


def _inquiries_in(actor, role: Role, queue: str, now: datetime) -> list[Inquiry]:
    stmt = inquiry_queries.queue_statement(actor, queue, now)
    scope = policy.organization_ids(actor, (role,))
    if stmt is None or scope is None:
        return []
    stmt = (stmt.where(Inquiry.organization_id.in_(scope))
            .order_by(Inquiry.reply_due_at.is_(None), Inquiry.reply_due_at, Inquiry.id)
            .limit(LIMIT))
    return list(db.session.scalars(stmt))


def _handler(actor, who, today, now, open_notices) -> Section:
    section = Section(Role.HANDLER, "办理人员：在办留言和申请", "没有在办的留言或申请。",
                      more_url=url_for("staff_inquiries.queue", queue="organization"))
    section.items += _inquiry_items(lambda i: i.status.label,
                                    _inquiries_in(actor, Role.HANDLER, "organization", now),
                                    now)
    section.items += [_supervision_item(s, today) for s in open_notices
                      if s.inquiry_id and who.holds(Role.HANDLER, s.organization)]
    return section


def _inspector(actor, who, today, now, open_notices) -> Section:
    section = Section(Role.INSPECTOR, "纪检监督：超期和临期事项", "没有超期、临期或未答复的事项。",
                      more_url=url_for("inspection.index"))
    for queue in ("overdue", "due_soon"):
        section.items += _inquiry_items("留言办理",
                                        _inquiries_in(actor, Role.INSPECTOR, queue, now), now)
    scope = policy.organization_ids(actor, (Role.INSPECTOR,))
    if scope is not None:
        stmt = (select(SupervisionNotice)
                .where(SupervisionNotice.organization_id.in_(scope),
                       SupervisionNotice.answered_at.is_(None))
                .order_by(SupervisionNotice.answer_due_on).limit(LIMIT))
        for s in db.session.scalars(stmt):
            url = (url_for("staff_inquiries.show", inquiry_id=s.inquiry_id) if s.inquiry_id
                   else url_for("inspection.index"))
            section.items.append(Item("督办未答复", f"{s.organization.name}：{s.subject}", url,
                                      s.answer_due_on, mark_for(s.answer_due_on, today)))
    return section


def _admin(actor, who, today, now, open_notices) -> Section:
    section = Section(Role.ADMIN, "系统管理员：待处理", "没有锁定的账号，工作日历均已确认。")
    locked = db.session.scalars(select(User).where(User.locked_until > now)
                                .order_by(User.username)).all()
    from portal.auth.accounts import manageable_users

    manageable = {u.id for u in manageable_users(actor)} if locked else set()
    for user in locked:
        if user.id in manageable:
            due = _local_date(user.locked_until)
            section.items.append(Item("账号已锁定", f"{user.display_name}（{user.username}）",
                                      url_for("users.show", user_id=user.id), due, SOON))
    calendar = current_calendar()
    for year in (today.year, today.year + 1):
        if calendar.year_status(year) is YearStatus.PROVISIONAL:
            due = date(year, 1, 1)
            section.items.append(Item("工作日历待确认", f"{year} 年节假日安排",
                                      url_for("workdays.index", year=year), due,
                                      mark_for(due, today, soon_days=60)))
    return section


SECTIONS = (
    (Role.REVIEWER, _reviewer),
    (Role.VILLAGE_CLERK, _clerk),
    (Role.VILLAGE_SUPERVISOR, _supervisor),
    (Role.GRID_WORKER, _grid_worker),
    (Role.GOVERNANCE_CENTER, _governance_center),
    (Role.HANDLER, _handler),
    (Role.INSPECTOR, _inspector),
    (Role.ADMIN, _admin),
)


def work_queue(actor) -> list[Section]:
    """One section for each role the actor holds (in a fixed order), items by deadline."""
    who = policy.Actor.of(actor)
    today, now = local_today(), utcnow()
    held = {g.role for g in who.grants}
    open_notices = supervision.open_for(actor) if held & {
        Role.REVIEWER, Role.VILLAGE_CLERK, Role.HANDLER} else []
    return [build(actor, who, today, now, open_notices).sort()
            for role, build in SECTIONS if role in held]


__all__ = ["Item", "Section", "mark_for", "work_queue"]
