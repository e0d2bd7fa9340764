"""Fixtures for village notices: a clerk and a supervision committee member for each of
two villages, a town reviewer, and a notice taken all the way to the board."""

from datetime import date

import pytest

from portal.auth.models import Role
from portal.villages import services
from portal.villages.models import NoticeCategory


@pytest.fixture
def village_staff(orgs, make_user):
    return {
        "clerk_a": make_user("clerk_a", (Role.VILLAGE_CLERK, orgs["village_a"])),
        "clerk_b": make_user("clerk_b", (Role.VILLAGE_CLERK, orgs["village_b"])),
        "supervisor_a": make_user("sup_a", (Role.VILLAGE_SUPERVISOR, orgs["village_a"])),
        "reviewer": make_user("town_reviewer", (Role.REVIEWER, orgs["town"])),
        "inspector": make_user("town_inspector", (Role.INSPECTOR, orgs["town"])),
    }


@pytest.fixture
def notice_input(orgs):
    def build(**changes) -> services.NoticeInput:
        fields = dict(village=orgs["village_a"], category=NoticeCategory.VILLAGE,
                      title="双塔村2026年第三季度村务公开",
                      body_html="一、修缮村东头道路 200 米。\n\n二、新装路灯 12 盏。",
                      period_start=date(2026, 7, 1), period_end=date(2026, 9, 30))
        fields.update(changes)
        return services.NoticeInput(**fields)

    return build


@pytest.fixture
def published_notice(village_staff, notice_input):
    def run(**changes):
        notice = services.create_draft(village_staff["clerk_a"], notice_input(**changes))
        services.submit(village_staff["clerk_a"], notice.id)
        services.sign_off(village_staff["supervisor_a"], notice.id, "情况属实")
        return services.approve(village_staff["reviewer"], notice.id)

    return run
