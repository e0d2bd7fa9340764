"""The ledger's forms parse what is typed; the services validate and explain."""

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Optional

from portal.disputes.models import DisputeType
from portal.disputes.services import RESULTS
from portal.forms import ChineseForm


class CheckForm(ChineseForm):
    village = SelectField("村", validate_choice=False)
    check_date = DateField("排查日期", validators=[Optional()],
                           description="当天的排查当天报送；漏报的可在 31 天内补报。")
    result = SelectField("排查结果", choices=[SelectChoice(k, v) for k, v in RESULTS.items()],
                         validate_choice=False, default="nil")
    note = TextAreaField("情况说明", description="零报告可不填。发现矛盾纠纷的，请另行逐件登记。")


class DisputeForm(ChineseForm):
    village = SelectField("所在村", validate_choice=False)
    type = SelectField("纠纷类型", choices=[SelectChoice(t.value, t.label) for t in DisputeType],
                       validate_choice=False)
    reported_on = DateField("排查发现日期", validators=[Optional()])
    parties = TextAreaField("当事人", description="当事人姓名、住址等只在后台显示，不公开。")
    summary = TextAreaField("纠纷简要情况")
    responsible = StringField("化解责任人", description="专人跟进：负责调解化解的人员姓名。")


class CloseForm(ChineseForm):
    closed_on = DateField("日期", validators=[Optional()])
    outcome = TextAreaField("结果")
