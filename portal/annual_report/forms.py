"""Forms of the annual report pages. They parse input; the services validate the rules.

Buttons and CSRF inputs are written in the templates."""

from __future__ import annotations

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Optional

from portal.annual_report.figures import (
    AMOUNT_FIELDS,
    MANUAL_FIELDS,
    NARRATIVE_SECTIONS,
    REGISTER_FIELDS,
)
from portal.annual_report.models import AppealKind, AppealResult
from portal.forms import ChineseForm

SECTION_HELP = {
    "overview": "概述本年度主动公开、依申请公开、政府信息管理、平台建设、监督保障等工作。",
    "problems": "写明上一年度问题的改进情况和本年度存在的主要问题、改进措施。",
    "other_matters": "包括依据《政府信息公开信息处理费管理办法》收取信息处理费的情况，"
                     "以及本机关认为需要报告的其他事项；没有的写“无”。",
}


class ReportForm(ChineseForm):
    """Sections 一、五、六 and, added below, one field per 手工填报 figure of table 二."""


for _key, _label in NARRATIVE_SECTIONS.items():
    setattr(ReportForm, _key, TextAreaField(_label, description=SECTION_HELP[_key],
                                            render_kw={"rows": 8}))
for _key, _label in MANUAL_FIELDS.items():
    setattr(ReportForm, _key, StringField(
        _label, default="" if _key in REGISTER_FIELDS else "0",
        description="留空按行政执法公示登记数" if _key in REGISTER_FIELDS else "",
        render_kw={"inputmode": "decimal" if _key in AMOUNT_FIELDS else "numeric",
                   "class": "input-short"}))


class SubmitForm(ChineseForm):
    """报送 of a 定稿: the date it was submitted."""

    submitted_on = DateField("报送日期", validators=[Optional()],
                             description="向政府信息公开工作主管部门报送（或向社会公布）的日期。")


class ReopenForm(ChineseForm):
    """退回修改 of a 定稿, by an admin."""

    reason = TextAreaField("退回修改的理由", render_kw={"rows": 3, "maxlength": 500},
                           description="说明需要更正的内容；理由记入审计日志，并显示在报告页面上。")


def _choices(kind) -> list[SelectChoice]:
    return [SelectChoice(member.value, member.label) for member in kind]


class AppealForm(ChineseForm):
    organization = SelectField("被申请复议或被起诉的单位", validate_choice=False)
    kind = SelectField("类型", choices=_choices(AppealKind), validate_choice=False)
    result = SelectField("结果", choices=_choices(AppealResult),
                         default=AppealResult.PENDING.value, validate_choice=False)
    filed_on = DateField("申请复议或起诉日期", validators=[Optional()])
    decided_on = DateField("审结日期", validators=[Optional()],
                           description="尚未审结的不填。")
    inquiry_number = StringField("相关申请的受理编号",
                                 description="可不填；填写时应为本单位办理的政府信息公开申请。")
    note = StringField("备注", id="appeal-note")


class AppealUpdateForm(ChineseForm):
    """Parses one case's update; the page writes one small form per case with its own ids."""

    result = SelectField("结果", choices=_choices(AppealResult), validate_choice=False)
    decided_on = DateField("审结日期", validators=[Optional()])
    note = StringField("备注")
