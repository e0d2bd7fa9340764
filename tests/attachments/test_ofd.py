"""OFD attachments (GB/T 33190): their text is read page by page as a person sees it, and
a damaged one is refused on upload with a message saying so."""

import pytest

from portal.attachments import text as extract
from portal.attachments.storage import save_upload
from portal.errors import ValidationError
from portal.extensions import db
from tests.sample_files import OFD_NS, ofd

NOTICE = "民权县双塔镇低保名单公示\n张三 身份证号：410421199001011234"


@pytest.mark.parametrize("per_character", [True, False], ids=["per-character", "per-line"])
def test_the_text_of_each_page_is_read_line_by_line(tmp_path, per_character):
    path = tmp_path / "公示.ofd"
    path.write_bytes(ofd(NOTICE, "第二页：监督电话 0370-8123456", per_character=per_character))

    reading = extract.read_path("ofd", str(path), "公示.ofd", 10_000)

    assert reading.complete
    assert [(piece.where, piece.text) for piece in reading.pieces] == [
        ("第 1 页", "民权县双塔镇低保名单公示 张三 身份证号:410421199001011234"),
        ("第 2 页", "第二页:监督电话 0370-8123456")]


def test_radical_code_points_in_an_ofd_are_read_as_the_ideographs_shown(tmp_path):
    path = tmp_path / "方案.ofd"
    path.write_bytes(ofd("⺠权县⻔前路灯维修⽅案"))

    assert extract.read_path("ofd", str(path), "方案.ofd", 10_000).text == "民权县门前路灯维修方案"


def _parts(**changes) -> dict[str, str | bytes]:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(ofd("第一页"))) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts.update(changes)
    return {name: value for name, value in parts.items() if value is not None}


ENTITY_BOMB = ('<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa">'
               '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
               f'<ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content><ofd:Layer><ofd:TextObject>'
               "<ofd:TextCode>&b;</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content>"
               "</ofd:Page>")


@pytest.mark.parametrize("make", [
    lambda s: ofd("第一页")[:200],
    lambda s: b"PK\x03\x04 not a package",
    lambda s: s.zip(_parts(**{"OFD.xml": "<ofd:OFD"})),
    lambda s: s.zip(_parts(**{"Doc_0/Document.xml": None})),
    lambda s: s.zip(_parts(**{"Doc_0/Pages/Page_0/Content.xml": None})),
    lambda s: s.zip(_parts(**{"Doc_0/Pages/Page_0/Content.xml": "<ofd:Page><ofd:Content>"})),
    lambda s: s.zip(_parts(**{"Doc_0/Pages/Page_0/Content.xml": ENTITY_BOMB})),
], ids=["truncated", "not-a-package", "broken-ofd-xml", "no-document", "no-page",
        "broken-page", "entities"])
def test_a_damaged_ofd_is_refused_and_nothing_is_kept(app, samples, upload_folder, make):
    with pytest.raises(ValidationError) as refused:
        save_upload(samples.upload("公示.ofd", make(samples)), None)

    assert refused.value.message == ("OFD 文件“公示.ofd”已损坏或不完整，无法打开。"
                                     "请用原来的软件重新导出（或另存）后再上传。")
    assert refused.value.action == "attachment.reject"
    assert samples.files_under(upload_folder) == []
    assert not db.session.new


def test_a_truncated_word_file_is_called_damaged_too(app, samples, upload_folder):
    with pytest.raises(ValidationError, match=r"DOCX 文件“通知\.docx”已损坏或不完整"):
        save_upload(samples.upload("通知.docx", samples.docx()[:300]), None)


def test_upload_parses_pages_only_up_to_its_budget(samples, tmp_path, monkeypatch):
    from portal.attachments import ofd as reader

    path = tmp_path / "大文件.ofd"
    path.write_bytes(samples.zip(_parts(**{"Doc_0/Pages/Page_0/Content.xml": "<ofd:Page"})))
    with pytest.raises(reader.DamagedOfd):
        reader.verify(path)
    monkeypatch.setattr(reader, "MAX_VERIFIED_BYTES", 5)
    reader.verify(path)  # the bounded reading for the scan finds it unreadable later
    path.write_bytes(samples.zip(_parts(**{"Doc_0/Pages/Page_0/Content.xml": None})))
    with pytest.raises(reader.DamagedOfd, match="missing"):
        reader.verify(path)
