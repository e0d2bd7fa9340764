"""The law's limits on the clocks admins may edit: stricter is allowed, looser never.

依申请公开 (《政府信息公开条例》, 2019):
- reply within 20 working days of receipt; one extension of at most 20 (第三十三条);
- a 补正 notice within 7 working days of receipt (第三十条);
- a third party consulted answers within 15 working days (第三十二条), and only the time
  consultation takes is left out of the reply period (第三十三条), so a consultation stops
  the clock for at most 15 working days.
舆情 (国办发〔2016〕61号): for major emergencies authoritative information within 5 hours
and a press conference within 24; other items a response within 48 hours.

Clocks without a row here (sign-for, the reply to 咨询 or 投诉, due-soon warnings, the
applicant's correction period) are set by local rules and only kept within a sane range.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.errors import ValidationError
from portal.inquiries.models import InquiryType

WORKING_DAYS = "working_days"
HOURS = "hours"
UNIT_LABELS = {WORKING_DAYS: "个工作日", HOURS: "小时"}

INFO_ACT = "《政府信息公开条例》"
OPINION_NOTICE = "国办发〔2016〕61号"


@dataclass(frozen=True)
class Ceiling:
    """The longest a clock may be, and the rule that says so."""

    amount: int
    unit: str
    source: str  # the instrument and article, as cited: 《政府信息公开条例》第三十三条
    words: str  # what it says, in brief

    def describe(self) -> str:
        return f"法定上限 {self.amount} {UNIT_LABELS[self.unit]}（{self.source}）"


CEILINGS: dict[tuple[InquiryType, str], Ceiling] = {
    (InquiryType.INFO_REQUEST, "reply"): Ceiling(
        20, WORKING_DAYS, f"{INFO_ACT}第三十三条", "应当自收到申请之日起20个工作日内予以答复"),
    (InquiryType.INFO_REQUEST, "extension_max"): Ceiling(
        20, WORKING_DAYS, f"{INFO_ACT}第三十三条", "延长的期限最长不得超过20个工作日"),
    (InquiryType.INFO_REQUEST, "correction_request"): Ceiling(
        7, WORKING_DAYS, f"{INFO_ACT}第三十条",
        "自收到申请之日起7个工作日内一次性告知申请人作出补正"),
    (InquiryType.INFO_REQUEST, "consultation"): Ceiling(
        15, WORKING_DAYS, f"{INFO_ACT}第三十二条",
        "第三方应当自收到征求意见书之日起15个工作日内提出意见"),
    (InquiryType.OPINION, "authoritative_info"): Ceiling(
        5, HOURS, OPINION_NOTICE, "重大突发事件最迟5小时内发布权威信息"),
    (InquiryType.OPINION, "press_conference"): Ceiling(
        24, HOURS, OPINION_NOTICE, "重大突发事件24小时内举行新闻发布会"),
    (InquiryType.OPINION, "response"): Ceiling(
        48, HOURS, OPINION_NOTICE, "政务舆情48小时内予以回应"),
}


def ceiling(inquiry_type: InquiryType, clock: str) -> Ceiling | None:
    return CEILINGS.get((inquiry_type, clock))


def ensure_within_law(inquiry_type: InquiryType, clock: str, label: str, amount: int) -> None:
    """Raises ValidationError, citing the rule, when `amount` is longer than the law allows."""
    limit = ceiling(inquiry_type, clock)
    if limit is None or amount <= limit.amount:
        return
    raise ValidationError(
        f"{inquiry_type.label}{label}不能超过法定的 {limit.amount} {UNIT_LABELS[limit.unit]}"
        f"（{limit.source}：{limit.words}）；可以比法定时限更短，不能更长。", field="amount")
