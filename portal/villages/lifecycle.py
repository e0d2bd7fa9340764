"""The village notice's transition table (村务公开, 村民委员会组织法 Art. 30–32 and 村务监督
委员会 practice): the clerk drafts, the village affairs supervision committee signs off,
a town reviewer approves and the notice goes up at once; either of them may send it back,
and the town takes it down with a reason. Every change keeps the previous text as a
version, so what was posted when can always be shown.
"""

from __future__ import annotations

from portal.extensions import db
from portal.lifecycle import Lifecycle, Step
from portal.villages.models import NoticeStatus, NoticeVersion, VillageNotice

N = NoticeStatus


def snapshot(notice: VillageNotice) -> dict:
    return {
        "title": notice.title, "body_html": notice.body_html, "category": notice.category.value,
        "period": [notice.period_start.isoformat(), notice.period_end.isoformat()],
        "window": [d.isoformat() if d else None for d in (notice.window_start,
                                                          notice.window_end)],
        "is_major": notice.is_major, "status": notice.status.value,
        "finance_rows": len(notice.finance_table.rows) if notice.finance_table else 0,
    }


def keep_version(actor, notice: VillageNotice) -> None:
    db.session.add(NoticeVersion(notice=notice, number=notice.version, snapshot=snapshot(notice),
                                 edited_by_id=getattr(actor, "id", None)))
    notice.version += 1


VILLAGE_NOTICE = Lifecycle(
    name="village_notice", title="村务公开事项", model=VillageNotice, states=NoticeStatus,
    initial=(N.DRAFT,), stamp="updated_at", before_change=keep_version,
    steps=(
        Step(N.DRAFT, "edit", None, "修改"),
        Step(N.DRAFT, "submit", N.AWAITING_SIGNOFF, "提交监委会签署"),
        Step(N.AWAITING_SIGNOFF, "sign_off", N.AWAITING_APPROVAL, "签署"),
        Step((N.AWAITING_SIGNOFF, N.AWAITING_APPROVAL), "send_back", N.DRAFT, "退回"),
        Step(N.AWAITING_APPROVAL, "approve", N.PUBLISHED, "审核发布",
             audit="village_notice.publish"),
        Step(N.PUBLISHED, "withdraw", N.WITHDRAWN, "撤回"),
    ),
    notes=("退回由当时持有该事项的一方进行：待签署时为村务监督委员会，待审核时为镇审核人。",),
)
