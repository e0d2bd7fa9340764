"""信息处理费 in the annual report (国办函〔2020〕109号 第六条: the year's fees are reported in
the annual report): notices issued in the year, what they asked for, what was paid in the
year, and the applications closed as 逾期未缴费. Counted from the fee notices of the
organization's subtree, by Beijing calendar year; frozen with the report at 定稿."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from portal.extensions import db
from portal.inquiries.models import FeeNotice, Inquiry
from portal.organizations.models import Organization


@dataclass(frozen=True)
class FeeFigures:
    notices: int = 0
    notices_amount: Decimal = Decimal("0.00")
    paid: int = 0
    paid_amount: Decimal = Decimal("0.00")
    lapsed: int = 0

    @property
    def text(self) -> str:
        if not self.notices and not self.paid and not self.lapsed:
            return "本年度未收取信息处理费（未发出收费通知）。"
        return (f"本年度依据《政府信息公开信息处理费管理办法》发出收费通知 {self.notices} 件，"
                f"金额合计 {self.notices_amount:.2f} 元；实际收取 {self.paid} 件，"
                f"合计 {self.paid_amount:.2f} 元；逾期未缴费终止办理 {self.lapsed} 件。")

    def as_dict(self) -> dict:
        return {"notices": self.notices, "notices_amount": f"{self.notices_amount:.2f}",
                "paid": self.paid, "paid_amount": f"{self.paid_amount:.2f}",
                "lapsed": self.lapsed}

    @classmethod
    def from_dict(cls, data: dict | None) -> FeeFigures | None:
        if data is None:  # frozen before fees were part of the snapshot
            return None
        return cls(notices=data["notices"], notices_amount=Decimal(data["notices_amount"]),
                   paid=data["paid"], paid_amount=Decimal(data["paid_amount"]),
                   lapsed=data["lapsed"])


def count_fees(org: Organization, start: datetime, end: datetime) -> FeeFigures:
    """The fee figures of `org`'s subtree for the UTC interval [start, end) of a year."""
    from portal.annual_report.queries import in_subtree

    scoped = (select(FeeNotice).join(Inquiry, Inquiry.id == FeeNotice.inquiry_id)
              .where(in_subtree(Inquiry.organization_id, org)).subquery())

    def tally(moment) -> tuple[int, Decimal]:
        count, amount = db.session.execute(
            select(func.count(), func.coalesce(func.sum(scoped.c.amount), 0))
            .where(moment >= start, moment < end)).one()
        return int(count), Decimal(amount).quantize(Decimal("0.01"))

    notices, notices_amount = tally(scoped.c.issued_at)
    paid, paid_amount = tally(scoped.c.paid_at)
    lapsed, _ = tally(scoped.c.lapsed_at)
    return FeeFigures(notices, notices_amount, paid, paid_amount, lapsed)
