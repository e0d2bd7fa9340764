from wtforms import SelectField, StringField
from wtforms.fields import SelectChoice

from portal.forms import ChineseForm
from portal.organizations.models import KIND_LABELS, OrgKind


class OrganizationForm(ChineseForm):
    """The fields of a unit; names, codes and numbers are checked by the services."""

    parent = SelectField("上级单位", coerce=int)
    name = StringField("名称",
                       description="菜单和列表中显示的简称，如“双塔镇”“党政办公室”“双塔村”。")
    formal_name = StringField("全称（选填）",
                              description="发布信息时署名的全称，如“民权县双塔镇人民政府”。")
    credit_code = StringField("统一社会信用代码（选填）",
                              description="18 位，按 GB 32100-2015 校验；站所和村没有时留空，"
                                          "索引号使用上级单位的代码。")
    sort_order = StringField("排序", default="0", description="整数，数字小的排在前面。")

    def values(self) -> dict:
        return {"name": self.name.data, "formal_name": self.formal_name.data,
                "credit_code": self.credit_code.data, "sort_order": self.sort_order.data}


class NewOrganizationForm(OrganizationForm):
    kind = SelectField("类型", choices=[SelectChoice(kind.value, KIND_LABELS[kind]) for kind in
                                        (OrgKind.TOWN, OrgKind.DEPARTMENT, OrgKind.VILLAGE)])
    slug = StringField("英文标识（选填）",
                       description="小写英文字母、数字和连字符，如 shuangta-cun；"
                                   "用于网址和导入导出，创建后不能修改。不填时自动生成。")
