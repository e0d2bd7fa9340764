"""The 五公开 disclosure's transition table: 先审后发 (政府信息公开条例 Art. 17, 国办发
〔2019〕54号), so nothing reaches the public site without a reviewer other than its author.

A draft is edited and sent for review; one or two review rounds (`DISCLOSURE_REVIEW_STEPS`)
approve it or send it back; an approved document is published, and a published one is
withdrawn with a reason or superseded by its replacement. A change to a published document
is a revision the reviewer approves (`portal.disclosures.revisions`); the document stays
published meanwhile.
"""

from __future__ import annotations

from portal.disclosures.models import Disclosure, Status
from portal.lifecycle import Lifecycle, Step

S = Status

DISCLOSURE = Lifecycle(
    name="disclosure", title="五公开信息", model=Disclosure, states=Status,
    initial=(S.DRAFT,), stamp="updated_at",
    steps=(
        Step(S.DRAFT, "edit", None, "修改"),
        Step(S.DRAFT, "attach", None, "上传附件"),
        Step(S.DRAFT, "detach", None, "删除附件", rule="attach"),
        Step(S.DRAFT, "submit", S.SUBMITTED, "提交审核"),
        Step(S.SUBMITTED, "approve", (S.FIRST_APPROVED, S.APPROVED), "审核通过"),
        Step(S.FIRST_APPROVED, "approve", S.APPROVED, "审核通过"),
        Step((S.SUBMITTED, S.FIRST_APPROVED), "reject", S.DRAFT, "退回修改"),
        Step(S.APPROVED, "publish", S.PUBLISHED, "发布"),
        Step(S.PUBLISHED, "revise", None, "提交修订"),
        Step(S.PUBLISHED, "withdraw", S.WITHDRAWN, "撤回"),
        Step(S.PUBLISHED, "supersede", S.SUPERSEDED, "被替代", rule="",
             who="发布替代它的文件时"),
    ),
    notes=("两级审核（`DISCLOSURE_REVIEW_STEPS = 2`）时，初审通过进入“初审通过，待终审”；"
           "一级审核时直接进入“审核通过，待发布”。",),
)
