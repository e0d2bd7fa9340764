from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.forms import ChineseForm


class LoginForm(ChineseForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名。"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请填写密码。"), Length(max=256)])


class CodeForm(ChineseForm):
    code = StringField("动态验证码", validators=[DataRequired("请填写 6 位动态验证码。"),
                                             Length(max=16)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class EnrolmentForm(CodeForm):
    """First sign-in of a role that needs a second factor: the admin's one-time code too."""

    enrolment_code = StringField("绑定码", validators=[DataRequired("请填写管理员给您的绑定码。"),
                                                    Length(max=20)],
                                 description="系统管理员当面或电话告知的 8 位数字，如 3816-0427。",
                                 render_kw={"autocomplete": "off", "inputmode": "numeric"})


class PasswordChangeForm(ChineseForm):
    current_password = PasswordField("当前密码", validators=[DataRequired("请填写当前密码。"),
                                                         Length(max=256)],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField("新密码", validators=[DataRequired("请填写新密码。"), Length(max=256)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("再次输入新密码", validators=[
        DataRequired("请再次输入新密码。"), EqualTo("password", "两次输入的新密码不一致。")],
        render_kw={"autocomplete": "new-password"})


class NewUserForm(ChineseForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名。"), Length(max=64)])
    display_name = StringField("姓名", validators=[DataRequired("请填写姓名。"), Length(max=64)])
    grant = SelectField("角色和单位", validate_choice=False,
                        validators=[DataRequired("请选择要授予的角色和单位。")],
                        description="只列出该角色可以授予的单位：村务专干、村务监督委员会在村，"
                                    "信息审核在县、乡镇或乡镇站所，纪检监督在县或乡镇。")
    password = PasswordField("初始密码", validators=[DataRequired("请填写初始密码。"),
                                                 Length(max=256)],
                             render_kw={"autocomplete": "new-password"})


class ResetPasswordForm(ChineseForm):
    password = PasswordField("新密码", validators=[DataRequired("请填写新密码。"), Length(max=256)],
                             render_kw={"autocomplete": "new-password"})


class GrantForm(ChineseForm):
    grant = SelectField("增加授权", validate_choice=False,
                        validators=[DataRequired("请选择要授予的角色和单位。")])
