"""The 征求意见 consultation's transition table (重大行政决策程序暂行条例 Art. 14–15,
政府信息公开条例 Art. 20(2)): an editor drafts, a reviewer other than the author publishes
it for comment, comments are moderated while it is open, and once the window has closed
and every comment is decided the result (采纳情况、合法性审查、集体讨论) is published. A
reviewer may take it down with a reason at any time after publication.
"""

from __future__ import annotations

from portal.consultations.models import Consultation, ConsultationStatus
from portal.lifecycle import Lifecycle, Step

C = ConsultationStatus

CONSULTATION = Lifecycle(
    name="consultation", title="征求意见", model=Consultation, states=ConsultationStatus,
    initial=(C.DRAFT,), stamp="updated_at",
    steps=(
        Step(C.DRAFT, "edit", None, "修改"),
        Step(C.DRAFT, "publish", C.PUBLISHED, "发布"),
        Step(C.PUBLISHED, "moderate", None, "审核意见"),
        Step(C.PUBLISHED, "conclude", C.CONCLUDED, "公布征求意见结果"),
        Step((C.PUBLISHED, C.CONCLUDED), "withdraw", C.WITHDRAWN, "撤回"),
    ),
    notes=("发布须由起草人以外的审核人进行；公布结果须在征求意见截止后，且每条意见均已审核并"
           "标明是否采纳。意见采纳情况、合法性审查和集体讨论由编辑在截止后填写（权限规则 "
           "`report`），不改变状态。",),
)
