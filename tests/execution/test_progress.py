"""Progress: 0–100 on a leaf, derived (equal weights) on a parent, explained when wrong."""

from fractions import Fraction

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.errors import PermissionDenied, ValidationError
from portal.execution import progress
from portal.extensions import db


def _report(staff, task, value, note="本周进展"):
    return progress.add_update(staff["editor"], task.id,
                               progress.UpdateInput(note=note, progress=value))


def test_parent_progress_is_the_mean_of_its_children(make_task, staff):
    parent = make_task("整治方案")
    children = [make_task(f"子任务{n}", parent=parent) for n in range(3)]
    for child, value in zip(children, ("0", "50", "100"), strict=True):
        _report(staff, child, value)
    assert parent.progress == 50
    _report(staff, children[0], "20")
    assert parent.exact_progress == Fraction(170, 3) and parent.progress == 57


def test_grandchildren_count_through_their_parent_not_by_headcount(make_task, staff):
    root = make_task("总任务")
    leaf = make_task("叶子任务", parent=root)
    branch = make_task("分支任务", parent=root)
    done, idle = make_task("已完成", parent=branch), make_task("未开始", parent=branch)
    _report(staff, leaf, 100)
    _report(staff, done, 100)
    _report(staff, idle, 0)
    assert branch.progress == 50
    assert root.progress == 75  # (100 + 50) / 2, not (100 + 100 + 0) / 3


def test_derived_progress_rounds_half_up(make_task, staff):
    parent = make_task("两个子任务")
    first, second = make_task("一", parent=parent), make_task("二", parent=parent)
    _report(staff, first, 0)
    _report(staff, second, 1)
    assert parent.progress == 1  # 0.5 rounds up


def test_a_parent_takes_no_progress_of_its_own(make_task, staff):
    parent = make_task("整治方案")
    make_task("子任务", parent=parent)
    with pytest.raises(ValidationError, match="进度由子任务自动计算"):
        _report(staff, parent, "30")
    _report(staff, parent, "", note="召开推进会")  # a note alone is fine
    assert parent.updates[-1].progress is None


@pytest.mark.parametrize("value", ["101", "-1", "abc", "12.5", "１００", "1000"])
def test_values_outside_0_to_100_are_explained(make_task, staff, value):
    task = make_task()
    with pytest.raises(ValidationError, match="进度请填写 0 到 100 之间的整数"):
        _report(staff, task, value)
    assert task.progress == 0


@pytest.mark.parametrize("value,expected", [("0", 0), ("100", 100), ("60%", 60), (" 7 ", 7)])
def test_accepted_values(make_task, staff, value, expected):
    task = make_task()
    _report(staff, task, value)
    assert task.progress == expected


@pytest.mark.parametrize("value", ["101", "-1", "abc"])
def test_the_page_keeps_the_bad_value_next_to_its_message(client, login, make_task, staff,
                                                          value):
    task = make_task()
    login(staff["editor"])
    response = client.post(f"/staff/execution/{task.id}/updates",
                           data={"note": "完成入户摸排", "progress": value})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "进度请填写 0 到 100 之间的整数（如 60）。" in html
    assert f'value="{value}"' in html and "完成入户摸排" in html
    assert 'id="progress-error"' in html


def test_updates_are_audited_and_other_towns_are_refused(client, login, make_task, staff):
    task = make_task()
    _report(staff, task, "40")
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "execution.update_progress")).one()
    assert event.before == {"progress": 0} and event.after["progress"] == 40
    with pytest.raises(PermissionDenied):
        progress.add_update(staff["other_editor"], task.id,
                            progress.UpdateInput(note="越权", progress="90"))
    db.session.rollback()
    login(staff["other_editor"])
    response = client.post(f"/staff/execution/{task.id}/updates",
                           data={"note": "越权", "progress": "90"})
    assert response.status_code == 403
    denied = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "execution.update_progress", AuditEvent.result == "denied")).all()
    assert denied and denied[-1].actor_name == "other_editor"
    assert task.progress == 40
