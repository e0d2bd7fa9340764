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
    role = SelectField("角色", validators=[DataRequired("请选择角色。")])
    organization = SelectField("所属单位", coerce=int)
    password = PasswordField("初始密码", validators=[DataRequired("请填写初始密码。"),
                                                 Length(max=256)],
                             render_kw={"autocomplete": "new-password"})


class ResetPasswordForm(ChineseForm):
    password = PasswordField("新密码", validators=[DataRequired("请填写新密码。"), Length(max=256)],
                             render_kw={"autocomplete": "new-password"})
