"""Fixtures for 行政执法公示: staff of 双塔镇, a clock in Beijing time, a body with one
officer, and a way to record decisions."""

from datetime import date

import pytest

from portal.auth.models import Role
from portal.enforcement import registry, services
from tests.inquiries.timetravel import TimeMachine, beijing, cheap_password_hashing

ID_NUMBER = "11010519491231002X"  # a valid 居民身份证号码 (check digit X)


@pytest.fixture(autouse=True)
def _fast_users(monkeypatch):
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def travel(app, monkeypatch):
    return TimeMachine(monkeypatch, beijing(date(2026, 3, 10)))


@pytest.fixture
def staff(orgs, make_user):
    return {
        "editor": make_user("editor", (Role.EDITOR, orgs["town"])),
        "reviewer": make_user("reviewer", (Role.REVIEWER, orgs["town"])),
        "inspector": make_user("inspector", (Role.INSPECTOR, orgs["town"])),
        "other_editor": make_user("other_editor", (Role.EDITOR, orgs["other_town"])),
    }


@pytest.fixture
def body(staff, orgs, travel):
    made = registry.create_body(staff["editor"], registry.BodyInput(
        organization=orgs["town"], name="双塔镇人民政府（综合行政执法）", kind="statutory",
        duties="负责本镇综合行政执法。", contact="双塔镇政府院内，0370-8123456"))
    registry.add_officer(staff["editor"], made.id, registry.OfficerInput(
        name="刘执法", certificate_number="41142100123", field="综合执法",
        valid_until=date(2028, 12, 31)))
    return made


@pytest.fixture
def decision_input(body):
    """decision_input(**changes) → a penalty on a natural person decided 2026-03-02."""

    def build(**changes):
        fields = dict(body=body, kind="penalty", document_number="双塔综执罚〔2026〕1号",
                      title="行政处罚决定书", party_kind="natural", party_name="张三丰",
                      party_code=ID_NUMBER, basis="《中华人民共和国土地管理法》第七十七条",
                      content="责令退还非法占用的土地，罚款 2000 元。",
                      facts="张三丰未经批准占用耕地建房，身份证号 11010519491231002X。",
                      fine_amount="0.2", decided_on=date(2026, 3, 2))
        fields.update(changes)
        return services.DecisionInput(**fields)

    return build


@pytest.fixture
def record(staff, decision_input):
    """record(publish=False, **changes) → a decision recorded by the editor."""

    def build(publish=False, **changes):
        decision = services.create_decision(staff["editor"], decision_input(**changes))
        if publish:
            services.publish_decision(staff["reviewer"], decision.id)
        return decision

    return build
