from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.forms import ChineseForm


class TaskForm(ChineseForm):
    """Parses the task form; the service validates and explains."""

    organization = SelectField("责任单位", coerce=int, validate_choice=False)
    parent = SelectField("上级任务", coerce=int, validate_choice=False, default=0,
                         description="分解到子任务后，上级任务的进度由各子任务平均计算。")
    title = StringField("任务名称")
    description = TextAreaField("任务内容", description="目标、措施和责任分工。")
    decision_index = StringField("落实的决策（索引号）",
                                 description="已发布的决策公开文件的索引号，选填。")


class UpdateForm(ChineseForm):
    reported_on = DateField("进展日期", validators=[Optional()], description="留空为今天。")
    note = TextAreaField("进展情况")
    progress = StringField("完成进度（%）", description="0 到 100 的整数；留空则不改变进度。"
                           "有子任务的任务不填，由子任务自动计算。")


class MilestoneForm(ChineseForm):
    title = StringField("节点名称")
    due_on = DateField("计划完成日期", validators=[Optional()])


class DoneForm(ChineseForm):
    done_on = DateField("完成日期", validators=[Optional()], description="留空为今天。")


class ReasonForm(ChineseForm):
    reason = TextAreaField("撤回原因")
