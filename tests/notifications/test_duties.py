"""The duties beyond the reply clock: 舆情 milestones, 督办 answers, 补正 before 视为放弃,
reviews left waiting, consultations closing and the village posting schedule. Each comes
once, at its Beijing time, to the people who must act, and stops when they have acted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import Role
from portal.consultations import services as consultations
from portal.disclosures import services as disclosures
from portal.disclosures.models import Category
from portal.extensions import db
from portal.inquiries import opinion, workflow
from portal.inquiries.models import InquiryType, Severity
from portal.inspection import supervision
from portal.notifications import reminders
from portal.notifications.models import Channel, Notification
from portal.timeutil import to_local
from portal.villages import schedule
from portal.villages import services as villages
from portal.villages.models import NoticeCategory
from tests.inquiries.timetravel import TimeMachine, beijing, cheap_password_hashing


@pytest.fixture
def travel(monkeypatch, app):
    cheap_password_hashing(monkeypatch)
    return TimeMachine(monkeypatch, beijing(date(2026, 3, 30), 9))


@pytest.fixture
def people(handlers, orgs, make_user):
    return {**handlers,
            "editor": make_user("editor", (Role.EDITOR, orgs["town"])),
            "clerk": make_user("clerk", (Role.VILLAGE_CLERK, orgs["village_a"])),
            "supervisor": make_user("supervisor", (Role.VILLAGE_SUPERVISOR, orgs["village_a"])),
            "other_reviewer": make_user("other_reviewer", (Role.REVIEWER, orgs["other_town"]))}


def _rows(kind):
    return db.session.scalars(select(Notification).where(Notification.kind == kind)
                              .order_by(Notification.id)).all()


def _who(kind):
    """(recipient, Beijing time produced) for each in-app message of `kind`."""
    return [(row.user.username, to_local(row.created_at).strftime("%m-%d %H:%M"))
            for row in _rows(kind) if row.channel is Channel.INAPP]


def _sweep_until(travel, end, **step):
    """Sweep every `step` from now up to `end` (never past it)."""
    while travel.now + timedelta(**step) <= end:
        travel.advance(**step)
        reminders.sweep()


def test_opinion_milestones_warn_in_the_last_hour_and_escalate_a_miss_at_night(
        app, travel, people, orgs):
    travel.to(date(2026, 3, 30), 22, 0)
    item = opinion.log_opinion(people["handler"], orgs["town"], title="网传双塔村垃圾堆放",
                               summary="短视频平台有人反映村口垃圾无人清运。", source="抖音",
                               source_url="", severity=Severity.MAJOR)
    due = item.opinion.authoritative_due_at
    _sweep_until(travel, due + timedelta(hours=2), minutes=10)
    warn = to_local(due - timedelta(hours=1)).strftime("%m-%d %H:%M")
    late = to_local(due + timedelta(minutes=10)).strftime("%m-%d %H:%M")
    assert _who("opinion_milestone") == [("handler", warn)]
    assert _who("opinion_overdue") == [("handler", late), ("reviewer", late)]
    assert all(row.urgent for row in _rows("opinion_overdue"))
    assert "发布权威信息" in _rows("opinion_overdue")[0].data["milestone"]

    opinion.record_milestone(people["handler"], item.id, "press")
    travel.set(item.opinion.press_due_at + timedelta(hours=1))
    reminders.sweep()
    assert len(_rows("opinion_overdue")) == 2  # the press conference was held in time


def test_supervision_answer_is_reminded_on_the_working_day_before_it_is_due(
        app, travel, people, submit):
    inquiry = submit().inquiry
    workflow.sign(people["handler"], inquiry.id)
    travel.to(date(2026, 4, 2), 10)
    notice = supervision.issue_for_inquiry(people["inspector"], inquiry.id,
                                           "请说明未按期答复的原因。", date(2026, 4, 8))
    # 清明 04-04…04-06: the working day before Wednesday 04-08 is Tuesday 04-07.
    _sweep_until(travel, beijing(date(2026, 4, 7), 7, 50), minutes=30)
    assert _who("supervision_due") == []
    _sweep_until(travel, beijing(date(2026, 4, 7), 12), minutes=30)
    assert _who("supervision_due") == [("handler", "04-07 08:00")]
    supervision.answer(people["handler"], notice.id, "已于当日答复群众，附答复件。")
    _sweep_until(travel, beijing(date(2026, 4, 8), 12), hours=1)
    assert len(_rows("supervision_due")) == 1


def test_resident_hears_before_an_application_is_treated_as_abandoned(
        app, travel, people, submit):
    receipt = submit(type=InquiryType.INFO_REQUEST, notify_channel="email",
                     notify_email="wang@example.com")
    inquiry = receipt.inquiry
    workflow.sign(people["handler"], inquiry.id)
    workflow.request_correction(people["handler"], inquiry.id, "请补充所需信息的时间范围。")
    due = to_local(inquiry.correction_due_at).date()
    _sweep_until(travel, inquiry.correction_due_at + timedelta(hours=1), hours=1)
    [warning] = _rows("resident_abandon_warning")
    assert warning.address == "wang@example.com" and warning.channel is Channel.EMAIL
    assert warning.data["due"] == due.isoformat()
    sent = to_local(warning.created_at)
    assert sent.hour == 8 and sent.date() < due


def test_reviews_left_waiting_two_working_days_reach_those_who_decide(
        app, travel, people, orgs):
    travel.to(date(2026, 4, 3), 10)  # a Friday before 清明
    doc = disclosures.create_draft(people["editor"], disclosures.DisclosureInput(
        organization=orgs["town"], category=Category.RESULT, title="双塔镇春耕补贴发放结果",
        body_html="正文", formed_on=date(2026, 4, 2)))
    disclosures.submit(people["editor"], doc.id)
    notice = villages.create_draft(people["clerk"], villages.NoticeInput(
        village=orgs["village_a"], category=NoticeCategory.PARTY, title="党员发展情况公示",
        body_html="正文", period_start=date(2026, 1, 1), period_end=date(2026, 3, 31)))
    villages.submit(people["clerk"], notice.id)
    # Working days after 04-03: 04-07, 04-08; the third, 04-09, is "longer than two".
    _sweep_until(travel, beijing(date(2026, 4, 9), 7, 30), hours=1)
    assert _who("review_waiting") == []
    _sweep_until(travel, beijing(date(2026, 4, 10), 12), hours=1)
    assert sorted(_who("review_waiting")) == [("reviewer", "04-09 08:00"),
                                              ("supervisor", "04-09 08:00")]
    titles = {row.user.username: row.data["title"] for row in _rows("review_waiting")}
    assert titles == {"reviewer": "待审核：双塔镇春耕补贴发放结果",
                      "supervisor": "待监委会签署：党员发展情况公示"}


def test_the_author_hears_the_day_before_a_consultation_closes(app, travel, people, orgs):
    travel.to(date(2026, 11, 20), 10)
    draft = consultations.create_draft(people["editor"], consultations.ConsultationInput(
        organization=orgs["town"], title="关于双塔镇人居环境整治方案征求意见的公告",
        draft_html="<p>第一条 为改善农村人居环境，制定本方案。</p>",
        opens_on=date(2026, 12, 1), closes_on=date(2026, 12, 31),
        summary="方案涉及全镇垃圾收运。", how_to_participate="书面意见寄双塔镇党政办公室。",
        short_window_reason=""))
    consultations.publish(people["reviewer"], draft.id)
    travel.to(date(2026, 12, 30), 7)
    reminders.sweep()
    assert _who("consultation_closing") == []
    for hour in (8, 9, 15):
        travel.to(date(2026, 12, 30), hour)
        reminders.sweep()
    assert _who("consultation_closing") == [("editor", "12-30 08:00")]


def test_village_postings_due_and_missed_reach_the_clerk_then_the_town(
        app, travel, people, orgs):
    db.session.add_all(schedule.default_rules(orgs["village_a"], date(2026, 1, 1)))
    db.session.commit()
    travel.to(date(2026, 4, 1), 10)
    finance = villages.create_draft(people["clerk"], villages.NoticeInput(
        village=orgs["village_a"], category=NoticeCategory.FINANCE, title="2026年3月财务收支",
        body_html="收入 1 万元。", period_start=date(2026, 3, 1), period_end=date(2026, 3, 31)))
    villages.submit(people["clerk"], finance.id)
    villages.sign_off(people["supervisor"], finance.id, "情况属实")
    villages.approve(people["reviewer"], finance.id)
    # Q1 党务 and 村务 are due 04-10 (ten days after the quarter); March finance is posted.
    _sweep_until(travel, beijing(date(2026, 4, 12), 12), hours=2)
    due = sorted((row.user.username, row.data["title"], to_local(row.created_at).strftime(
        "%m-%d")) for row in _rows("posting_due") if row.channel is Channel.INAPP)
    assert due == [("clerk", "党务公开 2026年第1季度", "04-07"),
                   ("clerk", "村务公开 2026年第1季度", "04-07")]
    missed = sorted((row.user.username, row.data["title"]) for row in _rows("posting_missed"))
    quarter = ("党务公开 2026年第1季度", "村务公开 2026年第1季度")
    assert missed == [(who, title) for who in ("clerk", "reviewer") for title in quarter]
    assert all(to_local(row.created_at).strftime("%m-%d") == "04-11"
               for row in _rows("posting_missed"))


def test_resident_hears_before_an_unpaid_fee_ends_the_application(app, travel, people, submit):
    from portal.inquiries import fees

    inquiry = submit(type=InquiryType.INFO_REQUEST, notify_channel="sms").inquiry
    workflow.sign(people["handler"], inquiry.id)
    workflow.start_processing(people["handler"], inquiry.id)
    notice = fees.issue_notice(people["handler"], inquiry.id, "per_volume", pages=120)
    [told] = _rows("resident_fee")
    assert told.data["amount"] == str(notice.amount) and told.address == "13812345678"
    _sweep_until(travel, notice.pay_due_at + timedelta(hours=1), hours=1)
    [warning] = _rows("resident_abandon_warning")
    assert warning.channel is Channel.SMS and warning.data["what"] == "缴纳信息处理费"
    assert to_local(warning.created_at).date() < to_local(notice.pay_due_at).date()
