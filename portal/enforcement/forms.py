"""The enforcement forms parse what is typed; the services validate and explain."""

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Optional

from portal.enforcement.models import BodyKind, DecisionKind, MatterKind, PartyKind
from portal.forms import ChineseForm


def _choices(kind) -> list[SelectChoice]:
    return [SelectChoice(k.value, k.label) for k in kind]


class BodyForm(ChineseForm):
    organization = SelectField("所属单位", coerce=int, validate_choice=False)
    name = StringField("执法主体名称", description="如：双塔镇人民政府（综合行政执法）。")
    kind = SelectField("主体资格", choices=_choices(BodyKind), validate_choice=False)
    duties = TextAreaField("职责权限")
    contact = StringField("办公地址和电话",
                          description="单位的办公地址和对外电话，不填个人手机号。")


class OfficerForm(ChineseForm):
    name = StringField("姓名")
    certificate_number = StringField("执法证号", description="行政执法证上的编号，全县不能重复。")
    field = StringField("执法类别", description="如：综合执法、自然资源。")
    valid_until = DateField("证件有效期至", validators=[Optional()])


class MatterForm(ChineseForm):
    kind = SelectField("事项类别", choices=_choices(MatterKind), validate_choice=False)
    name = StringField("事项名称")
    basis = TextAreaField("实施依据", description="法律、法规、规章的名称和条款。")


class DecisionForm(ChineseForm):
    body = SelectField("执法主体", coerce=int, validate_choice=False)
    kind = SelectField("决定类别", choices=_choices(DecisionKind), validate_choice=False)
    document_number = StringField("决定文书号", description="如：双塔综执罚〔2026〕3号。")
    title = StringField("决定文书名称", description="如：行政处罚决定书、建设工程规划许可证。")
    party_kind = SelectField("行政相对人类别", choices=_choices(PartyKind),
                             validate_choice=False)
    party_name = StringField("行政相对人名称", description="自然人的姓名在公开页面显示为“张某”。")
    party_code = StringField("统一社会信用代码或身份证号",
                             description="法人及非法人组织填统一社会信用代码；"
                                         "自然人填 18 位身份证号"
                                         "（公开页面只显示前 6 位和后 4 位）。")
    legal_representative = StringField("法定代表人（负责人）", description="自然人不填。")
    facts = TextAreaField("违法事实或许可事项")
    basis = TextAreaField("法律依据")
    content = TextAreaField("决定内容")
    fine_amount = StringField("罚款金额（万元）", description="行政处罚有罚款时填写，如 0.2。")
    decided_on = DateField("决定日期", validators=[Optional()],
                           description="自决定日期起 7 个工作日内须公示。")
    valid_from = DateField("许可有效期自", validators=[Optional()])
    valid_until = DateField("许可有效期至", validators=[Optional()])


class ReasonForm(ChineseForm):
    reason = TextAreaField("撤销原因", description="如：经行政复议决定撤销。")
