from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.forms import ChineseForm


class LoginForm(ChineseForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名。"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请填写密码。")])
