"""Forms of the calendar pages. They parse input; the services validate the rules.

Buttons and CSRF inputs are written in the templates, so two forms on one page never
repeat an element id.
"""

from __future__ import annotations

from wtforms import DateField, IntegerField, RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from portal.forms import ChineseForm
from portal.workdays.calendar import FIRST_YEAR, LAST_YEAR
from portal.workdays.models import NOTE_MAX_LENGTH
from portal.workdays.services import MAX_WORKING_DAYS


class OverrideForm(ChineseForm):
    day = DateField("日期", validators=[InputRequired("请填写日期。")])
    kind = RadioField(
        "类型",
        choices=[SelectChoice("holiday", "休息日（放假）"),
                 SelectChoice("working", "工作日（调休上班）")],
        validators=[InputRequired("请选择类型。")],
    )
    note = StringField("说明", id="override-note", validators=[Length(max=NOTE_MAX_LENGTH)],
                       description="例如：国务院办公厅关于2027年部分节假日安排的通知")

    @property
    def is_working_day(self) -> bool:
        return self.kind.data == "working"


class ConfirmYearForm(ChineseForm):
    year = IntegerField("年度", validators=[InputRequired("请填写年度。"),
                                          NumberRange(FIRST_YEAR, LAST_YEAR)])
    note = StringField("说明", id="year-note", validators=[Length(max=NOTE_MAX_LENGTH)])


class DeadlineForm(ChineseForm):
    """Read-only calculation, sent by GET: no CSRF token, bookmarkable."""

    class Meta:
        csrf = False

    start = DateField("起算日期", validators=[InputRequired("请填写起算日期。")],
                      description="事件发生的当日，不计入期限。")
    days = IntegerField("工作日数", validators=[InputRequired("请填写工作日数。"),
                                             NumberRange(0, MAX_WORKING_DAYS)])
