from wtforms import BooleanField, StringField, TextAreaField

from portal.forms import ChineseForm


class EntryForm(ChineseForm):
    """Parses the entry form; the service validates and explains."""

    level1 = StringField("一级事项")
    level2 = StringField("二级事项")
    content = TextAreaField("公开内容（要素）")
    basis = TextAreaField("公开依据", description="法律、法规、规章或规范性文件的名称和条款。")
    time_limit = StringField("公开时限",
                             description="如：信息形成或者变更之日起20个工作日内；每季度。")
    max_age_days = StringField(
        "时效天数", default="365",
        description="最新一条公开信息早于这么多天（或尚无信息）时，目录中标注“未按时更新”。"
        "每季度填 92，每年填 366。")
    subject = StringField("公开主体", default="乡镇人民政府")
    channels = StringField("公开渠道和载体", default="政府网站、政务公开栏")
    audience = StringField("公开对象", default="全社会")
    manner = StringField("公开方式", default="主动公开")
    tier = StringField("公开层级", default="乡级")
    position = StringField("排序", default="0", description="数字小的排在前面。")
    active = BooleanField("在用（停用后不再出现在目录和选择列表中）", default=True)


class GuideForm(ChineseForm):
    office = StringField("受理机构", description="如：双塔镇党政办公室（政务公开办）。")
    address = StringField("办公地址")
    postal_code = StringField("邮政编码")
    hours = StringField("办公时间",
                        description="如：工作日 8:30—12:00，14:30—17:30（法定节假日除外）。")
    phone = StringField("咨询电话")
    fax = StringField("传真号码", description="带区号，如 0370-8123457；没有传真的不填。")
    email = StringField("电子邮箱（选填）")
    how_to_apply = TextAreaField("申请方式",
                                 description="当面、邮寄、网上申请的具体办法和所需材料。")
    remedies = TextAreaField("监督和救济", description="投诉、举报渠道，行政复议和行政诉讼的途径。")
