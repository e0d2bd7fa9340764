"""The reviewer's diff of a revision's body: changed characters within a paragraph, long
unchanged stretches folded, a change of markup alone named as such."""

from portal.disclosures.revision_diff import FORMAT_ONLY, body_lines


def paragraphs(*texts: str) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


def test_a_changed_paragraph_marks_the_changed_characters():
    [line] = body_lines(paragraphs("补助标准为每人每月300元。"),
                        paragraphs("补助标准为每人每月350元。"))
    assert line.kind == "changed"
    assert line.pieces == [("same", "补助标准为每人每月3"), ("removed", "0"), ("added", "5"),
                           ("same", "0元。")]


def test_paragraphs_added_and_removed_are_whole_lines():
    lines = body_lines(paragraphs("第一段", "第二段"), paragraphs("第一段", "第三段", "第四段"))
    assert [(line.kind, line.text) for line in lines] == [
        ("same", "第一段"), ("removed", "第二段"), ("added", "第三段"), ("added", "第四段")]


def test_long_unchanged_stretches_are_folded_around_the_change():
    before = [f"第{i}段。" for i in range(10)]
    after = [*before[:5], "改过的第5段。", *before[6:]]
    lines = body_lines(paragraphs(*before), paragraphs(*after))
    kinds = [line.kind for line in lines]
    assert kinds == ["folded", "same", "changed", "same", "folded"]
    assert lines[0].text == "4 段未改动" and lines[1].text == "第4段。"


def test_a_change_of_markup_alone_is_named():
    assert [line.text for line in body_lines("<p>通知</p>", "<p><strong>通知</strong></p>")] \
        == [FORMAT_ONLY]
    assert body_lines("<p>通知</p>", "<p>通知</p>") == []
