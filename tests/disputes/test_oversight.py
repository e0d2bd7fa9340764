"""Who hears of a missing daily check and of disputes waiting: the 网格员's and the
综治中心's work queues, and the 综治中心's reminder."""

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.notifications import reminders
from portal.notifications.models import Channel, Notification
from portal.staff.worklist import work_queue
from tests.disputes.conftest import check
from tests.inquiries.timetravel import beijing


def _section(app, user, role):
    with app.test_request_context():
        return next(s for s in work_queue(user) if s.role.value == role)


def test_a_grid_worker_is_asked_for_todays_check_and_their_open_disputes(app, staff, orgs,
                                                                         record):
    check(staff, orgs["village_a"], date(2026, 3, 8))
    dispute = record()

    items = _section(app, staff["grid_a"], "grid_worker").items
    kinds = [(i.kind, i.title) for i in items]

    assert ("今日排查未报送", "双塔村 2026-03-10") in kinds
    assert ("日摸排漏报", "双塔村 2026-03-09") in kinds
    assert any(i.kind == "矛盾纠纷排查" and f"#{dispute.id}" in i.title for i in items)
    assert not any("王堂村" in title for _kind, title in kinds)  # not their village

    check(staff, orgs["village_a"], date(2026, 3, 10), result="found")
    kinds = [i.kind for i in _section(app, staff["grid_a"], "grid_worker").items]
    assert "今日排查未报送" not in kinds


def test_the_governance_center_sees_every_villages_gaps_and_open_disputes(app, staff, orgs,
                                                                         record):
    check(staff, orgs["village_b"], date(2026, 3, 7), who="grid_b")
    record(close="resolve")
    waiting = record(type="land")

    items = _section(app, staff["center"], "governance_center").items

    gaps = [i.title for i in items if i.kind == "日摸排漏报"]
    assert gaps == ["王堂村 2026-03-08", "王堂村 2026-03-09"]
    assert [i.title for i in items if i.kind.startswith("矛盾纠纷")] == [
        f"双塔村 土地纠纷 #{waiting.id}（责任人 王调解）"]


def test_the_governance_center_is_told_once_of_yesterdays_missing_check(staff, orgs, travel):
    check(staff, orgs["village_a"], date(2026, 3, 8))
    check(staff, orgs["village_a"], date(2026, 3, 9))
    travel.set(beijing(date(2026, 3, 10), 9))
    reminders.sweep()
    assert _told() == []

    travel.set(beijing(date(2026, 3, 11), 9))  # nothing filed for the 10th
    reminders.sweep()
    reminders.sweep()
    assert _told() == [("center", "双塔镇双塔村")]  # never the other town's


def _told() -> list[tuple[str, str]]:
    return [(n.user.username, n.data["organization"]) for n in db.session.scalars(
        select(Notification).where(Notification.kind == "dispute_check_missing",
                                   Notification.channel == Channel.INAPP))]
