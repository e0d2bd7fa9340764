"""What people type finds what they mean. PDF writers put radical code points (⺠ U+2EA0,
⻓, ⻅, ⻔, ⻚) where the page shows 民, 长, 见, 门, 页: the text is folded before indexing
and scanning, so typing 民权县 finds the file. A year is read as people write it."""

from portal.attachments import text as extract
from portal.disclosures.models import Category
from portal.textnorm import fold
from tests.sample_files import ofd
from tests.search.corpus import chinese_pdf, upload

RADICAL_TEXT = "⺠权县⻔前路灯维修⽅案，⻓期有效，⻅第⼆⻚"


def test_fold_reads_radicals_as_the_ideographs_they_stand_for():
    assert fold(RADICAL_TEXT) == "民权县门前路灯维修方案,长期有效,见第二页"
    assert fold("ＡＢＣ　１２３") == "ABC 123"
    assert fold("⺀⺁") == "冫厂"
    assert fold("民权县") == "民权县"


# The twelve code points of the compatibility block that are unified ideographs themselves.
UNIFIED_IN_COMPATIBILITY_BLOCK = {0xFA0E, 0xFA0F, 0xFA11, 0xFA13, 0xFA14, 0xFA1F, 0xFA21,
                                  0xFA23, 0xFA24, 0xFA27, 0xFA28, 0xFA29}


def _ideograph(text: str) -> bool:
    return len(text) == 1 and (0x3400 <= ord(text) <= 0x9FFF or ord(text) >= 0x20000
                               or ord(text) in UNIFIED_IN_COMPATIBILITY_BLOCK)


def test_every_kangxi_radical_and_compatibility_ideograph_folds_to_an_ideograph():
    import unicodedata

    blocks = [*range(0x2F00, 0x2FE0), *range(0xF900, 0xFB00)]
    assigned = [chr(cp) for cp in blocks if unicodedata.category(chr(cp)) != "Cn"]
    assert len(assigned) > 600
    assert [hex(ord(ch)) for ch in assigned if not _ideograph(fold(ch))] == []
    assert fold("\u2F08\uF9A8\u2F45") == "人令方"


def test_extracted_pdf_text_is_folded(tmp_path):
    path = tmp_path / "方案.pdf"
    path.write_bytes(chinese_pdf(RADICAL_TEXT))
    reading = extract.read_path("pdf", str(path), "方案.pdf", 10_000)
    assert "民权县门前路灯维修方案" in reading.text


def test_a_pdf_with_radical_code_points_is_found_by_what_it_shows(client, publish):
    publish("town", "双塔镇路灯维修方案", "见附件。", Category.EXECUTION,
            files=[upload(chinese_pdf(RADICAL_TEXT), "方案.pdf")])
    page = client.get("/search?q=民权县").get_data(as_text=True)
    assert "双塔镇路灯维修方案" in page


def test_an_ofd_attachment_is_found_by_its_text_and_served_as_ofd(client, publish):
    doc = publish("town", "双塔镇路灯维修通知", "见附件。", Category.EXECUTION,
                  files=[upload(ofd("关于⻔前路灯维修的通知", "维修单位：民权县明光照明公司"),
                                "维修通知.ofd")])

    page = client.get("/search?q=明光照明").get_data(as_text=True)
    assert "双塔镇路灯维修通知" in page
    assert "双塔镇路灯维修通知" in client.get("/search?q=门前").get_data(as_text=True)
    file_id = doc.attachments[0].stored_file_id
    download = client.get(f"/disclosures/{doc.id}/attachments/{file_id}")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/ofd"
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=attachment.ofd; "
        "filename*=UTF-8''%E7%BB%B4%E4%BF%AE%E9%80%9A%E7%9F%A5.ofd")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_a_year_is_understood_as_people_type_it(client, publish):
    publish("town", "双塔镇2026年工作要点", "正文", Category.DECISION)
    for typed in ("2026", "2026年", "２０２６", " 2026 年 "):
        page = client.get("/disclosures/", query_string={"year": typed})
        assert page.status_code == 200 and "双塔镇2026年工作要点" in page.get_data(as_text=True)
    for typed in ("去年", "26", "2026年度", "3000"):
        refused = client.get("/disclosures/", query_string={"year": typed})
        assert refused.status_code == 400
        assert "请写四位数字，如 2023 或 2023年" in refused.get_data(as_text=True)
