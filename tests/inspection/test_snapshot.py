"""The dashboard served from a worker's snapshot is always what a fresh computation gives:
after new work orders, sign-for and reply, a deadline passing with no change in the
database, a calendar override, and a change made through another app instance."""

from datetime import date

import pytest

from portal import create_app, timeutil
from portal.auth.models import Role
from portal.extensions import db
from portal.inquiries import opinion, workflow
from portal.inquiries.models import Severity
from portal.inspection import dashboard
from portal.workdays import services as workdays
from tests.inquiries.timetravel import beijing


@pytest.fixture
def paths(inspector):
    return dashboard.scope_paths(inspector)


@pytest.fixture
def computations(monkeypatch):
    """How many times the figures were computed afresh."""
    calls = []
    compute = dashboard.compute

    def counting(*args):
        calls.append(args)
        return compute(*args)

    monkeypatch.setattr(dashboard, "compute", counting)
    return calls


def served_equals_fresh(paths, year=2026):
    served = dashboard.timeliness(paths, year)
    assert served == dashboard.compute(paths, year, timeutil.utcnow())[0]
    return served


def test_unchanged_figures_are_served_without_recomputing(year_of_work, paths, computations,
                                                          travel):
    first = dashboard.timeliness(paths, 2026)
    travel.advance(minutes=30)
    assert dashboard.timeliness(paths, 2026) == first  # the counts the clock moves are re-read
    assert len(computations) == 1
    assert dashboard.timeliness(paths, 2025) != first  # another year, another key
    assert len(computations) == 2


def test_new_inquiry_sign_and_reply_show_at_once(year_of_work, paths, submit, handlers,
                                                 travel):
    before = served_equals_fresh(paths)
    e = submit(title="E").inquiry
    after_submit = served_equals_fresh(paths)
    assert after_submit.total.total == before.total.total + 1
    travel.advance(hours=3)
    workflow.sign(handlers["handler"], e.id)
    after_sign = served_equals_fresh(paths)
    assert after_sign.total.signed == after_submit.total.signed + 1
    assert after_sign.total.median_sign_hours != after_submit.total.median_sign_hours
    travel.advance(hours=1)
    workflow.reply(handlers["handler"], e.id, "答复 E")
    after_reply = served_equals_fresh(paths)
    assert after_reply.total.replied == after_sign.total.replied + 1


def test_passing_a_deadline_within_the_day_changes_the_overdue_count(
        year_of_work, paths, submit, travel, computations):
    travel.set(beijing(date(2026, 4, 10), 10))  # a Friday: sign for by Monday 23:59:59
    submit(title="E")
    travel.set(beijing(date(2026, 4, 13), 23, 59))
    before = served_equals_fresh(paths)
    assert before.total.overdue == 1  # D only
    travel.advance(seconds=59, microseconds=500_000)  # past 23:59:59, the same day
    after = served_equals_fresh(paths)
    assert after.total.overdue == 2


def test_an_opinion_item_turns_due_soon_two_hours_before_its_deadline(
        year_of_work, paths, handlers, orgs, travel):
    travel.set(beijing(date(2026, 4, 14), 1))
    opinion.log_opinion(handlers["handler"], orgs["town"], title="网传停水", summary="网帖称停水",
                        source="微博", source_url="", severity=Severity.MAJOR)
    travel.set(beijing(date(2026, 4, 14), 2, 59))  # authoritative information due 06:00
    before = served_equals_fresh(paths)
    travel.set(beijing(date(2026, 4, 14), 4, 1))
    after = served_equals_fresh(paths)
    assert after.total.due_soon == before.total.due_soon + 1


def test_a_calendar_override_changes_the_reply_days(year_of_work, paths, handlers):
    before = served_equals_fresh(paths)
    # A was received Mon 03-02 and answered Wed 03-04: 2 working days, 1 without Tue.
    workdays.set_override(handlers["admin"], date(2026, 3, 3), False, "演练：停工一天")
    after = served_equals_fresh(paths)
    assert sorted(row.median_reply_days for row in after.tables["month"]) != sorted(
        row.median_reply_days for row in before.tables["month"])


def test_a_renamed_handler_shows_under_the_new_name(year_of_work, paths, handlers):
    served_equals_fresh(paths)
    handlers["finance_handler"].display_name = "财政所李会计"
    db.session.commit()
    labels = [row.label for row in served_equals_fresh(paths).tables["handler"]]
    assert "财政所李会计" in labels


def test_a_change_through_another_instance_is_seen(year_of_work, paths, app_config, submit,
                                                   travel):
    other = create_app(app_config)
    db.session.commit()  # each instance's transaction ends, as a request's would
    with other.app_context():
        before = dashboard.timeliness(paths, 2026)
        db.session.remove()
    submit(title="E")  # through the first instance
    db.session.commit()
    with other.app_context():
        after = dashboard.timeliness(paths, 2026)
        assert after == dashboard.compute(paths, 2026, timeutil.utcnow())[0]
        db.session.remove()
        db.engine.dispose()
    assert after.total.total == before.total.total + 1


def test_late_list_follows_publications_and_the_day(published, staff, draft_input, make_user,
                                                    orgs, travel):
    from datetime import timedelta

    from portal.disclosures import services
    from portal.inspection import lists
    from portal.timeutil import local_today

    inspector = make_user("jijian-late", (Role.INSPECTOR, orgs["town"]))
    paths = dashboard.scope_paths(inspector)
    draft = services.create_draft(staff["editor"], draft_input(
        title="将要逾期", formed_on=local_today() - timedelta(days=40)))
    year = draft.publish_due.year

    def fresh_ids():
        return [d.id for d in dashboard.late_disclosures(paths, year)]

    assert [d.id for d in lists.late_disclosures(paths, year)] == fresh_ids() == [draft.id]
    days_before = lists.late_disclosures(paths, year)[0].days_late
    travel.advance(days=1)  # a new Beijing day: one more day late, no database change
    assert lists.late_disclosures(paths, year)[0].days_late == days_before + 1
    late = published(title="迟发的文件", formed_on=local_today() - timedelta(days=60))
    assert sorted(d.id for d in lists.late_disclosures(paths, year)) == sorted(fresh_ids())
    assert late.id in [d.id for d in lists.late_disclosures(paths, late.publish_due.year)]


def test_a_rename_of_a_reloaded_handler_shows(year_of_work, paths, handlers):
    served_equals_fresh(paths)
    handler = handlers["finance_handler"]
    db.session.expire(handler)  # as after a commit: the old name is not loaded
    handler.display_name = "财政所王出纳"
    db.session.commit()
    labels = [row.label for row in served_equals_fresh(paths).tables["handler"]]
    assert "财政所王出纳" in labels


def test_figures_seen_inside_an_uncommitted_change_are_not_kept(year_of_work, paths, submit,
                                                                handlers):
    e = submit(title="E").inquiry
    e.organization_id = year_of_work["C"].organization_id  # moved, then rolled back
    db.session.flush()
    moved = dashboard.timeliness(paths, 2026)
    db.session.rollback()
    # The next commit gets the version number the rolled-back change had taken.
    workflow.add_note(handlers["handler"], e.id, "已联系群众")
    after = served_equals_fresh(paths)
    assert after.tables["organization"] != moved.tables["organization"]


def test_late_list_outlives_work_order_changes_and_follows_new_drafts(
        staff, draft_input, make_user, orgs, submit, monkeypatch):
    """A busy county changes work orders all the time: the late list is not recomputed for
    them, yet a draft already past its deadline shows on the next visit."""
    from datetime import timedelta

    from portal.disclosures import services
    from portal.inspection import lists
    from portal.timeutil import local_today

    inspector = make_user("jijian-lists", (Role.INSPECTOR, orgs["town"]))
    paths = dashboard.scope_paths(inspector)
    formed = local_today() - timedelta(days=40)
    first = services.create_draft(staff["editor"], draft_input(title="早已逾期",
                                                               formed_on=formed))
    year = first.publish_due.year
    computed = []
    fresh = dashboard.late_disclosures

    def counting(*args):
        computed.append(args)
        return fresh(*args)

    monkeypatch.setattr(dashboard, "late_disclosures", counting)
    assert [row.id for row in lists.late_disclosures(paths, year)] == [first.id]
    db.session.commit()
    submit(title="E")
    submit(title="F")
    assert [row.id for row in lists.late_disclosures(paths, year)] == [first.id]
    assert len(computed) == 1

    second = services.create_draft(staff["editor"], draft_input(title="也已逾期",
                                                                formed_on=formed))
    db.session.commit()
    assert sorted(row.id for row in lists.late_disclosures(paths, year)) == sorted(
        [first.id, second.id])
