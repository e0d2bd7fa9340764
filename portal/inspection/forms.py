"""The 督办 form for a village's missed or late posting: the fields as typed; the service
(`portal.inspection.supervision`) validates and explains."""

from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.forms import ChineseForm

DEFAULT_REQUEST = "请于期限内完成公开并说明原因。"


class VillageSupervisionForm(ChineseForm):
    village = HiddenField()
    subject = StringField("督办事项", description="未按期公开的类别与期间，被督办的村会看到。")
    content = TextAreaField("督办要求", default=DEFAULT_REQUEST)
    answer_due_on = DateField("答复期限", validators=[Optional()],
                              description="默认 5 个工作日后；最长 90 天。")
