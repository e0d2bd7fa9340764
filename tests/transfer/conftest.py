"""A folder of an earlier site's files and its metadata table, as a county hands them in."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attachments.conftest import docx_bytes, paragraph, png_bytes
from tests.disclosures.conftest import draft_input, published, staff  # noqa: F401
from tests.privacy_values import id_number
from tests.sample_files import chinese_pdf
from tests.search.corpus import answer, people  # noqa: F401
from tests.villages.conftest import notice_input, published_notice, village_staff  # noqa: F401

HEADER = ("标题,发布机构,公开类别,成文日期,发布日期,发文字号,索引号,主题分类,主题词,有效性,"
          "废止日期,信息来源,正文文件,正文,附件")


@pytest.fixture
def old_site(tmp_path, orgs) -> Path:
    """The files of three documents (and a few bad ones) in one folder."""
    folder = tmp_path / "old-site"
    folder.mkdir()
    (folder / "实施方案.pdf").write_bytes(chinese_pdf("双塔镇农村人居环境整治实施方案"))
    (folder / "预算表.pdf").write_bytes(chinese_pdf("2019年预算安排表"))
    (folder / "通知正文.docx").write_bytes(docx_bytes(
        paragraph("各村、各站所：") + paragraph("现将有关事项通知如下，请认真贯彻落实。")))
    (folder / "名单.pdf").write_bytes(chinese_pdf(
        "低保名单 王某某 身份证号 " + id_number("410421", "19800101", "123")))
    (folder / "扫描件.png").write_bytes(png_bytes())
    return folder


@pytest.fixture
def three_documents(orgs) -> str:
    town_code = orgs["town"].credit_code
    rows = [
        f"双塔镇农村人居环境整治实施方案,shuangta,决策,2019-03-05,2019-03-08 10:30,"
        f"双政〔2019〕3号,{town_code}/2019-00012,城乡建设、环境保护,人居环境 整治,有效,,"
        ",,为改善农村人居环境制定本方案。,实施方案.pdf;预算表.pdf",
        "关于开展安全生产大检查的通知,双塔镇党政办公室,执行公开,2018/5/30,2018年6月1日,"
        "双政办〔2018〕9号,005341123/2018-001,市场监管、安全生产监管,,,,"
        ",通知正文.docx,,",
        "民权县2017年度政府信息公开工作年度报告,minquan,结果,,2018-01-20,,,综合政务,"
        "年度报告,废止,2020-01-01,县政府办公室,,一、总体情况\n\n二、主动公开情况,",
    ]
    return HEADER + "\n" + "\n".join(_quote(row) for row in rows) + "\n"


def _quote(row: str) -> str:
    """Quote the one cell with a line break in it."""
    return row.replace("一、总体情况\n\n二、主动公开情况", '"一、总体情况\n\n二、主动公开情况"')
