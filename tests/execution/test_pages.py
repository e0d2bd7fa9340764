"""The public pages: published tasks only, a timeline, overdue milestones flagged."""

from datetime import date

import pytest

from portal.errors import Conflict, PermissionDenied, ValidationError
from portal.execution import progress, services
from tests.inquiries.timetravel import beijing


def test_unpublished_tasks_are_not_public(client, make_task, staff):
    task = make_task("内部任务")
    assert client.get(f"/execution/{task.id}").status_code == 404
    assert "内部任务" not in client.get("/execution/").get_data(as_text=True)
    services.publish_task(staff["reviewer"], task.id)
    assert client.get(f"/execution/{task.id}").status_code == 200
    services.withdraw_task(staff["reviewer"], task.id, "内容有误")
    assert client.get(f"/execution/{task.id}").status_code == 404


def test_subtasks_go_public_after_their_parent(make_task, staff, client):
    parent = make_task("上级任务")
    child = make_task("下级任务", parent=parent)
    with pytest.raises(Conflict, match="请先公开上级任务"):
        services.publish_task(staff["reviewer"], child.id)
    services.publish_task(staff["reviewer"], parent.id)
    services.publish_task(staff["reviewer"], child.id)
    html = client.get(f"/execution/{parent.id}").get_data(as_text=True)
    assert "分解任务" in html and "下级任务" in html
    services.withdraw_task(staff["reviewer"], parent.id, "调整")
    assert client.get(f"/execution/{child.id}").status_code == 404


def test_author_cannot_publish_own_task(make_task, make_user, orgs):
    from portal.auth.models import Role

    both = make_user("both", (Role.EDITOR, orgs["town"]), (Role.REVIEWER, orgs["town"]))
    task = services.create_task(both, services.TaskInput(organization=orgs["town"],
                                                         title="自己创建的任务"))
    with pytest.raises(PermissionDenied, match="先审后发"):
        services.publish_task(both, task.id)


def test_overdue_milestones_are_flagged_in_beijing_time(client, make_task, staff, travel):
    task = make_task("道路硬化", publish=True)
    due_yesterday = progress.add_milestone(staff["editor"], task.id, "完成招标",
                                           date(2026, 3, 9))
    due_today = progress.add_milestone(staff["editor"], task.id, "开工", date(2026, 3, 10))
    travel.set(beijing(date(2026, 3, 9), 23, 59))
    assert not due_yesterday.is_overdue
    # 00:30 on the 10th in Beijing is still the 9th in UTC.
    travel.set(beijing(date(2026, 3, 10), 0, 30))
    assert due_yesterday.is_overdue and not due_today.is_overdue
    assert task.overdue_milestones == [due_yesterday]
    html = client.get(f"/execution/{task.id}").get_data(as_text=True)
    assert "逾期未完成" in html and "有 1 个节点已过计划完成日期仍未完成" in html
    listing = client.get("/execution/").get_data(as_text=True)
    assert "1 个节点逾期" in listing
    progress.complete_milestone(staff["editor"], task.id, due_yesterday.id)
    assert not due_yesterday.is_overdue and due_yesterday.done_late
    html = client.get(f"/execution/{task.id}").get_data(as_text=True)
    assert "逾期完成" in html and "逾期未完成" not in html


def test_timeline_lists_updates_and_milestones_in_date_order(client, make_task, staff, travel):
    task = make_task("污水管网", publish=True)
    progress.add_milestone(staff["editor"], task.id, "管网铺设完成", date(2026, 6, 30))
    progress.add_update(staff["editor"], task.id, progress.UpdateInput(
        note="完成入户摸排 <b>320</b> 户", progress="20", reported_on=date(2026, 3, 5)))
    travel.to(date(2026, 4, 2))
    progress.add_update(staff["editor"], task.id, progress.UpdateInput(note="开始铺设主管",
                                                                       progress="45"))
    html = client.get(f"/execution/{task.id}").get_data(as_text=True)
    timeline = html[html.index("进展时间线"):]
    order = [timeline.index(text) for text in (
        "2026-03-05", "完成入户摸排", "2026-03-10", "任务公开", "2026-04-02",
        "开始铺设主管", "2026-06-30", "计划完成节点：管网铺设完成")]
    assert order == sorted(order)
    assert "（进度 45%）" in timeline and "&lt;b&gt;320&lt;/b&gt;" in timeline
    assert 'value="45"' in html and "45%" in html


def test_future_dates_and_double_completion_are_refused(make_task, staff):
    task = make_task()
    with pytest.raises(ValidationError, match="进展日期不能晚于今天"):
        progress.add_update(staff["editor"], task.id, progress.UpdateInput(
            note="未来的进展", reported_on=date(2026, 3, 11)))
    milestone = progress.add_milestone(staff["editor"], task.id, "节点", date(2026, 4, 1))
    progress.complete_milestone(staff["editor"], task.id, milestone.id)
    with pytest.raises(Conflict, match="已经完成"):
        progress.complete_milestone(staff["editor"], task.id, milestone.id)


def test_decision_link_must_be_a_published_decision(make_task, staff, orgs, client):
    from portal.disclosures import services as disclosures
    from portal.disclosures.models import Category

    doc = disclosures.create_draft(staff["editor"], disclosures.DisclosureInput(
        organization=orgs["town"], category=Category.DECISION, title="关于道路硬化的决定",
        body_html="正文", formed_on=date(2026, 3, 2)))
    disclosures.submit(staff["editor"], doc.id)
    disclosures.approve(staff["reviewer"], doc.id)
    with pytest.raises(ValidationError, match="已发布决策公开文件"):
        make_task(decision_index=f"{orgs['town'].credit_code}/2026-00001")
    disclosures.publish(staff["editor"], doc.id)
    task = make_task(decision_index=doc.index_number, publish=True)
    html = client.get(f"/execution/{task.id}").get_data(as_text=True)
    assert "关于道路硬化的决定" in html and f"/disclosures/{doc.id}" in html


def test_staff_pages_create_a_subtask(client, login, make_task, staff, orgs):
    parent = make_task("上级任务")
    login(staff["editor"])
    form = client.get(f"/staff/execution/new?parent={parent.id}").get_data(as_text=True)
    assert f'<option selected value="{parent.id}">' in form
    response = client.post("/staff/execution/new", data={
        "organization": orgs["finance"].id, "parent": parent.id, "title": "资金拨付"})
    assert response.status_code == 303
    assert parent.children[0].title == "资金拨付"
    response = client.post("/staff/execution/new", data={
        "organization": orgs["town"].id, "parent": 0, "title": ""})
    assert response.status_code == 400 and "请填写任务名称。" in response.get_data(as_text=True)
    page = client.get("/staff/execution/").get_data(as_text=True)
    assert "上级任务" in page and "资金拨付" in page
