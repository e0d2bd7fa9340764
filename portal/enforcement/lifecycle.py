"""The 事后公示 decision's transition table (国办发〔2018〕118号: 行政执法决定应当自作出之日起
7 个工作日内公开). An editor records a decision and may correct it while it awaits
publication; a reviewer other than its author publishes it (先审后发); when the decision is
revoked (撤销, by reconsideration, a court or the organ itself) a reviewer records it and the
decision leaves the public pages.
"""

from __future__ import annotations

from portal.enforcement.models import DecisionStatus, EnforcementDecision
from portal.lifecycle import Lifecycle, Step

S = DecisionStatus

ENFORCEMENT_DECISION = Lifecycle(
    name="enforcement", title="行政执法决定公示", model=EnforcementDecision,
    states=DecisionStatus, initial=(S.DRAFT,), stamp="updated_at",
    steps=(
        Step(S.DRAFT, "edit", None, "修改"),
        Step(S.DRAFT, "publish", S.PUBLISHED, "公示"),
        Step((S.DRAFT, S.PUBLISHED), "revoke", S.REVOKED, "撤销"),
    ),
    notes=("公示期限为决定日期后第 7 个工作日（开始的当日不计入）；逾期公示或逾期未公示的决定列入"
           "纪检监督页面。撤销的决定不再公开，也不计入年度报告表二。",),
)
