"""A 公文 imported from Word reads as its 正文: level headings, no letterhead, no repeated
title, and the 文号, 发文机关 and 成文日期 it states."""

from datetime import date

import pytest

from portal.attachments import gongwen
from portal.attachments.word import import_docx

TITLE = "民权县人民政府关于印发双塔镇路灯维修实施方案的通知"


def test_level_headings_become_h2_to_h5_and_a_numbered_sentence_stays_a_paragraph(
        app, samples):
    result = import_docx(samples.upload("通知.docx", samples.docx(samples.gongwen_body())),
                         title=TITLE)

    html = result.html
    assert "<h2>一、总体要求</h2>" in html and "<h2>二、保障措施</h2>" in html
    assert "<h3>（一）加强组织领导。</h3>" in html
    assert "<h4>1.明确责任分工</h4>" in html
    assert "<h5>（1）镇长负总责</h5>" in html
    assert "<p>\u3000\u30001.各村要在3月底前完成摸底，摸底结果报镇党政办公室备案。</p>" in html
    assert result.found.headings == {1: 2, 2: 1, 3: 1, 4: 1}


def test_the_letterhead_and_the_title_already_typed_are_left_out(app, samples):
    result = import_docx(samples.upload("通知.docx", samples.docx(samples.gongwen_body())),
                         title=TITLE)

    html = result.html
    for gone in ("000012", "民权县人民政府文件", "民政发〔2023〕12号", "━", "关于印发"):
        assert gone not in html
    assert html.startswith("<p>各乡镇人民政府，县直各单位：</p>")
    # the signature, the date and the 版记 are the document's own and stay
    assert "<p>民权县人民政府</p><p>二〇二三年三月五日</p>" in html and "抄送：" in html
    assert result.found == gongwen.Found(
        doc_number="民政发〔2023〕12号", issuer="民权县人民政府", written_on="2023-03-05",
        title=TITLE, head_dropped=True, title_dropped=True, headings={1: 2, 2: 1, 3: 1, 4: 1})


def test_a_title_other_than_the_typed_one_stays_in_the_body(app, samples):
    result = import_docx(samples.upload("通知.docx", samples.docx(samples.gongwen_body())),
                         title="路灯维修方案（转发）")

    assert result.html.startswith("<p>民权县人民政府关于印发</p>")
    assert "民权县人民政府文件" not in result.html  # the letterhead goes all the same
    assert not result.found.title_dropped


@pytest.mark.parametrize("written", ["民政发[2023]12号", "民政发（2023）12号",
                                     "民政发〔2023〕12号　　　　签发人：李明"])
def test_doc_numbers_with_other_brackets_are_read_as_written_by_the_standard(
        app, samples, written):
    body = samples.gongwen_body(doc_number=written)
    result = import_docx(samples.upload("通知.docx", samples.docx(body)), title=TITLE)

    assert result.found.doc_number == "民政发〔2023〕12号"
    assert "12号" not in result.html


def test_cells_lose_their_first_line_indent(app, samples):
    result = import_docx(samples.upload("通知.docx", samples.docx(samples.gongwen_body())),
                         title=TITLE)

    assert ("<tr><td><p>项目</p></td><td><p>金额（元）</p></td></tr>"
            "<tr><td><p>道路硬化</p></td><td><p>120000</p></td></tr>") in result.html


def test_a_document_without_a_letterhead_keeps_everything_but_a_repeated_title(app, samples):
    body = "".join(samples.paragraph(text) for text in (
        "双塔镇2026年春季防火工作方案", "一、工作目标", "全镇不发生较大火灾。", "1.加强巡查"))
    result = import_docx(samples.upload("方案.docx", samples.docx(body)),
                         title="双塔镇2026年春季防火工作方案")

    assert result.html == ("<h2>一、工作目标</h2><p>全镇不发生较大火灾。</p>"
                           "<h3>1.加强巡查</h3>")  # no （一） level: 1. closes up to h3
    assert result.found.doc_number == "" and not result.found.head_dropped


def test_an_ordinary_first_paragraph_is_not_taken_for_a_title(app, samples):
    body = (samples.paragraph("近日，镇政府组织开展了路灯排查。")
            + samples.paragraph("排查共发现问题12处。"))
    result = import_docx(samples.upload("简报.docx", samples.docx(body)))

    assert result.html == "<p>近日，镇政府组织开展了路灯排查。</p><p>排查共发现问题12处。</p>"
    assert result.found.title == ""


@pytest.mark.parametrize(("text", "expected"), [
    ("2023年3月5日", date(2023, 3, 5)), ("二〇二三年三月五日", date(2023, 3, 5)),
    ("二○二三年十二月三十一日", date(2023, 12, 31)), ("（2023年10月20日）", date(2023, 10, 20)),
    ("二〇二三年二月三十日", None), ("2023年3月5日前完成", None),
])
def test_dates_in_arabic_and_chinese_numerals(text, expected):
    assert gongwen.parse_date(text) == expected


@pytest.mark.parametrize(("text", "level"), [
    ("一、总体要求", 1), ("十二、附则", 1), ("（三）强化监督。", 2), ("(三)强化监督", 2),
    ("2.完善制度", 3), ("2、完善制度", 3), ("（2）公开时限", 4),
    ("1.5万元用于路灯维修", None), ("1.各村要在月底前完成。", None),
    ("（一）加强组织领导。各村要成立工作专班，明确专人负责，确保按期完成。", None),
    ("一、工作目标：全镇不发生较大火灾", None),
])
def test_what_counts_as_a_heading(text, level):
    assert gongwen.heading_level(text) == level


def test_a_title_ending_in_wenjian_is_not_taken_for_a_letterhead(app, samples):
    body = (samples.paragraph("关于清理规范性文件") + samples.paragraph("一、清理范围")
            + samples.paragraph("2025年底前制发的文件。"))
    result = import_docx(samples.upload("清理.docx", samples.docx(body)), title="清理工作安排")

    assert result.html.startswith("<p>关于清理规范性文件</p><h2>一、清理范围</h2>")
    assert not result.found.head_dropped and result.found.issuer == ""


@pytest.mark.parametrize("cited", ["根据民政发〔2023〕12号", "按照民政发〔2023〕12号文件要求"])
def test_a_sentence_that_cites_a_doc_number_is_not_taken_for_one(app, samples, cited):
    body = "".join(samples.paragraph(text) for text in (
        "关于路灯排查的安排", cited, "一、排查范围"))
    result = import_docx(samples.upload("排查.docx", samples.docx(body)), title="路灯排查")

    assert result.found.doc_number == "" and not result.found.head_dropped
    assert result.html.startswith(f"<p>关于路灯排查的安排</p><p>{cited}</p>")
