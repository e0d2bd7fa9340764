"""Fixtures for 矛盾纠纷排查化解: a 综治中心 at 双塔镇, a 网格员 in each of its two villages,
one in another town, a clock in Beijing time and a way to record disputes."""

from datetime import date

import pytest

from portal.auth.models import Role
from portal.disputes import services
from tests.inquiries.timetravel import TimeMachine, beijing, cheap_password_hashing

TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _fast_users(monkeypatch):
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def travel(app, monkeypatch):
    return TimeMachine(monkeypatch, beijing(TODAY))


@pytest.fixture
def staff(orgs, make_user, travel):
    return {
        "center": make_user("center", (Role.GOVERNANCE_CENTER, orgs["town"])),
        "grid_a": make_user("grid_a", (Role.GRID_WORKER, orgs["village_a"])),
        "grid_b": make_user("grid_b", (Role.GRID_WORKER, orgs["village_b"])),
        "other_center": make_user("other_center", (Role.GOVERNANCE_CENTER, orgs["other_town"])),
        "editor": make_user("editor", (Role.EDITOR, orgs["town"])),
    }


@pytest.fixture
def dispute_input(orgs):
    def build(**changes):
        fields = dict(village=orgs["village_a"], type="homestead",
                      parties="张三丰（双塔村三组）与李四光（双塔村三组）",
                      summary="两户因宅基地边界的院墙发生争执。", responsible="王调解",
                      reported_on=date(2026, 3, 2))
        fields.update(changes)
        return services.DisputeInput(**fields)

    return build


@pytest.fixture
def record(staff, dispute_input):
    """record(by="grid_a", close=None|"resolve"|"escalate", closed_on=…, **changes)."""

    def build(by="grid_a", close=None, closed_on=date(2026, 3, 6), **changes):
        dispute = services.create_dispute(staff[by], dispute_input(**changes))
        if close:
            services.mediate(staff[by], dispute.id)
            operation = services.resolve if close == "resolve" else services.escalate
            who = staff["center"] if close == "escalate" else staff[by]
            operation(who, dispute.id, services.CloseInput(closed_on, "双方达成协议。"))
        return dispute

    return build


def check(staff, village, day, who="grid_a", result="nil", note=""):
    return services.file_check(staff[who], services.CheckInput(village, day, result, note))
