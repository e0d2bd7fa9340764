"""The legal clocks of a work order.

Working-day clocks (sign for, reply, 补正) count with `portal.workdays` from the day after
the start (开始的当日不计入) and fall due at the end of the due day, Beijing time. 舆情
clocks count calendar hours.

The reply clock stops while the inquiry waits, within legal bounds (`portal.inquiries.pauses`):
- on the resident (补正, more material), for as long as it takes: the resident holds the
  ball, so such a case is never overdue. For 依申请公开 the arrival of the correction
  restarts the count from that day (条例第三十条、第三十一条); for other types the working days
  waited are added back.
- on a third party or another agency consulted (依申请公开 only), for at most the case's
  allowance (条例第三十二条: 15 working days to answer; 第三十三条: that time is not counted).
  Past it the clock runs again: while consulting, the stored deadline is the one the case
  would have if the pause lasted exactly the allowance left, so the overdue and due-soon
  rules, in Python and SQL, judge a consulting case by it.
A deadline that has passed stays passed: a pause begun after it moves nothing, and an
extension (`portal.inquiries.extension_requests`) must be decided before it.

The lengths a case is promised are fixed at receipt (`promised_lengths`), so a later
change to the SLA table applies only to cases received after it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import bindparam, select

from portal.extensions import db
from portal.inquiries import pauses
from portal.inquiries.limits import HOURS, WORKING_DAYS
from portal.inquiries.models import (
    CLOCKED_STATUSES,
    Inquiry,
    InquiryType,
    Severity,
    SlaPolicy,
    Status,
)
from portal.timeutil import LOCAL_TZ, to_local
from portal.workdays.calendar import add_working_days, working_days_between, working_deadline

# (type, clock) → (amount, unit). Seeded into sla_policies by migration; admins edit there.
DEFAULT_POLICIES: dict[tuple[InquiryType, str], tuple[int, str]] = {
    **{(t, "sign"): (1, WORKING_DAYS) for t in InquiryType if t.is_public},
    **{(t, "due_soon"): (2, WORKING_DAYS) for t in InquiryType if t.is_public},
    (InquiryType.CONSULT, "reply"): (5, WORKING_DAYS),
    (InquiryType.HELP, "reply"): (3, WORKING_DAYS),
    (InquiryType.SUGGEST, "reply"): (15, WORKING_DAYS),
    (InquiryType.COMPLAINT, "reply"): (15, WORKING_DAYS),
    (InquiryType.REPORT, "reply"): (15, WORKING_DAYS),
    (InquiryType.INFO_REQUEST, "reply"): (20, WORKING_DAYS),
    **{(t, "extension_max"): (15, WORKING_DAYS) for t in InquiryType
       if t.is_public and t is not InquiryType.INFO_REQUEST},
    (InquiryType.INFO_REQUEST, "extension_max"): (20, WORKING_DAYS),
    (InquiryType.INFO_REQUEST, "correction_request"): (7, WORKING_DAYS),
    (InquiryType.INFO_REQUEST, "correction_period"): (15, WORKING_DAYS),
    (InquiryType.INFO_REQUEST, "consultation"): (15, WORKING_DAYS),
    (InquiryType.OPINION, "authoritative_info"): (5, HOURS),
    (InquiryType.OPINION, "press_conference"): (24, HOURS),
    (InquiryType.OPINION, "response"): (48, HOURS),
}

CLOCK_LABELS = {
    "sign": "签收时限", "reply": "答复时限", "due_soon": "临期提醒（提前）",
    "extension_max": "延期上限", "correction_request": "告知补正时限",
    "correction_period": "群众补正期限", "consultation": "征求意见停止计时上限",
    "authoritative_info": "发布权威信息（重大）", "press_conference": "召开新闻发布会（重大）",
    "response": "回应（一般舆情）",
}


def policy(inquiry_type: InquiryType, clock: str) -> int:
    """The configured amount for a clock, falling back to the statutory default."""
    amount = db.session.scalar(select(SlaPolicy.amount).where(
        SlaPolicy.inquiry_type == inquiry_type, SlaPolicy.clock == clock))
    return amount if amount is not None else DEFAULT_POLICIES[(inquiry_type, clock)][0]


def end_of_day(day: date) -> datetime:
    """The last second of a local day, as an aware UTC datetime."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL_TZ).astimezone(UTC)


def local_day(moment: datetime) -> date:
    return to_local(moment).date()


def start(inquiry: Inquiry, now: datetime, lengths: dict[str, int] | None = None) -> None:
    """Set every clock of a newly received inquiry; `lengths` are its `promised_lengths`
    when read already."""
    if inquiry.type is InquiryType.OPINION:
        return
    day = local_day(now)
    inquiry.clock_start_on = inquiry.sign_clock_start_on = day
    inquiry.pauses, inquiry.paused_days, inquiry.extension_days = [], 0, 0
    for field, amount in (lengths or promised_lengths(inquiry.type)).items():
        setattr(inquiry, field, amount)
    refresh(inquiry)


# Inquiry field → SLA clock: the lengths a case is promised at receipt.
PROMISED = {"sign_days": "sign", "reply_days": "reply", "extension_max_days": "extension_max"}
PROMISED_TO_APPLICANTS = {"correction_notice_days": "correction_request",
                          "correction_period_days": "correction_period",
                          "consultation_max_days": "consultation"}


# Built once (every submission reads the table): the type and clocks are parameters.
_LENGTHS = select(SlaPolicy.clock, SlaPolicy.amount).where(
    SlaPolicy.inquiry_type == bindparam("kind"),
    SlaPolicy.clock.in_(bindparam("clocks", expanding=True)))


def promised_lengths(inquiry_type: InquiryType) -> dict[str, int]:
    """The clock lengths of the SLA table as it stands now, per inquiry field: fixed on a
    case at receipt and read from the case from then on."""
    fields = PROMISED | (PROMISED_TO_APPLICANTS if inquiry_type is InquiryType.INFO_REQUEST
                         else {})
    configured = dict(db.session.execute(_LENGTHS, {"kind": inquiry_type,
                                                    "clocks": list(fields.values())}).all())
    return {field: configured[clock] if configured.get(clock) is not None
            else DEFAULT_POLICIES[(inquiry_type, clock)][0] for field, clock in fields.items()}


def restart_sign_clock(inquiry: Inquiry, now: datetime) -> None:
    """Sign-for counts from receipt, and again from each transfer to another office."""
    inquiry.sign_clock_start_on = local_day(now)
    refresh(inquiry)


def request_correction(inquiry: Inquiry, now: datetime) -> None:
    """The reply clock stops until the resident answers; an applicant for information
    also gets a 补正 period, after which the application counts as given up."""
    if inquiry.type is InquiryType.INFO_REQUEST:
        inquiry.correction_requested_on = local_day(now)
        inquiry.correction_days = inquiry.correction_period_days
    pause(inquiry, now)


def refresh(inquiry: Inquiry) -> None:
    """Recompute every working-day deadline from the days it starts on, so a change to
    the holiday calendar moves them all (and nothing else does)."""
    if inquiry.type is InquiryType.OPINION:
        return
    sign = working_deadline(inquiry.sign_clock_start_on, inquiry.sign_days)
    inquiry.sign_due_at = end_of_day(sign.due)
    allowance = inquiry.consultation_max_days or 0
    inquiry.paused_days = pauses.counted_days(inquiry.pauses, allowance)
    total = (inquiry.reply_days + inquiry.extension_days + inquiry.paused_days
             + pauses.running_days(inquiry.pauses, allowance))
    reply = working_deadline(inquiry.clock_start_on, total)
    inquiry.reply_due_at = end_of_day(reply.due)
    inquiry.due_provisional = reply.provisional or sign.provisional
    if inquiry.correction_notice_days is not None:
        inquiry.correction_request_due_at = end_of_day(add_working_days(
            local_day(inquiry.received_at), inquiry.correction_notice_days))
    if inquiry.correction_requested_on and inquiry.correction_days:
        inquiry.correction_due_at = end_of_day(
            add_working_days(inquiry.correction_requested_on, inquiry.correction_days))


def pause(inquiry: Inquiry, now: datetime, kind: str = pauses.RESIDENT) -> None:
    """Stop the reply clock, waiting on the resident or (`pauses.CONSULTATION`) on a
    third party. A pause begun after the deadline has passed moves nothing."""
    if not deadline_passed(inquiry, now):
        inquiry.pauses = pauses.opened(inquiry.pauses, kind, local_day(now))
    inquiry.paused_since = now
    refresh(inquiry)


def resume(inquiry: Inquiry, now: datetime, *, restart: bool = False) -> None:
    """Start the stopped clock again. `restart` counts afresh from today (补正 arrived);
    otherwise the pause ends today and its working days extend the deadline, a
    consultation's up to the case's allowance."""
    if restart:
        inquiry.clock_start_on = local_day(now)
        inquiry.pauses = []
    else:
        inquiry.pauses = pauses.closed(inquiry.pauses, local_day(now))
    inquiry.paused_since = None
    inquiry.correction_requested_on = inquiry.correction_days = None
    inquiry.correction_due_at = None
    refresh(inquiry)


def consultation_days_left(inquiry: Inquiry) -> int:
    """Working days a consultation may still stop this case's reply clock for."""
    return pauses.allowance_left(inquiry.pauses, inquiry.consultation_max_days or 0)


def consulted_days(inquiry: Inquiry) -> int:
    """Working days inside the case's finished consultations, counted or not."""
    return pauses.finished_days(inquiry.pauses, pauses.CONSULTATION)


def start_opinion(inquiry: Inquiry, severity: Severity, now: datetime):
    """舆情 clocks in calendar hours from the moment the item was found."""
    from portal.inquiries.models import OpinionDetails

    details = inquiry.opinion or OpinionDetails(severity=severity)
    if severity is Severity.MAJOR:
        details.authoritative_due_at = now + timedelta(
            hours=policy(InquiryType.OPINION, "authoritative_info"))
        details.press_due_at = now + timedelta(
            hours=policy(InquiryType.OPINION, "press_conference"))
    else:
        details.response_due_at = now + timedelta(hours=policy(InquiryType.OPINION, "response"))
    inquiry.opinion = details
    refresh_opinion(inquiry)
    return details


def refresh_opinion(inquiry: Inquiry) -> None:
    """An opinion item's due time is its earliest milestone still open."""
    details = inquiry.opinion
    open_dues = [due for due, done in (
        (details.authoritative_due_at, details.authoritative_at),
        (details.press_due_at, details.press_at),
        (details.response_due_at, details.responded_at)) if due and not done]
    inquiry.reply_due_at = min(open_dues) if open_dues else None


def deadline_passed(inquiry: Inquiry, now: datetime) -> bool:
    """The reply deadline ran out while the clock was running: it is past now or, while
    the inquiry waits on the resident, it had passed before the wait began."""
    if inquiry.reply_due_at is None:
        return False
    if inquiry.status is Status.AWAITING_RESIDENT and inquiry.paused_since is not None:
        now = min(now, inquiry.paused_since)
    return now > inquiry.reply_due_at


def is_overdue(inquiry: Inquiry, now: datetime) -> bool:
    """Late on the government's side: running, or consulting past the allowance. Waiting
    on the resident never is."""
    if inquiry.status not in CLOCKED_STATUSES:
        return False
    if inquiry.status in (Status.RECEIVED, Status.RETURNED) and inquiry.sign_due_at \
            and now > inquiry.sign_due_at:
        return True
    return inquiry.reply_due_at is not None and now > inquiry.reply_due_at


DUE_SOON_HOURS = timedelta(hours=2)  # for clocks without a working-day warning (舆情)


def due_soon_days(inquiry_type: InquiryType) -> int:
    """Working days of warning before the reply deadline; 0: `DUE_SOON_HOURS` instead."""
    return policy(inquiry_type, "due_soon") if inquiry_type.is_public else 0


def due_soon_cutoff(inquiry_type: InquiryType, now: datetime) -> datetime:
    days = due_soon_days(inquiry_type)
    if not days:
        return now + DUE_SOON_HOURS
    return end_of_day(add_working_days(local_day(now), days))


def is_due_soon(inquiry: Inquiry, now: datetime) -> bool:
    if inquiry.status not in CLOCKED_STATUSES or inquiry.reply_due_at is None:
        return False
    if is_overdue(inquiry, now):
        return False
    return inquiry.reply_due_at <= due_soon_cutoff(inquiry.type, now)


def working_days_left(inquiry: Inquiry, now: datetime) -> int | None:
    if inquiry.reply_due_at is None or inquiry.type is InquiryType.OPINION:
        return None
    return working_days_between(local_day(now), local_day(inquiry.reply_due_at))


def due_state(inquiry: Inquiry, now: datetime) -> str:
    """One word for lists: done, overdue, paused, due_soon or on_track (a consultation
    past its allowance is overdue, not paused)."""
    if not inquiry.is_open:
        return "done"
    if is_overdue(inquiry, now):
        return "overdue"
    if inquiry.is_paused:
        return "paused"
    return "due_soon" if is_due_soon(inquiry, now) else "on_track"
