"""Revision 0027 fills the counts per deadline from the work orders already there, in SQL,
exactly as the portal recounts them."""

from datetime import date

from flask_migrate import downgrade, upgrade

from portal.extensions import db
from portal.inquiries import opinion, workflow
from portal.inquiries.models import InquiryType, Severity
from portal.inspection import dashboard, open_counts
from tests.inquiries.timetravel import beijing


def test_the_upgrade_counts_the_open_work_orders_as_a_recount_does(
        travel, handlers, orgs, submit):
    travel.set(beijing(date(2026, 3, 2), 9))
    waiting = submit(title="未签收", type=InquiryType.CONSULT, village=None).inquiry
    signed = submit(title="已签收", type=InquiryType.COMPLAINT, village=None).inquiry
    workflow.sign(handlers["handler"], signed.id)
    answered = submit(title="已答复", type=InquiryType.HELP, village=None).inquiry
    workflow.sign(handlers["handler"], answered.id)
    workflow.reply(handlers["handler"], answered.id, "已处理。")
    opinion.log_opinion(handlers["handler"], orgs["town"], title="网传停水", summary="网帖",
                        source="微博", source_url="", severity=Severity.MAJOR)
    now = travel.set(beijing(date(2026, 4, 7), 10))
    places, counts = open_counts.stored()
    assert set(places) >= {waiting.id, signed.id} and answered.id not in places
    paths = [orgs["county"].path]
    db.session.remove()

    downgrade(revision="0026")
    upgrade(revision="heads")

    assert open_counts.stored() == (places, counts)
    assert open_counts.differences() == []
    board, _ = dashboard.compute(paths, 2026, now)
    assert (board.total.overdue, board.total.due_soon) == (3, 0)
