"""Execution tasks: editors of the owner organization create and edit them, a reviewer
other than the author publishes them (先审后发) or takes them down. Each operation checks
permission, does the work, records the audit event and commits once; publishing follows
the table in `portal.execution.lifecycle`."""

from __future__ import annotations

from dataclasses import dataclass

from portal import audit, validation
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.consultations.decisions import published_decision
from portal.errors import Conflict, PermissionDenied, ValidationError
from portal.execution.lifecycle import EXECUTION_TASK
from portal.execution.models import ExecutionTask
from portal.execution.queries import get_task
from portal.extensions import db
from portal.lifecycle import transition
from portal.organizations.models import Organization
from portal.timeutil import utcnow


@dataclass
class TaskInput:
    organization: Organization | None
    title: str
    description: str = ""
    decision_index: str = ""  # 索引号 of the published decision carried out
    parent_id: int | None = None  # only when creating


def snapshot(task: ExecutionTask) -> dict:
    return {"title": task.title, "organization_id": task.organization_id,
            "parent_id": task.parent_id, "decision_id": task.decision_id,
            "is_public": task.is_public, "progress": task.progress}


def _apply(task: ExecutionTask, data: TaskInput) -> None:
    if data.organization is None:
        raise ValidationError("请选择责任单位。", field="organization")
    task.title = validation.text(data.title, field="title", label="任务名称", max_length=200)
    task.description = validation.text(data.description, field="description",
                                       label="任务内容", max_length=5000, required=False,
                                       multiline=True)
    task.decision = published_decision(data.decision_index, data.organization)
    task.organization = data.organization
    task.updated_at = utcnow()


def create_task(actor, data: TaskInput) -> ExecutionTask:
    """Add a task, optionally under a parent task. Requires `editor` on the owner
    organization and on the parent's. Raises PermissionDenied or ValidationError."""
    require(actor, Role.EDITOR, data.organization, action="execution.create")
    task = ExecutionTask(author_id=actor.id, own_progress=0, is_public=False)
    if data.parent_id:
        parent = db.session.get(ExecutionTask, data.parent_id)
        if parent is None:
            raise ValidationError("请从列表中选择上级任务。", field="parent")
        require(actor, Role.EDITOR, parent.organization, action="execution.create",
                target=parent)
        task.parent = parent
    _apply(task, data)
    db.session.add(task)
    db.session.flush()
    audit.record(actor, "execution.create", task, after=snapshot(task))
    db.session.commit()
    return task


def update_task(actor, task_id: int, data: TaskInput) -> ExecutionTask:
    """Change a task's name, content, owner or decision. Requires `editor` on the current
    and the new owner. Raises PermissionDenied or ValidationError."""
    task = get_task(task_id)
    require(actor, Role.EDITOR, task.organization, action="execution.update", target=task)
    require(actor, Role.EDITOR, data.organization, action="execution.update", target=task)
    before = snapshot(task)
    _apply(task, data)
    audit.record(actor, "execution.update", task, before=before, after=snapshot(task))
    db.session.commit()
    return task


def publish_task(actor, task_id: int) -> ExecutionTask:
    """Make a task public. Requires `reviewer` on its owner, not its author; a subtask
    goes public after its parent. Raises PermissionDenied or Conflict."""
    task = get_task(task_id)
    require(actor, Role.REVIEWER, task.organization, action="execution.publish", target=task)
    if task.author_id == actor.id:
        raise PermissionDenied("不能发布自己创建的任务（先审后发，须由他人审核）。",
                               action="execution.publish", target=task, actor=actor)
    EXECUTION_TASK.expect(task, "publish")
    if task.parent is not None and not task.parent.is_public:
        raise Conflict("请先公开上级任务。")
    task.published_at = task.published_at or utcnow()
    transition(actor, task, "publish")
    db.session.commit()
    return task


def withdraw_task(actor, task_id: int, reason: str) -> ExecutionTask:
    """Take a task (and with it its subtasks) off the public pages, with a reason kept in
    the audit log. Requires `reviewer`. Raises PermissionDenied, Conflict or
    ValidationError."""
    task = get_task(task_id)
    require(actor, Role.REVIEWER, task.organization, action="execution.withdraw", target=task)
    reason = validation.text(reason, field="reason", label="撤回原因", max_length=500,
                             multiline=True)
    EXECUTION_TASK.expect(task, "withdraw")
    transition(actor, task, "withdraw", message=reason)
    db.session.commit()
    return task
