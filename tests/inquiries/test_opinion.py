"""舆情 (国办发〔2016〕61号): calendar-hour clocks from the moment the item was found, the
earliest open milestone as the item's due time, late milestones marked 超时, and the
published disclosure that carried the response."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.disclosures import services as disclosures
from portal.disclosures.models import Category
from portal.errors import Conflict, PermissionDenied, ValidationError
from portal.extensions import db
from portal.inquiries import clocks, extension_requests, opinion, queries
from portal.inquiries.models import InquiryType, OpinionDetails, Severity, Status
from portal.workdays import services as workdays
from tests.inquiries.timetravel import TimeMachine, beijing, cheap_password_hashing

MAJOR, GENERAL = Severity.MAJOR, Severity.GENERAL


@pytest.fixture(autouse=True)
def _fast_users(monkeypatch):
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def travel(app, monkeypatch):
    return TimeMachine(monkeypatch)


@pytest.fixture
def log(handlers, orgs):
    def run(severity=MAJOR, found_at=None, actor=None, organization=None):
        return opinion.log_opinion(
            actor or handlers["handler"], organization or orgs["town"],
            title="网传双塔镇自来水浑浊", summary="多名网民在本地论坛反映自来水发黄。",
            source="民权论坛", source_url="https://bbs.example.cn/t/123", severity=severity,
            found_at=found_at)

    return run


@pytest.fixture
def major(travel, log):
    """A major item found Fri 2026-03-13 20:00 Beijing and logged half an hour later."""
    travel.set(beijing(date(2026, 3, 13), 20, 30))
    return log(MAJOR, found_at=beijing(date(2026, 3, 13), 20))


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


def test_major_item_clocks_run_from_found_at(major, handlers):
    details = major.opinion
    assert major.type is InquiryType.OPINION and major.status is Status.PROCESSING
    assert major.handler_id == handlers["handler"].id
    assert major.received_at == beijing(date(2026, 3, 13), 20)
    assert details.authoritative_due_at == beijing(date(2026, 3, 14), 1)
    assert details.press_due_at == beijing(date(2026, 3, 14), 20)
    assert details.response_due_at is None
    assert major.reply_due_at == details.authoritative_due_at
    assert _audit("inquiry.opinion_log")[-1].after == {"severity": "major", "source": "民权论坛"}


def test_general_item_has_48_hours_even_over_national_day(travel, log):
    travel.set(beijing(date(2026, 9, 30), 22))
    item = log(GENERAL)
    assert item.opinion.response_due_at == beijing(date(2026, 10, 2), 22)
    assert item.opinion.authoritative_due_at is None and item.opinion.press_due_at is None
    assert item.reply_due_at == item.opinion.response_due_at


def test_major_item_over_a_weekend_counts_hours(travel, log):
    travel.set(beijing(date(2026, 3, 14), 23))  # Sat
    item = log(MAJOR)
    assert item.opinion.authoritative_due_at == beijing(date(2026, 3, 15), 4)
    assert item.opinion.press_due_at == beijing(date(2026, 3, 15), 23)


def test_due_time_follows_the_earliest_open_milestone(major, travel, handlers):
    travel.set(beijing(date(2026, 3, 13), 23))
    opinion.record_milestone(handlers["handler"], major.id, "authoritative")
    assert major.reply_due_at == beijing(date(2026, 3, 14), 20)

    travel.set(beijing(date(2026, 3, 14), 15))
    opinion.record_milestone(handlers["handler"], major.id, "press")
    assert major.reply_due_at is None
    assert not clocks.is_overdue(major, travel.advance(days=10))


def test_milestone_on_time_and_late_are_marked(major, travel, handlers):
    travel.set(beijing(date(2026, 3, 14), 6))
    opinion.record_milestone(handlers["handler"], major.id, "authoritative")  # due 01:00
    opinion.record_milestone(handlers["handler"], major.id, "press",
                             at=beijing(date(2026, 3, 14), 5), note="在镇政府会议室召开。")

    messages = [e.message for e in major.events if e.action.startswith("opinion_")
                and e.action != "opinion_log"]
    assert "超时" in messages[0] and "按时" not in messages[0]
    assert "按时" in messages[1] and "在镇政府会议室召开" in messages[1]
    assert [(a.after["milestone"], a.after["on_time"])
            for a in _audit("inquiry.opinion_milestone")] == [("authoritative", False),
                                                              ("press", True)]
    assert major.opinion.authoritative_at == beijing(date(2026, 3, 14), 6)
    assert major.opinion.press_at == beijing(date(2026, 3, 14), 5)


def test_open_major_item_is_overdue_after_five_hours(major, travel, handlers):
    handler = handlers["handler"]
    now = travel.set(beijing(date(2026, 3, 13), 22))
    assert clocks.due_state(major, now) == "on_track"
    assert major.id not in {i.id for i in queries.queue(handler, "due_soon").items}

    now = travel.set(beijing(date(2026, 3, 13), 23, 30))  # 1.5 h left
    assert clocks.due_state(major, now) == "due_soon"
    assert major.id in {i.id for i in queries.queue(handler, "due_soon").items}

    now = travel.set(beijing(date(2026, 3, 14), 1, 0, 1))
    assert clocks.is_overdue(major, now)
    assert major.id in {i.id for i in queries.queue(handler, "overdue").items}


@pytest.mark.parametrize(("severity", "milestone"), [(GENERAL, "press"),
                                                     (GENERAL, "authoritative"),
                                                     (MAJOR, "response"), (MAJOR, "rumour")])
def test_milestones_outside_the_severity_are_refused(travel, log, handlers, severity,
                                                     milestone):
    item = log(severity)
    with pytest.raises(ValidationError):
        opinion.record_milestone(handlers["handler"], item.id, milestone)
    db.session.rollback()
    assert _audit("inquiry.opinion_milestone") == []


def test_milestone_in_the_future_is_refused(major, travel, handlers):
    with pytest.raises(ValidationError):
        opinion.record_milestone(handlers["handler"], major.id, "authoritative",
                                 at=travel.now + timedelta(hours=1))
    db.session.rollback()
    assert major.opinion.authoritative_at is None


@pytest.mark.parametrize("offset", [timedelta(minutes=10), timedelta(days=-31)])
def test_found_at_must_be_recent_and_not_in_the_future(travel, log, offset):
    with pytest.raises(ValidationError):
        log(MAJOR, found_at=travel.now + offset)
    db.session.rollback()
    assert db.session.scalars(select(OpinionDetails)).all() == []


def test_only_the_organizations_handler_logs_and_records(major, log, handlers):
    with pytest.raises(PermissionDenied):
        log(MAJOR, actor=handlers["other_handler"])
    db.session.rollback()
    for actor in (handlers["other_handler"], handlers["inspector"]):
        with pytest.raises(PermissionDenied):
            opinion.record_milestone(actor, major.id, "authoritative")
        db.session.rollback()
    assert major.opinion.authoritative_at is None


def test_milestone_on_a_resident_inquiry_is_refused(submit, handlers):
    inquiry = submit().inquiry
    with pytest.raises(Conflict):
        opinion.record_milestone(handlers["handler"], inquiry.id, "response")


def test_opinion_items_cannot_be_extended(major, handlers):
    with pytest.raises(Conflict):
        extension_requests.request_extension(handlers["handler"], major.id, 1, "需要更多时间。")


def test_calendar_changes_leave_hour_clocks_alone(major, handlers):
    due = major.reply_due_at
    workdays.set_override(handlers["admin"], date(2026, 3, 16), False, "临时停工")
    assert major.reply_due_at == due == beijing(date(2026, 3, 14), 1)


# --- the published disclosure that carried the response ------------------------------

@pytest.fixture
def disclosure(orgs, make_user, handlers):
    """make(publish=True) → a 双塔镇 disclosure, published or left as a draft."""
    editor = make_user("editor", (Role.EDITOR, orgs["town"]))

    def make(publish: bool):
        draft = disclosures.create_draft(editor, disclosures.DisclosureInput(
            organization=orgs["town"], category=Category.RESULT,
            title="关于双塔镇自来水水质情况的说明", body_html="<p>经检测，水质符合标准。</p>",
            formed_on=date(2026, 3, 13)))
        if not publish:
            return draft
        disclosures.submit(editor, draft.id)
        disclosures.approve(handlers["reviewer"], draft.id)
        return disclosures.publish(editor, draft.id)

    return make


def test_linking_a_published_disclosure(major, travel, handlers, disclosure):
    travel.set(beijing(date(2026, 3, 13), 23))
    published = disclosure(publish=True)
    opinion.record_milestone(handlers["handler"], major.id, "authoritative",
                             disclosure_id=published.id)

    assert major.opinion.response_disclosure_id == published.id
    assert _audit("inquiry.opinion_milestone")[-1].after["disclosure_id"] == published.id


@pytest.mark.parametrize("which", ["draft", "missing"])
def test_linking_an_unpublished_disclosure_is_refused(major, travel, handlers, disclosure,
                                                      which):
    travel.set(beijing(date(2026, 3, 13), 23))
    target = disclosure(publish=False).id if which == "draft" else 9999
    with pytest.raises(ValidationError):
        opinion.record_milestone(handlers["handler"], major.id, "authoritative",
                                 disclosure_id=target)
    db.session.rollback()
    details = db.session.scalars(select(OpinionDetails)).one()
    assert details.response_disclosure_id is None and details.authoritative_at is None
    assert _audit("inquiry.opinion_milestone") == []


def test_a_recorded_milestone_cannot_be_recorded_again(major, travel, handlers):
    travel.set(beijing(date(2026, 3, 14), 6))
    opinion.record_milestone(handlers["handler"], major.id, "authoritative")  # 5 h late

    with pytest.raises(Conflict):
        opinion.record_milestone(handlers["handler"], major.id, "authoritative",
                                 at=beijing(date(2026, 3, 14), 0, 30))
    db.session.rollback()
    assert major.opinion.authoritative_at == beijing(date(2026, 3, 14), 6)
