"""信息处理费 in the annual report (国办函〔2020〕109号): notices issued, amounts asked and
paid, and applications closed as 逾期未缴费, counted by Beijing year; frozen at 定稿."""

from datetime import date
from decimal import Decimal

from portal.annual_report import freezing, services
from portal.annual_report.models import AnnualReport
from portal.extensions import db
from portal.inquiries import fees, workflow
from tests.inquiries.timetravel import beijing

URL = "/inspect/annual-report/2026"


def _with_fees(applications, staff, travel):
    """Three applications of 双塔镇 in 2026: P's notice (per volume, 120 pages: 1100 元) is
    paid; Q's (31 pages: 10 元) lapses; R's notice of 2026-12-28 is paid on 2027-01-05."""
    handler = staff["handler"]
    for name, received in (("P", date(2026, 3, 10)), ("Q", date(2026, 5, 12)),
                           ("R", date(2026, 12, 21))):
        inquiry = applications.receive(name, beijing(received, 9))
        workflow.sign(handler, inquiry.id)
    travel.set(beijing(date(2026, 3, 12), 10))
    fees.issue_notice(handler, applications.made["P"].id, "per_volume", 120)
    travel.set(beijing(date(2026, 3, 19), 10))
    fees.record_payment(handler, applications.made["P"].id, "缴款书 No.1")
    travel.set(beijing(date(2026, 5, 13), 10))
    fees.issue_notice(handler, applications.made["Q"].id, "per_volume", 31)
    travel.set(beijing(date(2026, 6, 20), 10))
    fees.close_unpaid(handler, applications.made["Q"].id)
    travel.set(beijing(date(2026, 12, 28), 10))
    fees.issue_notice(handler, applications.made["R"].id, "per_volume", 31)
    travel.set(beijing(date(2027, 1, 5), 10))
    fees.record_payment(handler, applications.made["R"].id, "缴款书 No.2")
    travel.to(date(2027, 1, 15))


def test_the_years_fees_are_counted_from_the_notices(applications, staff, travel):
    _with_fees(applications, staff, travel)
    report = services.get_report(staff["inspector"], 2026)
    assert report.fees.notices == 3 and report.fees.notices_amount == Decimal("1120.00")
    assert report.fees.paid == 1 and report.fees.paid_amount == Decimal("1100.00")
    assert report.fees.lapsed == 1
    assert report.fees.text == (
        "本年度依据《政府信息公开信息处理费管理办法》发出收费通知 3 件，金额合计 1120.00 元；"
        "实际收取 1 件，合计 1100.00 元；逾期未缴费终止办理 1 件。")
    following = services.get_report(staff["inspector"], 2027)
    assert (following.fees.notices, following.fees.paid) == (0, 1)  # R's payment of 01-05
    assert following.fees.paid_amount == Decimal("10.00")


def test_the_page_and_the_csv_show_them_and_the_freeze_keeps_them(applications, staff, travel,
                                                                   client, login):
    _with_fees(applications, staff, travel)
    login(staff["inspector"])
    assert "信息处理费：本年度依据" in client.get(URL).get_data(as_text=True)
    freezing.finalize(staff["reviewer"], 2026)
    record = db.session.query(AnnualReport).one()
    assert record.frozen["fees"] == {"notices": 3, "notices_amount": "1120.00", "paid": 1,
                                     "paid_amount": "1100.00", "lapsed": 1}
    csv_text = client.post(f"{URL}/export", data={"format": "csv"}).data.decode("utf-8-sig")
    assert "六,信息处理费·实际收取金额（元）,,1100.00" in csv_text


def test_a_year_without_fees_says_so(applications, staff, travel):
    report = services.get_report(staff["inspector"], 2026)
    assert report.fees.text == "本年度未收取信息处理费（未发出收费通知）。"

