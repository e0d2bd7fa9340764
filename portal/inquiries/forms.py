from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import Optional

from portal.forms import ChineseForm
from portal.inquiries.models import InquiryType, Rating, Severity
from portal.inquiries.submission import (
    ACQUISITIONS,
    APPLICANT_KINDS,
    DELIVERY_FORMS,
    ID_TYPES,
    ORGANIZATION_TYPES,
)

PUBLIC_TYPES = [t for t in InquiryType if t.is_public]
TYPE_HELP = {
    InquiryType.CONSULT: "询问政策、办事流程等", InquiryType.SUGGEST: "对工作提出意见建议",
    InquiryType.COMPLAINT: "反映工作人员作风、办事效率等问题",
    InquiryType.HELP: "生活困难、急需帮助的事项", InquiryType.REPORT: "检举违法违纪行为",
    InquiryType.INFO_REQUEST: "申请获取本机关的政府信息（依《政府信息公开条例》）",
}


def _choices(options: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in options.items()]


class InquiryForm(ChineseForm):
    """Parses the resident's form; the service validates and explains."""

    type = RadioField("留言类型", choices=[SelectChoice(t.value, t.label) for t in PUBLIC_TYPES],
                      validate_choice=False)
    place = SelectField("受理单位", validate_choice=False,
                        description="选择您所在的乡镇；涉及具体村的，可选到村。")
    title = StringField("标题", description="一句话概括，不超过 100 字。")
    body = TextAreaField("内容", description="请写清时间、地点、事情经过和诉求，不超过 5000 字。")
    contact_name = StringField("姓名", description="仅工作人员可见，不会公开。")
    contact_phone = StringField("联系电话",
                                description="手机号或带区号的固定电话；仅工作人员可见。")
    consent_publish = BooleanField("同意在网站公开我的留言和答复（姓名、电话等个人信息不会公开）")
    notify_channel = RadioField("是否接收办理进度通知", choices=[
        SelectChoice("sms", "短信（发到上面的联系电话）"), SelectChoice("email", "电子邮件"),
        SelectChoice("", "不接收")], default="", validate_choice=False)
    notify_email = StringField("接收通知的电子邮箱", description="选择电子邮件时填写。")
    submission_token = HiddenField()
    website = StringField("请勿填写此项")

    applicant_kind = RadioField("申请人类型", choices=_choices(APPLICANT_KINDS),
                                default="citizen", validate_choice=False)
    organization_type = SelectField("组织类型", choices=[SelectChoice("", "（公民不填）"),
                                                       *_choices(ORGANIZATION_TYPES)],
                                    validate_choice=False)
    id_type = SelectField("证件类型", choices=_choices(ID_TYPES), validate_choice=False)
    id_number = StringField("证件号码")
    organization_code = StringField("统一社会信用代码", description="法人或者其他组织填写。")
    legal_representative = StringField("法定代表人或者主要负责人")
    address = StringField("通信地址", description="用于邮寄答复，请写到门牌号。")
    postal_code = StringField("邮政编码")
    email = StringField("电子邮箱", description="选择电子邮件获取时必填。")
    description = TextAreaField("所需政府信息的名称、文号或者特征性描述",
                                description="尽量写明文件名称、发文字号、时间范围等。")
    delivery_form = RadioField("信息的载体形式", choices=_choices(DELIVERY_FORMS),
                               default="paper", validate_choice=False)
    acquisition = RadioField("获取信息的方式", choices=_choices(ACQUISITIONS), default="mail",
                             validate_choice=False)

    # The page's order (the application's fields sit between the content and the contact),
    # which the error summary atop the form follows.
    field_order = ("type", "place", "title", "body", "applicant_kind", "organization_type",
                   "id_type", "id_number", "organization_code", "legal_representative",
                   "address", "postal_code", "email", "description", "delivery_form",
                   "acquisition", "contact_name", "contact_phone", "consent_publish",
                   "notify_channel", "notify_email")


class RegistrationForm(InquiryForm):
    """A paper, fax or email application registered by staff (条例第三十一条)."""

    channel = RadioField("收到方式", validate_choice=False)
    received_on = DateField("收到申请之日", validators=[Optional()],
                            description="当面提交以提交之日、需签收的邮件以签收之日、平信、传真、"
                                        "电子邮件以双方确认之日为收到申请之日。")
    organization = SelectField("收到申请的机关", coerce=int, validate_choice=False)

    field_order = ("channel", "received_on", "organization", *InquiryForm.field_order)


class TrackForm(ChineseForm):
    code = StringField("查询码", description="受理时给您的 16 位查询码，如 7KQ2-M9XD-PT4A-H3RW。")


class RateForm(ChineseForm):
    rating = RadioField("您对本次答复的评价",
                        choices=[SelectChoice(r.value, r.label) for r in Rating],
                        validate_choice=False)
    comment = TextAreaField("评价意见（选填）")


class ReasonForm(ChineseForm):
    reason = TextAreaField("理由")


class SupplementForm(ChineseForm):
    text = TextAreaField("补正内容")


class OpinionForm(ChineseForm):
    organization = SelectField("责任单位", coerce=int, validate_choice=False)
    title = StringField("舆情标题")
    summary = TextAreaField("舆情摘要")
    source = StringField("来源", description="如：某网络论坛、微博、12345 热线转来。")
    source_url = StringField("链接")
    severity = RadioField("等级", choices=[SelectChoice(s.value, s.label) for s in Severity],
                          default="general", validate_choice=False)
    found_at = DateTimeLocalField("发现时间", format="%Y-%m-%dT%H:%M", validators=[Optional()],
                                  description="留空为现在。重大突发事件 5 小时内发布权威信息、"
                                  "24 小时内召开新闻发布会；一般舆情 48 小时内回应。")


class ExtensionForm(ChineseForm):
    days = IntegerField("延期工作日数", validators=[Optional()])
    reason = TextAreaField("延期理由")


class ReplyTemplateForm(ChineseForm):
    """An admin's reply template (the service checks the type and the placeholders)."""

    inquiry_type = SelectField("留言类型", choices=[SelectChoice("", "请选择")] + [
        SelectChoice(t.value, t.label) for t in PUBLIC_TYPES], validate_choice=False)
    name = StringField("模板名称")
    body = TextAreaField("模板内容", description="占位符写作 {名称}，只能使用下方列出的占位符；"
                         "插入答复时由系统按案件填写，填不出的须由办理人员改写后才能发送。")
