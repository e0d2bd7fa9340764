"""The SLA table admins edit: stricter than the law is allowed, looser never (条例第三十、
三十二、三十三条; 国办发〔2016〕61号), and a change applies only to cases received after it.
"""

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.errors import ValidationError
from portal.extensions import db
from portal.inquiries import extension_requests, policy, workflow
from portal.inquiries.models import InquiryType, SlaPolicy
from portal.workdays import services as workdays
from tests.inquiries.timetravel import TimeMachine, cheap_password_hashing, end_of_beijing_day

INFO, OPINION = InquiryType.INFO_REQUEST, InquiryType.OPINION

# (type, clock, the law's limit, the words the refusal must carry)
CEILINGS = [
    (INFO, "reply", 20, "个工作日", "《政府信息公开条例》第三十三条"),
    (INFO, "extension_max", 20, "个工作日", "《政府信息公开条例》第三十三条"),
    (INFO, "correction_request", 7, "个工作日", "《政府信息公开条例》第三十条"),
    (INFO, "consultation", 15, "个工作日", "《政府信息公开条例》第三十二条"),
    (OPINION, "authoritative_info", 5, "小时", "国办发〔2016〕61号"),
    (OPINION, "press_conference", 24, "小时", "国办发〔2016〕61号"),
    (OPINION, "response", 48, "小时", "国办发〔2016〕61号"),
]
IDS = [f"{kind.value}-{clock}" for kind, clock, *_ in CEILINGS]


@pytest.fixture(autouse=True)
def _fast_users(monkeypatch):
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def travel(app, monkeypatch):
    return TimeMachine(monkeypatch)


def _policy(kind: InquiryType, clock: str) -> SlaPolicy:
    return db.session.scalars(select(SlaPolicy).where(SlaPolicy.inquiry_type == kind,
                                                      SlaPolicy.clock == clock)).one()


def _updates() -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.action == "sla.update"))


@pytest.mark.parametrize(("kind", "clock", "ceiling", "unit", "rule"), CEILINGS, ids=IDS)
def test_a_looser_limit_than_the_law_is_refused(travel, handlers, kind, clock, ceiling, unit,
                                                rule):
    row = _policy(kind, clock)
    before = (row.amount, row.updated_at)

    with pytest.raises(ValidationError) as refused:
        policy.update_policy(handlers["admin"], row.id, ceiling + 1)
    db.session.rollback()

    message = refused.value.message
    assert f"不能超过法定的 {ceiling} {unit}" in message and rule in message
    assert refused.value.field == "amount"
    db.session.expire_all()
    assert (_policy(kind, clock).amount, _policy(kind, clock).updated_at) == before
    assert _updates() == 0


@pytest.mark.parametrize(("kind", "clock", "ceiling", "unit", "rule"), CEILINGS, ids=IDS)
def test_the_law_itself_or_stricter_is_accepted(travel, handlers, kind, clock, ceiling, unit,
                                                rule):
    row = _policy(kind, clock)
    policy.update_policy(handlers["admin"], row.id, ceiling - 1)
    assert row.amount == ceiling - 1
    policy.update_policy(handlers["admin"], row.id, ceiling)
    assert row.amount == ceiling and _updates() == 2


def test_clocks_without_a_statutory_limit_stay_free_within_the_range(travel, handlers):
    row = _policy(InquiryType.CONSULT, "reply")
    policy.update_policy(handlers["admin"], row.id, 30)
    assert row.amount == 30


def test_the_sla_page_states_each_statutory_ceiling(client, login, handlers):
    login(handlers["admin"])
    page = client.get("/staff/inquiries/sla").get_data(as_text=True)

    assert "法定上限 20 个工作日（《政府信息公开条例》第三十三条）" in page
    assert "法定上限 7 个工作日（《政府信息公开条例》第三十条）" in page
    assert "法定上限 15 个工作日（《政府信息公开条例》第三十二条）" in page
    assert "法定上限 48 小时（国办发〔2016〕61号）" in page
    assert 'max="20"' in page and 'max="7"' in page


def test_a_looser_limit_posted_through_the_page_is_refused(client, login, handlers):
    row = _policy(INFO, "reply")
    login(handlers["admin"])
    response = client.post(f"/staff/inquiries/sla/{row.id}", data={"amount": "30"})

    assert response.status_code == 400
    assert "不能超过法定的 20 个工作日" in response.get_data(as_text=True)
    db.session.expire_all()
    assert _policy(INFO, "reply").amount == 20


# --- a change applies only to cases received after it ------------------------------------
# 2026-03 by hand: 03-11..13 Wed–Fri, 03-16..20 and 03-23..27 Mon–Fri; no holidays.

def _set(admin, kind: InquiryType, clock: str, amount: int) -> None:
    policy.update_policy(admin, _policy(kind, clock).id, amount)


def test_the_correction_notice_keeps_the_days_promised_at_receipt(travel, submit, handlers):
    """Received Tue 03-10: 7 working days → Thu 03-19 (11, 12, 13, 16, 17, 18, 19). After
    the admin sets 5, a case received the same day is due Tue 03-17; the first one keeps
    03-19 when its deadlines are recomputed for a calendar change."""
    travel.to(date(2026, 3, 10), 10)
    promised = submit(type=INFO).inquiry
    _set(handlers["admin"], INFO, "correction_request", 5)
    travel.to(date(2026, 3, 10), 11)
    later = submit(type=INFO).inquiry

    workdays.set_override(handlers["admin"], date(2026, 5, 20), False, "临时停工")

    assert promised.correction_request_due_at == end_of_beijing_day(date(2026, 3, 19))
    assert later.correction_request_due_at == end_of_beijing_day(date(2026, 3, 17))


def test_the_correction_period_is_the_one_promised_at_receipt(travel, submit, handlers):
    """补正 asked on Thu 03-12: 15 working days → Thu 04-02 (03-13, 16..20, 23..27,
    30, 31, 04-01, 04-02); 10 days, set after the first case came in → Thu 03-26."""
    travel.to(date(2026, 3, 10), 10)
    promised = submit(type=INFO).inquiry
    _set(handlers["admin"], INFO, "correction_period", 10)
    later = submit(type=INFO).inquiry
    travel.to(date(2026, 3, 12), 10)
    for inquiry in (promised, later):
        workflow.sign(handlers["handler"], inquiry.id)
        workflow.request_correction(handlers["handler"], inquiry.id, "请写明所需信息的文号。")

    assert promised.correction_due_at == end_of_beijing_day(date(2026, 4, 2))
    assert later.correction_due_at == end_of_beijing_day(date(2026, 3, 26))


def test_the_extension_maximum_is_the_one_promised_at_receipt(travel, submit, handlers):
    travel.to(date(2026, 3, 10), 10)
    promised = submit(type=INFO).inquiry
    _set(handlers["admin"], INFO, "extension_max", 10)
    later = submit(type=INFO).inquiry
    for inquiry in (promised, later):
        workflow.sign(handlers["handler"], inquiry.id)

    extension_requests.request_extension(handlers["handler"], promised.id, 20, "需调取历史档案。")
    with pytest.raises(ValidationError) as refused:
        extension_requests.request_extension(handlers["handler"], later.id, 11, "需调取历史档案。")
    db.session.rollback()

    assert promised.pending_extension.days == 20
    assert refused.value.message == "延期天数应为 1 至 10 个工作日。"
    assert later.extensions == []


def test_each_case_stores_the_limits_it_was_promised(travel, submit, handlers):
    travel.to(date(2026, 3, 10), 10)
    promised = submit(type=INFO).inquiry
    consult = submit(type=InquiryType.CONSULT).inquiry
    _set(handlers["admin"], INFO, "consultation", 10)
    later = submit(type=INFO).inquiry

    assert (promised.correction_notice_days, promised.correction_period_days,
            promised.consultation_max_days, promised.extension_max_days) == (7, 15, 15, 20)
    assert later.consultation_max_days == 10
    assert (consult.extension_max_days, consult.consultation_max_days,
            consult.correction_notice_days) == (15, None, None)
