"""Every select in the portal's forms renders exactly as WTForms' own widget would, with the
person's choice still selected when the form comes back, though each plain option's
markup is made only once per process (`portal.forms.Select`)."""

from __future__ import annotations

from markupsafe import Markup
from wtforms import SelectField, SelectMultipleField, widgets
from wtforms.fields import SelectChoice

from portal.forms import ChineseForm, Select

CHOICES = [SelectChoice("", "请选择"), SelectChoice("town:shuangta", "双塔镇 <人民政府>"),
           SelectChoice(7, Markup("<b>七</b>")), SelectChoice(True, "是"), SelectChoice(1, "一"),
           SelectChoice("x", "带属性", render_kw={"data-k": "v"})]


class _Form(ChineseForm):
    class Meta:
        csrf = False

    place = SelectField("受理单位", choices=CHOICES, validate_choice=False)
    many = SelectMultipleField("多选", choices=[SelectChoice("a", "甲"),
                                                SelectChoice("b", "乙")])


def _wtforms_own(field) -> str:
    return widgets.Select(multiple=field.widget.multiple)(field)


def test_the_markup_is_wtforms_own_for_every_selection(app):
    with app.test_request_context():
        for value in ("", "town:shuangta", 7, True, 1, "x", "absent"):
            form = _Form(data={"place": value, "many": ["b"]})
            assert type(form.place.widget) is Select
            assert str(form.place()) == _wtforms_own(form.place)
            assert str(form.many()) == _wtforms_own(form.many)


def test_the_choice_comes_back_selected_and_others_are_not(app):
    with app.test_request_context():
        first = str(_Form(data={"place": "town:shuangta"}).place())
        again = str(_Form(data={"place": ""}).place())
    assert '<option selected value="town:shuangta">双塔镇 &lt;人民政府&gt;</option>' in first
    assert '<option value="town:shuangta">' in again
    assert '<option selected value="">请选择</option>' in again
    # 1 and True are different options, each selected only when chosen
    assert '<option value="True">是</option>' in first and '<option value="1">一</option>' in first
