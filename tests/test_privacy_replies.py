"""Published inquiry replies: the residents named in them and where they live cannot be made
out, while the village, the town and the road they write about stay readable."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.privacy import COMPOUND_SURNAMES, mask_addresses, mask_names, mask_reply, scan
from tests.privacy_values import VALID_ID, chinese

# --- Names ----------------------------------------------------------------------------------

def test_every_occurrence_of_a_name_keeps_only_the_surname():
    text = "张三反映的路灯问题已解决，张三表示满意。李四海未到场。"
    assert mask_names(text, ["张三", "李四海"]) == (
        "张某反映的路灯问题已解决，张某表示满意。李某未到场。")


@pytest.mark.parametrize("surname", COMPOUND_SURNAMES)
def test_compound_surnames_are_kept_whole(surname):
    assert mask_names(f"{surname}娜娜来信", [f"{surname}娜娜"]) == f"{surname}某来信"
    assert mask_names(f"{surname}明来电", [f"{surname}明"]) == f"{surname}某来电"


def test_the_seventeen_compound_surnames():
    assert set(COMPOUND_SURNAMES) == {
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
        "司徒", "夏侯", "轩辕", "令狐", "钟离", "端木"}


def test_a_two_character_name_is_surname_and_given_name_even_if_it_looks_compound():
    assert mask_names("欧阳来信", ["欧阳"]) == "欧某来信"


def test_one_character_and_empty_names_are_not_masked():
    text = "王反映：王家村的路不通。"
    assert mask_names(text, ["王", "", "  "]) == text
    assert mask_names(text, []) == text


def test_overlapping_names_longest_first():
    assert mask_names("张三丰与张三", ["张三", "张三丰"]) == "张某与张某"


def test_names_are_stripped_and_may_repeat():
    assert mask_names("赵六说", [" 赵六 ", "赵六"]) == "赵某说"


@pytest.mark.parametrize(("text", "names", "expected"), [
    ("Zhang San来电", ["Zhang San"], "Z某来电"),
    ("zhang  san与ZHANGSAN", ["Zhang San"], "Z某与Z某"),
    ("John Smith, Lisa Li.", ["John Smith", "Li"], "J某, Lisa L某."),
    ("O'Neil回复", ["O'Neil"], "O某回复"),
])
def test_latin_names_keep_their_initial_and_match_whole_words(text, names, expected):
    assert mask_names(text, names) == expected


# --- Addresses ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("双塔村3组15号", "双塔村**"),
    ("双塔村三组", "双塔村**"),
    ("双塔村第三村民小组", "双塔村**"),
    ("双塔村3组的村民反映", "双塔村**的村民反映"),
    ("河南省濮阳县城关镇双塔村3组15号", "河南省濮阳县城关镇双塔村**"),
    ("建设路88号", "建设路**"),
    ("建设路八十八号", "建设路**"),
    ("建设路８８号", "建设路**"),
    ("人民街东段12号", "人民街东段**"),
    ("人民街东段12-3号", "人民街东段**"),
    ("幸福小区3号楼2单元501室", "幸福小区**"),
    ("幸福小区 3号楼", "幸福小区 **"),
    ("柳巷5号", "柳巷**"),
    ("帽儿胡同甲3号", "帽儿胡同**"),
    ("住在2栋", "住在**"),
    ("12幢门口", "**门口"),
    ("第三村民小组", "**"),
    ("3组15号", "**"),
    ("双塔村门牌15号", "双塔村**"),
    ("门牌号：15", "**"),
    ("后街村二组，建设路88号，幸福小区5栋", "后街村**，建设路**，幸福小区**"),
])
def test_detail_below_the_village_or_road_is_masked(text, expected):
    assert mask_addresses(text) == expected


@pytest.mark.parametrize("text", [
    "2023年3月5日", "3月5号开会", "濮政〔2023〕12号", "国务院令第711号", "第12号公告",
    "共分为3组", "共5户", "5层楼高", "建设路", "幸福小区", "帽儿胡同", "双塔村", "城关镇",
    "电话0370-1234567", "金额1,234.56元", "138****5678",
])
def test_dates_document_numbers_counts_and_bare_place_names_are_left_alone(text):
    assert mask_addresses(text) == text


# --- Whole replies --------------------------------------------------------------------------

def test_a_reply_is_masked_for_names_addresses_and_numbers():
    text = (f"张三（双塔村3组15号，电话138 1234 5678，身份证{VALID_ID}）反映的问题，"
            "经核实，已由建设路88号的欧阳娜娜处理。")
    assert mask_reply(text, ["张三", "欧阳娜娜"]) == (
        f"张某（双塔村**，电话138****5678，身份证410421********{VALID_ID[-4:]}）反映的问题，"
        "经核实，已由建设路**的欧阳某处理。")


@pytest.mark.parametrize("text", [
    "建设路88号138 1234 5678", "建设路88号13812345678", f"双塔村3组{VALID_ID}",
    "幸福小区2单元138-1234-5678",
])
def test_a_number_right_after_a_masked_address_is_masked_too(text):
    masked = mask_reply(text, [])
    assert scan(masked) == [] and "****" in masked


# --- Properties -----------------------------------------------------------------------------

# Ideographs without 某 (a masked name's mark) or numerals, for names and the text around them.
ideographs = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF,
                           exclude_characters="某零〇一二三四五六七八九十百两")
names = st.one_of(
    st.text(ideographs, min_size=2, max_size=4),
    st.builds(str.__add__, st.sampled_from(COMPOUND_SURNAMES), st.text(ideographs, min_size=1,
                                                                      max_size=2)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(names, min_size=1, max_size=3), st.lists(st.tuples(chinese, st.integers(0, 2)),
                                                         min_size=1, max_size=5))
def test_no_given_name_survives(given_names, pieces):
    text = "".join(words + given_names[index % len(given_names)] for words, index in pieces)
    masked = mask_names(text, given_names)
    for name in given_names:
        assert name not in masked
    assert "某" in masked


VILLAGES = ["双塔", "王庄", "李家", "柳林", "新兴", "红旗", "后河", "东岗", "𠀀溪"]
details = st.lists(st.sampled_from([
    "3组", "三组", "第十二村民小组", "15号", "甲3号", "12-3号", "3号楼", "2单元", "501室",
    "2栋", "12幢", "门牌15号", "六队", "八十八号",
]), min_size=1, max_size=4).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(chinese, st.sampled_from(VILLAGES), details), min_size=1, max_size=3),
       chinese)
def test_village_names_survive_and_the_detail_below_them_does_not(places, tail):
    text = "".join(f"{words}{village}村{detail}" for words, village, detail in places) + tail
    masked = mask_addresses(text)
    for _words, village, detail in places:
        assert f"{village}村**" in masked and detail not in masked
    assert mask_addresses(masked) == masked


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(chinese, st.sampled_from(["", "建设路88号", "双塔村3组", "张三"]),
                          st.sampled_from(["", "13812345678", "138 1234 5678", VALID_ID])),
                max_size=4))
def test_a_masked_reply_has_no_personal_data_left(pieces):
    text = "".join(words + place + number for words, place, number in pieces)
    masked = mask_reply(text, ["张三"])
    assert scan(masked) == [] and "张三" not in masked


@pytest.mark.parametrize("text", [
    "1号" * 100_000, "村" + "1-" * 100_000 + "号", "第一" * 100_000, "一" * 200_000,
    "门牌" * 100_000, "甲1-1之" * 40_000, "路 " * 100_000, "Zhang " * 40_000 + "San",
])
def test_long_adversarial_replies_are_masked_in_one_pass(text):
    masked = mask_reply(text, ["Zhang San", "张三"])
    assert scan(masked) == [] and len(masked) <= len(text)
