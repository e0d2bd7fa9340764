"""Fixtures for execution tracking: staff of 双塔镇 and 花园乡, a clock in Beijing time, and
a way to build task trees."""

from datetime import date

import pytest

from portal.auth.models import Role
from portal.execution import services
from tests.inquiries.timetravel import TimeMachine, beijing, cheap_password_hashing


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
        "other_editor": make_user("other_editor", (Role.EDITOR, orgs["other_town"])),
        "other_reviewer": make_user("other_reviewer", (Role.REVIEWER, orgs["other_town"])),
    }


@pytest.fixture
def make_task(staff, orgs, travel):
    """make_task("标题", parent=None, publish=False, **changes) → a task by the editor."""

    def build(title="农村人居环境整治", parent=None, publish=False, **changes):
        fields = dict(organization=orgs["town"], title=title, description="",
                      parent_id=parent.id if parent else None)
        fields.update(changes)
        task = services.create_task(staff["editor"], services.TaskInput(**fields))
        if publish:
            services.publish_task(staff["reviewer"], task.id)
        return task

    return build
