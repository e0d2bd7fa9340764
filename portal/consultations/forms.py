from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Optional

from portal.consultations.models import Adoption
from portal.forms import ChineseForm, RichTextField


class ConsultationForm(ChineseForm):
    """Parses the staff form; the service validates and explains."""

    organization = SelectField("发布机构", coerce=int, validate_choice=False)
    title = StringField("标题", description="如：关于《双塔镇农村人居环境整治实施方案"
                        "（征求意见稿）》公开征求意见的公告")
    summary = TextAreaField("起草说明",
                            description="制定的必要性、主要内容和需要重点听取意见的问题。")
    draft_html = RichTextField("征求意见稿",
                               description="可直接输入文字（空行分段），或粘贴简单 HTML。")
    opens_on = DateField("征求意见开始日期", validators=[Optional()],
                         description="北京时间当日 0 时开始。")
    closes_on = DateField("征求意见截止日期", validators=[Optional()],
                          description="北京时间当日 24 时截止。")
    short_window_reason = TextAreaField(
        "缩短期限的理由",
        description="征求意见期限一般不少于 30 日，自开始之日的次日起算（如 12 月 1 日开始，"
                    "至少到 12 月 31 日）；少于 30 日的须说明理由，并向公众公开"
                    "（《重大行政决策程序暂行条例》第十四条）。")
    how_to_participate = TextAreaField(
        "参与方式",
        description="除在本页留言外，还可以通过哪些途径提出意见（信函地址、电话、电子邮箱）。")


class OutcomeForm(ChineseForm):
    adoption_summary = TextAreaField("意见采纳情况说明",
                                     description="收到意见的总体情况、采纳情况及未采纳的主要理由。")
    legality_reviewer = StringField("合法性审查机构",
                                    description="如：双塔镇司法所、镇政府法律顾问。")
    legality_reviewed_on = DateField("合法性审查日期", validators=[Optional()])
    legality_conclusion = TextAreaField("合法性审查结论")
    discussion_meeting = StringField("集体讨论会议",
                                     description="如：双塔镇人民政府第 12 次常务会议。")
    discussed_on = DateField("集体讨论决定日期", validators=[Optional()])


class CommentForm(ChineseForm):
    body = TextAreaField("您的意见",
                         description="请写明对哪一条、哪一处的意见和理由，不超过 3000 字。"
                         "意见经审核后公开，身份证号、手机号等个人信息会被隐去。")
    name = StringField("姓名（选填）", description="公开时只显示姓氏。")
    contact = StringField("联系方式（选填，不公开）",
                          description="手机号、固定电话或电子邮箱，仅供工作人员就意见与您联系。")
    submission_token = HiddenField()
    website = StringField("请勿填写此项")


class ModerationForm(ChineseForm):
    decision = RadioField("审核结论", choices=[SelectChoice("approve", "公开"),
                                           SelectChoice("reject", "不予公开")],
                          validate_choice=False)
    reason = TextAreaField("不予公开的理由")


class AdoptionForm(ChineseForm):
    adoption = RadioField("采纳情况", choices=[SelectChoice(a.value, a.label) for a in Adoption],
                          validate_choice=False)
    note = TextAreaField("说明（未采纳、部分采纳须写明理由）")


class DecisionForm(ChineseForm):
    decision_index = StringField("最终决策文件索引号",
                                 description="已发布的决策公开文件的索引号；留空则取消关联。")


class ReasonForm(ChineseForm):
    reason = TextAreaField("撤回原因")
