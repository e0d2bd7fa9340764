"""The SLA table admins edit: stricter than the law is allowed, looser never (条例第三十、
三十二、三十三条; 国办发〔2016〕61号), and a change applies only to cases received after it.
"""

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.errors import ValidationError
from portal.extensions import db
from portal.inquiries import policy
from portal.inquiries.models import InquiryType, SlaPolicy
from tests.inquiries.timetravel import TimeMachine, cheap_password_hashing

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
