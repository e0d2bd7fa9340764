"""The 执行公开 task's transition table (国办发〔2016〕8号 on 执行和结果公开): an editor
creates a task and keeps its progress up to date whether or not it is public; a reviewer
other than its author publishes it (a subtask only after its parent) and may take it off
the public pages again with a reason.
"""

from __future__ import annotations

from portal.execution.models import ExecutionTask, TaskState
from portal.lifecycle import Lifecycle, Step

T = TaskState


def _set_state(task: ExecutionTask, state: TaskState) -> None:
    task.is_public = state is T.PUBLIC


EXECUTION_TASK = Lifecycle(
    name="execution", title="执行公开任务", model=ExecutionTask, states=TaskState,
    initial=(T.UNPUBLISHED,), state="state", set_state=_set_state, stamp="updated_at",
    steps=(
        Step(T.UNPUBLISHED, "publish", T.PUBLIC, "公开"),
        Step(T.PUBLIC, "withdraw", T.UNPUBLISHED, "撤回"),
    ),
    notes=("状态由 `is_public` 读出。下级任务须在上级任务公开后才能公开；"
           "任务内容与进度由编辑随时维护（权限规则 `edit`），不改变状态。",),
)
