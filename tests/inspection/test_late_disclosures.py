"""Late-published disclosures on the inspector's page: the database picks them, exactly
as `Disclosure.is_late` would; a late publication stays listed after it is withdrawn or
superseded, and what is disclosed on request is not judged by the 20-working-day rule."""

import csv
import io
from datetime import timedelta

from portal.auth.models import Role
from portal.disclosures import services
from portal.disclosures.models import Mode
from portal.inspection import dashboard, lists
from portal.timeutil import local_today


def test_late_published_and_overdue_unpublished_are_listed(published, staff, draft_input,
                                                           make_user, orgs):
    inspector = make_user("jijian-late", (Role.INSPECTOR, orgs["town"]))
    long_ago = local_today() - timedelta(days=60)
    late = published(title="迟发的文件", formed_on=long_ago)
    on_time = published(title="按时的文件", formed_on=local_today() - timedelta(days=1))
    overdue_draft = services.create_draft(staff["editor"],
                                          draft_input(title="逾期未发", formed_on=long_ago))
    withdrawn = published(title="撤回的迟发文件", formed_on=long_ago)
    services.withdraw(staff["reviewer"], withdrawn.id, "撤回")
    paths = dashboard.scope_paths(inspector)

    listed = {d.id for year in {late.publish_due.year, on_time.publish_due.year}
              for d in dashboard.late_disclosures(paths, year)}
    assert listed == {late.id, overdue_draft.id, withdrawn.id}
    assert all(d.is_late for d in dashboard.late_disclosures(paths, late.publish_due.year))


def test_lateness_is_judged_by_the_beijing_date(staff, draft_input, make_user, orgs):
    """Published 00:30 Beijing the day after the deadline is late, though it is still the
    deadline's date in UTC; 23:30 Beijing on the deadline is on time."""
    from tests.inquiries.timetravel import beijing

    admin_editor = make_user("admin-editor", (Role.ADMIN, orgs["town"]),
                             (Role.EDITOR, orgs["town"]))
    inspector = make_user("jijian-date", (Role.INSPECTOR, orgs["town"]))
    formed = local_today() - timedelta(days=90)
    docs = {}
    for name, after_due in (("late", (1, 0, 30)), ("on_time", (0, 23, 30))):
        draft = services.create_draft(staff["editor"], draft_input(title=name, formed_on=formed))
        services.submit(staff["editor"], draft.id)
        services.approve(staff["reviewer"], draft.id)
        days, hour, minute = after_due
        when = beijing(draft.publish_due + timedelta(days=days), hour, minute)
        docs[name] = services.publish(admin_editor, draft.id, published_at=when)
    listed = {d.id for d in dashboard.late_disclosures(dashboard.scope_paths(inspector),
                                                       docs["late"].publish_due.year)}
    assert docs["late"].id in listed and docs["on_time"].id not in listed


def _late_rows(inspector, year):
    return {row.title: row for row in lists.late_disclosures(dashboard.scope_paths(inspector),
                                                              year)}


def test_withdrawing_or_superseding_a_late_publication_does_not_hide_it(
        published, staff, make_user, orgs, client, login):
    inspector = make_user("jijian-keep", (Role.INSPECTOR, orgs["town"]))
    long_ago = local_today() - timedelta(days=60)
    withdrawn = published(title="迟发后撤回", formed_on=long_ago)
    replaced = published(title="迟发后被替代", formed_on=long_ago)
    year = withdrawn.publish_due.year
    before = _late_rows(inspector, year)
    assert before["迟发后撤回"].status_label == "已发布"

    services.withdraw(staff["reviewer"], withdrawn.id, "内容有误，撤回")
    published(title="替代的新文件", supersedes_index=replaced.index_number)

    rows = _late_rows(inspector, year)
    assert rows["迟发后撤回"].status_label == "已撤回"
    assert rows["迟发后撤回"].days_late == before["迟发后撤回"].days_late > 0
    assert rows["迟发后被替代"].status_label == "已被替代"
    assert "替代的新文件" not in rows  # published on time

    login(inspector)
    page = client.get(f"/inspect/?year={year}").get_data(as_text=True)
    assert "迟发后撤回" in page and "已撤回" in page and "已被替代" in page
    exported = client.get(f"/inspect/export/late-disclosures.csv?year={year}")
    table = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    header = next(row for row in table if "标题" in row)
    assert "当前状态" in header
    by_title = {row[header.index("标题")]: row for row in table[table.index(header) + 1:]}
    assert by_title["迟发后撤回"][header.index("当前状态")] == "已撤回"
    assert by_title["迟发后被替代"][header.index("当前状态")] == "已被替代"


def test_information_disclosed_on_request_is_not_judged_by_article_26(
        published, staff, draft_input, make_user, orgs, client, login):
    """条例第二十六条 sets the period for 主动公开 only: a document whose 公开方式 is 依申请公开
    is neither late nor listed, published or not, and staff pages show no 超期 badge."""
    inspector = make_user("jijian-request", (Role.INSPECTOR, orgs["town"]))
    long_ago = local_today() - timedelta(days=60)
    on_request = published(title="依申请公开的文件", formed_on=long_ago, mode=Mode.ON_REQUEST)
    draft = services.create_draft(staff["editor"], draft_input(
        title="依申请公开的草稿", formed_on=long_ago, mode=Mode.ON_REQUEST))
    proactive = published(title="主动公开的迟发文件", formed_on=long_ago)

    assert not on_request.is_late and on_request.days_late == 0
    assert not draft.is_late
    rows = _late_rows(inspector, proactive.publish_due.year)
    assert "主动公开的迟发文件" in rows
    assert "依申请公开的文件" not in rows and "依申请公开的草稿" not in rows

    login(staff["reviewer"])
    for doc in (on_request, draft):
        page = client.get(f"/staff/disclosures/{doc.id}").get_data(as_text=True)
        assert "badge-late" not in page and "超期" not in page
        assert "不适用第二十六条" in page
    listing = client.get("/staff/disclosures/").get_data(as_text=True)
    assert listing.count("badge-late") == 1  # the proactive one only


def test_a_long_list_shows_the_latest_first_and_the_export_holds_all(
        published, make_user, orgs, client, login, monkeypatch, travel):
    from datetime import date

    from portal.inspection import fragments
    from tests.inquiries.timetravel import beijing

    monkeypatch.setattr(fragments, "LATE_SHOWN", 2)
    travel.set(beijing(date(2026, 7, 1), 10))
    inspector = make_user("jijian-long", (Role.INSPECTOR, orgs["town"]))
    today = local_today()
    for title, days in (("迟了九十天", 90), ("迟了六十天", 60), ("迟了四十五天", 45)):
        published(title=title, formed_on=today - timedelta(days=days))
    login(inspector)
    page = client.get("/inspect/?year=2026").get_data(as_text=True)
    assert "迟了九十天" in page and "迟了六十天" in page and "迟了四十五天" not in page
    assert "共 3 条，此处列出超期最久的 2 条" in page
    exported = client.get("/inspect/export/late-disclosures.csv?year=2026")
    assert "迟了四十五天" in exported.data.decode("utf-8-sig")
