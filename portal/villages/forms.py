from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Optional

from portal.forms import ChineseForm, RichTextField
from portal.villages.models import NoticeCategory


class NoticeForm(ChineseForm):
    village = SelectField("村", coerce=int, validate_choice=False)
    category = SelectField("类别", choices=[SelectChoice(c.value, c.label) for c in NoticeCategory],
                           validate_choice=False)
    title = StringField("标题")
    body_html = RichTextField("公开内容", description="可直接输入文字（空行分段）。"
                              "姓名可以公开，身份证号、手机号、银行卡号须打码。")
    period_start = DateField("公开期间：自",
                             validators=[InputRequired("请填写公开期间的开始日期。")],
                             description="本次公开所反映的期间，如 2026-10-01。")
    period_end = DateField("至", validators=[InputRequired("请填写公开期间的结束日期。")])
    is_major = BooleanField("重大事项（须随时公开）")
    occurred_on = DateField("事项发生（决定）日期", validators=[Optional()])
    window_start = DateField("公示开始日期", validators=[Optional()],
                             description="需要公示的事项（如低保初审名单）填写。")
    window_end = DateField("公示结束日期", validators=[Optional()])
    window_working_days = IntegerField(
        "或：公示工作日数", validators=[Optional()],
        description="填写后自动计算结束日期；低保名单默认 7 个工作日。")


class FinanceImportForm(ChineseForm):
    finance_file = FileField("收支明细表（.xlsx 或 .csv）",
                             description="表头：日期、摘要、收入、支出、备注；最后一行为“合计”。")
