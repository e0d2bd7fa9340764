from flask_wtf.file import FileAllowed, FileField, MultipleFileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.disclosures.models import TOPICS, Category, Mode, Validity
from portal.forms import ChineseForm, RichTextField


class DisclosureForm(ChineseForm):
    # A list always showing a real choice needs no `required` (HTML: its first option
    # would have to be an empty placeholder); the server still checks both.
    organization = SelectField("发布机构", coerce=int, render_kw={"required": False},
                               validators=[DataRequired("请选择发布机构。")])
    category = SelectField("公开类别", choices=[SelectChoice(c.value, c.label) for c in Category],
                           render_kw={"required": False},
                           validators=[DataRequired("请选择公开类别。")])
    title = StringField("标题", validators=[DataRequired("请填写标题。"),
                                          Length(max=200, message="标题不能超过 200 个字。")])
    body_html = RichTextField("正文", description="可直接输入文字（空行分段），或粘贴简单 HTML。")
    word_file = FileField("从 Word 导入正文",
                          description="选择 .docx 文件后提交：表单带着文档的正文重新显示，"
                                      "空着的发文字号、成文日期、信息来源按公文格式填入，"
                                      "核对后再提交才保存。",
                          validators=[FileAllowed(["docx"], "只能导入 .docx 格式的 Word 文件。")])
    doc_number = StringField("发文字号", validators=[Length(max=100)],
                             description="如：双政〔2023〕5号；无则留空。")
    written_on = DateField("成文日期", validators=[Optional()])
    formed_on = DateField("信息形成（变更）日期",
                          validators=[InputRequired("请填写信息形成日期。")],
                          description="自此日起 20 个工作日内须公开。")
    topic = SelectField("主题分类", choices=[SelectChoice(t) for t in TOPICS])
    keywords = StringField("主题词", validators=[Length(max=200)],
                           description="多个主题词用空格分隔。")
    mode = SelectField("公开方式", choices=[SelectChoice(m.value, m.label) for m in Mode])
    validity = SelectField("有效性", choices=[SelectChoice(v.value, v.label) for v in Validity])
    repealed_on = DateField("废止日期", validators=[Optional()])
    source = StringField("信息来源", validators=[Length(max=100)],
                         description="留空则为发布机构名称。")
    # Choices are set by the view from the catalogue (0 = none).
    catalogue_entry = SelectField("公开目录事项", coerce=int, validate_choice=False, default=0,
                                  description="本信息归入政务公开目录的哪一事项。")
    supersedes_index = StringField("替代的文件（索引号）", validators=[Length(max=40)],
                                   description="本文件发布后，该索引号的旧文件标记为“已被替代”。")


class RevisionForm(DisclosureForm):
    """Editing a published document: the change is a revision a reviewer approves."""

    substantive = BooleanField(
        "实质性修改（更正）",
        description="更正了数字、日期、名单、结论等实质内容时勾选；审核通过后，公开页面列出更正说明。"
                    "只改错别字、标点、排版时不勾选，公开页面仅显示最后修订日期。")
    correction_note = TextAreaField(
        "更正说明", validators=[Length(max=500, message="更正说明不能超过 500 个字。")],
        description="勾选“实质性修改”时必填：说明更正了什么、为什么更正，将向公众公开。")
    suspected_checked = BooleanField(
        "疑似号码已经人工核对，不是个人信息",
        description="只在提示“疑似”号码（如校验位不符的编号）时勾选；确定的身份证号、手机号仍须打码。")


class ReviewForm(ChineseForm):
    comment = TextAreaField("审核意见", validators=[Length(max=1000)])


class WithdrawForm(ChineseForm):
    reason = TextAreaField("撤回原因", validators=[DataRequired("请填写撤回原因。"),
                                               Length(max=500)])


class AttachmentForm(ChineseForm):
    files = MultipleFileField(
        "附件", description="支持 PDF、OFD、Word、Excel、JPG、PNG，单个不超过 20 MB。")


class ActionForm(ChineseForm):
    """An empty form: just the CSRF token for one-button actions."""
