"""Back office for execution tracking: editors plan and report, reviewers publish."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from portal import validation
from portal.auth.models import Role
from portal.disclosures.queries import editable_organizations
from portal.errors import Conflict, NotFound, ValidationError
from portal.execution import progress, queries, services
from portal.execution.forms import DoneForm, MilestoneForm, ReasonForm, TaskForm, UpdateForm
from portal.forms import ChineseForm, attach_error, run_action, run_form
from portal.organizations.services import get_organization

bp = Blueprint("staff_execution", __name__, url_prefix="/staff/execution")


@bp.get("/")
@login_required
def listing():
    tasks = queries.staff_tasks(current_user)
    visible = {t.id for t in tasks}
    roots = [t for t in tasks if t.parent_id is None or t.parent_id not in visible]
    return render_template("execution/staff_list.html", roots=roots)


def _form(task=None) -> TaskForm:
    form = TaskForm(obj=task)
    if request.method == "GET":
        if task is not None:
            form.organization.data = task.organization_id
            form.decision_index.data = task.decision.index_number if task.decision else ""
        elif validation.is_number(request.args.get("parent")):
            form.parent.data = int(request.args["parent"])
    form.organization.choices = [SelectChoice(o.id, o.full_name)
                                 for o in editable_organizations(current_user)]
    form.parent.choices = [SelectChoice(0, "（无，作为顶层任务）")] + [
        SelectChoice(t.id, t.title) for t in queries.staff_tasks(current_user, (Role.EDITOR,))]
    return form


def _input(form: TaskForm) -> services.TaskInput:
    try:
        organization = get_organization(form.organization.data or 0)
    except NotFound:
        organization = None
    return services.TaskInput(organization=organization, title=form.title.data or "",
                              description=form.description.data or "",
                              decision_index=form.decision_index.data or "",
                              parent_id=form.parent.data or None)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = _form()
    return run_form(form, lambda: services.create_task(current_user, _input(form)),
                    done="任务已创建，审核人员发布后公开。",
                    next_url=lambda task: url_for(".show", task_id=task.id),
                    page=lambda: render_template("execution/edit.html", form=form, task=None))


@bp.route("/<int:task_id>/edit", methods=["GET", "POST"])
@login_required
def edit(task_id: int):
    task = queries.get_for_staff(current_user, task_id)
    form = _form(task)
    return run_form(form, lambda: services.update_task(current_user, task_id, _input(form)),
                    done="修改已保存。", next_url=lambda _: url_for(".show", task_id=task_id),
                    page=lambda: render_template("execution/edit.html", form=form, task=task))


def _render_show(task_id: int, status: int = 200, **forms):
    task = queries.get_for_staff(current_user, task_id)
    forms.setdefault("update_form", UpdateForm(formdata=None))
    forms.setdefault("milestone_form", MilestoneForm(formdata=None))
    return render_template("execution/staff_show.html", task=task,
                           timeline=queries.timeline(task), action_form=ChineseForm(),
                           done_form=DoneForm(formdata=None),
                           reason_form=ReasonForm(formdata=None), **forms), status


@bp.get("/<int:task_id>")
@login_required
def show(task_id: int):
    return _render_show(task_id)


@bp.post("/<int:task_id>/updates")
@login_required
def add_update(task_id: int):
    form = UpdateForm()
    if form.validate_on_submit():
        data = progress.UpdateInput(note=form.note.data or "", reported_on=form.reported_on.data,
                                    progress=form.progress.data or "")
        try:
            progress.add_update(current_user, task_id, data)
        except ValidationError as error:
            attach_error(form, error)
        else:
            flash("进展已记录。", "success")
            return redirect(url_for(".show", task_id=task_id, _anchor="timeline"), code=303)
    return _render_show(task_id, 400, update_form=form)


@bp.post("/<int:task_id>/milestones")
@login_required
def add_milestone(task_id: int):
    form = MilestoneForm()
    if form.validate_on_submit():
        try:
            progress.add_milestone(current_user, task_id, form.title.data or "",
                                   form.due_on.data)
        except ValidationError as error:
            attach_error(form, error)
        else:
            flash("节点已添加。", "success")
            return redirect(url_for(".show", task_id=task_id), code=303)
    return _render_show(task_id, 400, milestone_form=form)


def _act(task_id: int, operation, message: str, *args):
    """Run a one-form operation; a refusal comes back as a message on the page."""
    return run_action(operation, task_id, *args, done=message,
                      page_url=url_for(".show", task_id=task_id),
                      show=lambda error: _render_show(task_id, error.status),
                      refused=(ValidationError, Conflict))


@bp.post("/<int:task_id>/milestones/<int:milestone_id>/done")
@login_required
def complete_milestone(task_id: int, milestone_id: int):
    form = DoneForm()
    if not form.validate():
        flash("完成日期格式不正确。", "error")
        return _render_show(task_id, 400)
    return _act(task_id, progress.complete_milestone, "节点已标记完成。", milestone_id,
                form.done_on.data)


@bp.post("/<int:task_id>/publish")
@login_required
def publish(task_id: int):
    return _act(task_id, services.publish_task, "任务已公开。")


@bp.post("/<int:task_id>/withdraw")
@login_required
def withdraw(task_id: int):
    return _act(task_id, services.withdraw_task, "任务已撤回。", request.form.get("reason", ""))
