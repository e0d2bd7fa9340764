"""Forms of the notification pages (parsing only; the services check and explain)."""

from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.forms import ChineseForm


class ButtonForm(ChineseForm):
    """CSRF only: one-button actions (退订, 全部已读, 重试)."""


class TemplateForm(ChineseForm):
    subject = StringField("标题（短信为模板 CODE）",
                          validators=[Length(max=200, message="标题超过 200 字。")])
    body = TextAreaField("内容", validators=[DataRequired("请填写通知内容。"),
                                             Length(max=2000, message="内容超过 2000 字。")],
                         description="占位符写作 {名称}，只能使用下方列出的占位符。")


class TestMessageForm(ChineseForm):
    channel = RadioField("发送渠道", choices=[SelectChoice("email", "电子邮件"),
                                              SelectChoice("sms", "短信")],
                         default="email", validate_choice=False)


class SettingsForm(ChineseForm):
    """One's own addresses; the channels per kind are checkboxes `by_email`/`by_sms`
    whose values are the kinds."""

    email = StringField("电子邮箱",
                        validators=[Length(max=120, message="电子邮箱超过 120 个字符。")])
    mobile = StringField("手机号", validators=[Length(max=20, message="手机号超过 20 个字符。")],
                         description="用于接收短信通知，11 位手机号。")
