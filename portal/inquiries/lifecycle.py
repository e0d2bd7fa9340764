"""The work order's transition table: 签收, 办理, 转办, 退回, 补正, 征求意见, 收费, 答复, 办结.

The reply clock runs while the government holds the case and stops while it waits on the
resident, a consulted third party (capped, 政府信息公开条例 Art. 32–33) or a fee
(《政府信息公开信息处理费管理办法》); `portal.inquiries.clocks` keeps the dates, this table
the states. Every step adds an entry to the case's timeline (public unless marked
internal) besides the audit event. An applicant who lets the correction period or the
payment period pass is taken to have given up (条例 Art. 30).
"""

from __future__ import annotations

from portal.inquiries.models import Inquiry, InquiryEvent, Status
from portal.lifecycle import Lifecycle, Step

S = Status
WORKABLE = (S.SIGNED, S.PROCESSING)


def add_event(actor, inquiry: Inquiry, name: str, message: str, data: dict | None,
              public: bool) -> None:
    inquiry.events.append(InquiryEvent(actor_id=getattr(actor, "id", None),
                                       action=name.removeprefix("inquiry."), public=public,
                                       message=message, data=data))

INQUIRY = Lifecycle(
    name="inquiry", title="留言与依申请公开", model=Inquiry, states=Status,
    initial=(S.RECEIVED,), event=add_event,
    steps=(
        Step((S.RECEIVED, S.RETURNED), "sign", S.SIGNED, "签收", rule="handle"),
        Step(S.SIGNED, "process", S.PROCESSING, "开始办理", rule="handle"),
        Step((S.RECEIVED, S.SIGNED, S.PROCESSING, S.RETURNED), "transfer", S.RECEIVED, "转办",
             rule="handle"),
        Step((S.RECEIVED, S.SIGNED, S.PROCESSING), "return", S.RETURNED, "退回",
             rule="handle"),
        Step(WORKABLE, "request_correction", S.AWAITING_RESIDENT, "要求补正", rule="handle"),
        Step(S.AWAITING_RESIDENT, "correction_received", S.PROCESSING, "登记补正",
             rule="handle"),
        Step(S.AWAITING_RESIDENT, "supplement", S.PROCESSING, "群众补正", rule="",
             who="申请人（凭查询码）", audit="inquiry.correction_received"),
        Step(S.AWAITING_RESIDENT, "abandon", S.CLOSED, "视为放弃", rule="handle"),
        Step(WORKABLE, "consult", S.CONSULTING, "征求第三方意见", rule="handle"),
        Step(S.CONSULTING, "consult_end", S.PROCESSING, "结束征求意见", rule="handle"),
        Step(WORKABLE, "fee_notice", S.AWAITING_FEE, "发出收费通知", rule="handle"),
        Step(S.AWAITING_FEE, "fee_paid", S.PROCESSING, "登记缴费", rule="handle"),
        Step(S.AWAITING_FEE, "fee_lapsed", S.CLOSED, "逾期未缴费，视为放弃", rule="handle"),
        Step(WORKABLE, "reply", S.REPLIED, "答复", rule="handle"),
        Step(S.REPLIED, "close", S.CLOSED, "办结", rule="handle"),
    ),
    notes=("满意度评价为不满意的，申请人可要求重新办理：产生一件新的“已受理，待签收”留言，"
           "原留言保持不变（`portal.inquiries.reopening`）。",
           "征求第三方意见仅适用于依申请公开；收费通知仅适用于依申请公开。"),
)
