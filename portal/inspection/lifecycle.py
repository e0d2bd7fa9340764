"""The 督办 notice's transition table: an inspector issues it (about a work order or a
village's posting) and the office concerned answers it once, by the date set; whether
the answer came in time is kept (纪检监察机关 supervision of 政务公开, 政府信息公开条例
Art. 47). An answer to a notice about a work order also goes on that case's internal
timeline.
"""

from __future__ import annotations

from portal.inquiries.models import InquiryEvent
from portal.inspection.models import SupervisionNotice, SupervisionState
from portal.lifecycle import Lifecycle, Step
from portal.timeutil import utcnow

S = SupervisionState


def _set_state(notice: SupervisionNotice, state: SupervisionState) -> None:
    notice.answered_at = utcnow() if state is S.ANSWERED else None


def _add_event(actor, notice: SupervisionNotice, _name: str, _message: str, _data,
               _public: bool) -> None:
    if notice.inquiry is not None:
        notice.inquiry.events.append(InquiryEvent(
            actor_id=actor.id, action="supervise_answer", public=False,
            message=f"答复督办：{notice.answer}"))


SUPERVISION = Lifecycle(
    name="supervision", title="督办通知", model=SupervisionNotice, states=SupervisionState,
    initial=(S.OPEN,), state="state", set_state=_set_state, event=_add_event,
    steps=(
        Step(S.OPEN, "answer", S.ANSWERED, "答复督办"),
    ),
    notes=("状态由答复时间读出（未答复即“待答复”）。留言的督办由承办单位的办理人答复，"
           "村务公开的督办由村文书或镇审核人答复（权限规则 `answer`）。",),
)
