"""Reading execution tasks: public pages, the staff's scoped list, and the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.auth import policy
from portal.auth.models import Role
from portal.auth.permissions import require_any
from portal.errors import NotFound
from portal.execution.models import ExecutionTask
from portal.extensions import db
from portal.timeutil import to_local

STAFF_VIEW_ROLES = (Role.EDITOR, Role.REVIEWER, Role.ADMIN, Role.INSPECTOR)


def get_task(task_id: int) -> ExecutionTask:
    """Return the task or raise NotFound."""
    task = db.session.get(ExecutionTask, task_id)
    if task is None:
        raise NotFound("找不到该任务。")
    return task


def get_public(task_id: int) -> ExecutionTask:
    """A published task whose ancestors are published too; anything else is 404."""
    task = db.session.get(ExecutionTask, task_id)
    if task is None or not task.is_public or not all(a.is_public for a in task.ancestors):
        raise NotFound("该任务不存在或未公开。")
    return task


def get_for_staff(actor, task_id: int) -> ExecutionTask:
    """A task the actor may see in the back office. Raises NotFound, PermissionDenied."""
    task = get_task(task_id)
    require_any(actor, STAFF_VIEW_ROLES, task.organization, action="execution.view",
                target=task)
    return task


def public_tasks() -> list[ExecutionTask]:
    """Published top-level tasks, newest first."""
    stmt = select(ExecutionTask).where(ExecutionTask.is_public,
                                       ExecutionTask.parent_id.is_(None)).options(
        # what the list shows of each task, loaded for all tasks at once
        selectinload(ExecutionTask.milestones), selectinload(ExecutionTask.decision),
        selectinload(ExecutionTask.children, recursion_depth=4))
    return list(db.session.scalars(stmt.order_by(ExecutionTask.published_at.desc(),
                                                 ExecutionTask.id.desc())))


def staff_tasks(actor, roles=STAFF_VIEW_ROLES) -> list[ExecutionTask]:
    """Tasks owned by organizations under the actor's grants, oldest first."""
    stmt = select(ExecutionTask).where(policy.visible(actor, ExecutionTask, roles))
    return list(db.session.scalars(stmt.order_by(ExecutionTask.id)))


@dataclass(frozen=True)
class TimelineItem:
    day: date
    kind: str  # "published", "update", "milestone_done", "milestone_due"
    text: str
    flag: str = ""  # "逾期" / "逾期完成"


def _milestone_items(task: ExecutionTask) -> list[TimelineItem]:
    items = []
    for milestone in task.milestones:
        if milestone.done_on is not None:
            items.append(TimelineItem(milestone.done_on, "milestone_done",
                                      f"完成节点：{milestone.title}（计划 {milestone.due_on}）",
                                      "逾期完成" if milestone.done_late else ""))
        else:
            items.append(TimelineItem(milestone.due_on, "milestone_due",
                                      f"计划完成节点：{milestone.title}",
                                      "逾期未完成" if milestone.is_overdue else ""))
    return items


def timeline(task: ExecutionTask) -> list[TimelineItem]:
    """What happened and what is planned, in date order: publication, progress updates,
    milestones done and milestones due (overdue ones flagged)."""
    items = _milestone_items(task)
    if task.published_at is not None:
        items.append(TimelineItem(to_local(task.published_at).date(), "published", "任务公开"))
    for update in task.updates:
        text = update.note + (f"（进度 {update.progress}%）" if update.progress is not None
                              else "")
        items.append(TimelineItem(update.reported_on, "update", text))
    order = {"published": 0, "update": 1, "milestone_done": 2, "milestone_due": 3}
    return sorted(items, key=lambda item: (item.day, order[item.kind]))
