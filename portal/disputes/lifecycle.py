"""The dispute's transition table, as the town's 矛盾纠纷排查化解机制 runs it: a dispute found
in the daily check (排查) is taken up for mediation (调解中) by the person responsible, then
either resolved (化解: 小事不出村、大事不出镇) or handed up beyond the town (上交), which
only the town's 综治中心 decides.
"""

from __future__ import annotations

from portal.disputes.models import Dispute, DisputeStatus
from portal.lifecycle import Lifecycle, Step

S = DisputeStatus

DISPUTE = Lifecycle(
    name="dispute", title="矛盾纠纷排查化解", model=Dispute,
    states=DisputeStatus, initial=(S.SCREENING,), stamp="updated_at",
    steps=(
        Step((S.SCREENING, S.MEDIATING), "edit", None, "修改"),
        Step(S.SCREENING, "mediate", S.MEDIATING, "开始调解"),
        Step(S.MEDIATING, "resolve", S.RESOLVED, "化解"),
        Step(S.MEDIATING, "escalate", S.ESCALATED, "上交"),
    ),
    notes=("排查和调解中的纠纷可以修改（更正村、类型、当事人、情况、责任人和发现日期）；化解或上交后不再修改。",
           "化解或上交须填写日期（不早于排查日期、不晚于今天）和结果；化解用时按排查日期到化解日期的天数计算。",
           "公开页面只显示按年度的类型、村、结果统计，不显示当事人和案情。"),
)
