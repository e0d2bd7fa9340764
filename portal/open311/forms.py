from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.forms import ChineseForm


class IssueKeyForm(ChineseForm):
    name = StringField("接口使用单位", validators=[DataRequired("请填写接口使用单位。"),
                                                 Length(max=100)],
                       description="如：民权县 12345 政务服务便民热线")


class RevokeKeyForm(ChineseForm):
    """CSRF only."""
