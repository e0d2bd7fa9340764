"""Late-published disclosures on the inspector's page: the database picks them, exactly
as `Disclosure.is_late` would."""

from datetime import timedelta

from portal.auth.models import Role
from portal.disclosures import services
from portal.inspection import dashboard
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
    assert listed == {late.id, overdue_draft.id}
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
