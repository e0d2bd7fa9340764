"""执行公开 pages for residents: the tasks and each task's progress and timeline."""

from flask import Blueprint, render_template

from portal.execution import queries

bp = Blueprint("execution", __name__, url_prefix="/execution")


@bp.get("/")
def listing():
    return render_template("execution/list.html", tasks=queries.public_tasks())


@bp.get("/<int:task_id>")
def detail(task_id: int):
    task = queries.get_public(task_id)
    return render_template("execution/detail.html", task=task,
                           timeline=queries.timeline(task))
