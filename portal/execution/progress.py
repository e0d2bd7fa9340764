"""Following a task through: milestones (planned and done) and dated progress updates.
Editors of the owner organization record them; each is audited and committed once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal import audit, validation
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.errors import Conflict, NotFound, ValidationError
from portal.execution.models import ExecutionTask, Milestone, ProgressUpdate
from portal.execution.queries import get_task
from portal.extensions import db
from portal.timeutil import local_today, utcnow

PROGRESS_MESSAGE = "进度请填写 0 到 100 之间的整数（如 60）。"
PARENT_MESSAGE = "该任务有子任务，进度由子任务自动计算（各子任务权重相同），不能直接填写。"


@dataclass
class UpdateInput:
    note: str
    reported_on: date | None = None  # defaults to today (Beijing time)
    progress: str | int | None = None  # blank: the percentage stays as it is


def parse_progress(value: str | int | None) -> int | None:
    """A percentage typed into a form: blank → None, "60" or "60%" → 60.
    Raises ValidationError for anything else, including values outside 0–100."""
    text = str(value if value is not None else "").strip().rstrip("%％").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 3 or int(text) > 100:
        raise ValidationError(PROGRESS_MESSAGE, field="progress")
    return int(text)


def _editable(actor, task_id: int, action: str) -> ExecutionTask:
    task = get_task(task_id)
    require(actor, Role.EDITOR, task.organization, action=action, target=task)
    return task


def _past_or_today(day: date | None, *, field: str, label: str) -> date:
    today = local_today()
    if day is None:
        return today
    if day > today:
        raise ValidationError(f"{label}不能晚于今天。", field=field)
    return day


def add_update(actor, task_id: int, data: UpdateInput) -> ProgressUpdate:
    """Record a dated progress note; with a percentage, set a leaf task's progress.
    Requires `editor` on the owner. Raises PermissionDenied or ValidationError (a task
    with subtasks takes no percentage of its own)."""
    task = _editable(actor, task_id, "execution.update_progress")
    note = validation.text(data.note, field="note", label="进展情况", max_length=2000,
                           multiline=True)
    progress = parse_progress(data.progress)
    if progress is not None and task.has_children:
        raise ValidationError(PARENT_MESSAGE, field="progress")
    reported_on = _past_or_today(data.reported_on, field="reported_on", label="进展日期")
    before = task.progress
    if progress is not None:
        task.own_progress = progress
    update = ProgressUpdate(task=task, reported_on=reported_on, note=note, progress=progress,
                            author_id=actor.id)
    task.updated_at = utcnow()
    db.session.add(update)
    db.session.flush()
    audit.record(actor, "execution.update_progress", task, before={"progress": before},
                 after={"progress": task.progress, "update_id": update.id,
                        "reported_on": reported_on})
    db.session.commit()
    return update


def add_milestone(actor, task_id: int, title: str, due_on: date | None) -> Milestone:
    """Plan a milestone. Requires `editor` on the owner. Raises PermissionDenied or
    ValidationError."""
    task = _editable(actor, task_id, "execution.milestone")
    title = validation.text(title, field="title", label="节点名称", max_length=200)
    if due_on is None:
        raise ValidationError("请填写计划完成日期。", field="due_on")
    milestone = Milestone(task=task, title=title, due_on=due_on)
    db.session.add(milestone)
    db.session.flush()
    audit.record(actor, "execution.milestone", task,
                 after={"milestone_id": milestone.id, "title": title, "due_on": due_on})
    db.session.commit()
    return milestone


def complete_milestone(actor, task_id: int, milestone_id: int,
                       done_on: date | None = None) -> Milestone:
    """Mark a milestone done (today unless a past date is given). Requires `editor`.
    Raises PermissionDenied, NotFound, Conflict or ValidationError."""
    task = _editable(actor, task_id, "execution.milestone_done")
    milestone = next((m for m in task.milestones if m.id == milestone_id), None)
    if milestone is None:
        raise NotFound("找不到该节点。")
    if milestone.done_on is not None:
        raise Conflict("该节点已经完成。")
    milestone.done_on = _past_or_today(done_on, field="done_on", label="完成日期")
    task.updated_at = utcnow()
    audit.record(actor, "execution.milestone_done", task,
                 after={"milestone_id": milestone.id, "done_on": milestone.done_on,
                        "late": milestone.done_late})
    db.session.commit()
    return milestone
