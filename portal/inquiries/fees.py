"""信息处理费: 《政府信息公开信息处理费管理办法》(国办函〔2020〕109号) under 条例第四十二条.

An office may charge an applicant who asks for a great deal, by one of two methods (never
both for one application):
- 按件计收: per applicant and natural month (Beijing time), the first 10 applications are
  free; the 11th to the 30th cost 100 元 each; from the 31st on, every further band of 10
  costs 100 元 more per application (31st–40th 200 元, 41st–50th 300 元, …). The applicant is
  the same 居民身份证号 or 统一社会信用代码.
- 按量计收: per application, the first 30 pages provided are free; pages 31–100 cost 10 元,
  101–200 cost 20 元, and every page after 200 costs 40 元.

The notice (收费通知) stops the reply clock; the applicant has 20 working days from it to
pay (`PAY_WITHIN`). A payment recorded restarts the clock where it stood; no payment by then
lets the office close the application as 其他处理·逾期未缴费 (`LAPSED_OUTCOME`), which is not
late on the office's side. The figures (notices, amounts paid) go into the annual report.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, func, or_, select

from portal import validation
from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.inquiries import clocks
from portal.inquiries.lifecycle import INQUIRY
from portal.inquiries.models import FeeNotice, InfoApplication, Inquiry, InquiryType
from portal.inquiries.workflow import drop_pending_extension, handled_by
from portal.lifecycle import transition
from portal.notifications import reminders as notify
from portal.timeutil import LOCAL_TZ, format_local, to_local, utcnow
from portal.workdays.calendar import add_working_days

PAY_WITHIN = 20
LAPSED_OUTCOME = "other-2"
METHODS = {"per_item": "按件计收", "per_volume": "按量计收"}
FREE_ITEMS, FREE_PAGES = 10, 30


def per_item_fee(ordinal: int) -> Decimal:
    """The fee for an applicant's `ordinal`-th application of the month."""
    if ordinal <= FREE_ITEMS:
        return Decimal(0)
    if ordinal <= 30:
        return Decimal(100)
    return Decimal(100 + 100 * math.ceil((ordinal - 30) / 10))


def per_volume_fee(pages: int) -> Decimal:
    """The fee for providing `pages` pages in answer to one application."""
    bands = ((FREE_PAGES, 0), (100, 10), (200, 20), (math.inf, 40))
    total, below = 0, 0
    for ceiling, price in bands:
        if pages > below:
            total += (min(pages, ceiling) - below) * price
        below = ceiling
    return Decimal(total)


def month_ordinal(inquiry: Inquiry) -> int:
    """This application's place among its applicant's applications of the same natural
    month (Beijing time), in order of receipt."""
    application = inquiry.application
    number = application.id_number or application.organization_code
    local = to_local(inquiry.received_at)
    start = datetime(local.year, local.month, 1, tzinfo=LOCAL_TZ)
    same_applicant = or_(InfoApplication.id_number == number,
                         InfoApplication.organization_code == number)
    earlier = or_(Inquiry.received_at < inquiry.received_at,
                  and_(Inquiry.received_at == inquiry.received_at, Inquiry.id <= inquiry.id))
    return db.session.scalar(
        select(func.count()).select_from(Inquiry).join(InfoApplication)
        .where(Inquiry.type == InquiryType.INFO_REQUEST, Inquiry.reopened_from_id.is_(None),
               same_applicant, Inquiry.received_at >= start, earlier))


def _amount(inquiry: Inquiry, method: str, pages: int | None) -> tuple[int, Decimal]:
    if method == "per_item":
        ordinal = month_ordinal(inquiry)
        return ordinal, per_item_fee(ordinal)
    if method == "per_volume":
        if not isinstance(pages, int) or not 1 <= pages <= 1_000_000:
            raise ValidationError("请填写提供的政府信息页数（正整数）。", field="pages")
        return pages, per_volume_fee(pages)
    raise ValidationError("请选择收费方式：按件计收或按量计收。", field="method")


def issue_notice(actor, inquiry_id: int, method: str, pages: int | None = None) -> FeeNotice:
    """Send the applicant a 收费通知; the reply clock stops until payment. Requires
    `handler`. Refused when the rules charge nothing, or a notice was sent already.
    Raises ValidationError, Conflict or PermissionDenied."""
    inquiry = handled_by(actor, inquiry_id, "inquiry.fee_notice")
    if inquiry.type is not InquiryType.INFO_REQUEST or not INQUIRY.can(inquiry, "fee_notice"):
        raise Conflict("只有办理中的政府信息公开申请才能发出收费通知。")
    if inquiry.fee_notices:
        raise Conflict("该申请已经发出过收费通知；同一申请不得重复收费。")
    quantity, amount = _amount(inquiry, method, pages)
    if not amount:
        rule = (f"同一申请人一个自然月内第 {quantity} 件申请" if method == "per_item"
                else f"提供 {quantity} 页信息")
        raise ValidationError(f"按《政府信息公开信息处理费管理办法》，{rule}不收费。",
                              field="method")
    now = utcnow()
    notice = FeeNotice(inquiry=inquiry, method=method, quantity=quantity, amount=amount,
                       issued_by_id=actor.id, issued_at=now,
                       pay_due_at=clocks.end_of_day(add_working_days(clocks.local_day(now),
                                                                     PAY_WITHIN)))
    db.session.add(notice)
    clocks.pause(inquiry, now)
    transition(actor, inquiry, "fee_notice", message=(
          f"收费通知：依《政府信息公开信息处理费管理办法》{METHODS[method]}，应缴信息处理费 "
          f"{amount} 元，请于 {format_local(notice.pay_due_at, '%Y-%m-%d')} 前缴纳；"
          "逾期未缴纳的，视为放弃申请。缴费前答复期限暂停计算。"),
          data={"method": method, "quantity": quantity, "amount": str(amount)})
    notify.tell_resident(inquiry, "resident_fee", amount=f"{amount:.2f}",
                         due=format_local(notice.pay_due_at, "%Y-%m-%d"))
    db.session.commit()
    return notice


def record_payment(actor, inquiry_id: int, receipt_number: str) -> Inquiry:
    """The applicant paid: the clock runs again from where it stopped. Requires
    `handler`."""
    inquiry = handled_by(actor, inquiry_id, "inquiry.fee_paid")
    if not INQUIRY.can(inquiry, "fee_paid"):
        raise Conflict("该申请没有待缴的信息处理费。")
    receipt_number = validation.text(receipt_number, field="receipt_number",
                                     label="缴费凭证号", max_length=60)
    now = utcnow()
    notice = inquiry.fee_notices[-1]
    notice.paid_at, notice.receipt_number = now, receipt_number
    clocks.resume(inquiry, now)
    transition(actor, inquiry, "fee_paid",
               message=f"已缴纳信息处理费 {notice.amount} 元，继续办理。",
          data={"receipt_number": receipt_number,
                "new_due": format_local(inquiry.reply_due_at, "%Y-%m-%d")})
    db.session.commit()
    return inquiry


def close_unpaid(actor, inquiry_id: int) -> Inquiry:
    """The 20 working days passed without payment: the application is closed as
    其他处理·逾期未缴费 (not late on the office's side). Requires `handler`; refused before
    the date."""
    inquiry = handled_by(actor, inquiry_id, "inquiry.fee_lapsed")
    if not INQUIRY.can(inquiry, "fee_lapsed"):
        raise Conflict("该申请没有待缴的信息处理费。")
    notice = inquiry.fee_notices[-1]
    now = utcnow()
    if now <= notice.pay_due_at:
        raise ValidationError(f"缴费期限 {format_local(notice.pay_due_at, '%Y-%m-%d')} 届满前"
                              "不能按逾期未缴费处理。")
    notice.lapsed_at = now
    inquiry.outcome = LAPSED_OUTCOME
    inquiry.reply_text = ("申请人逾期未按收费通知要求缴纳信息处理费，视为放弃申请，"
                          "本机关不再处理该政府信息公开申请。")
    inquiry.reply_organization = inquiry.organization
    inquiry.replied_at = inquiry.closed_at = now
    inquiry.replied_on_time = True
    inquiry.paused_since = None
    drop_pending_extension(inquiry)
    transition(actor, inquiry, "fee_lapsed", message=inquiry.reply_text,
          data={"amount": str(notice.amount)})
    db.session.commit()
    return inquiry
