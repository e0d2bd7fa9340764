"""The ways residents actually write numbers: groups with spaces or dashes of every width,
full-width digits, 15-digit ID numbers, a mistyped check digit, account numbers after 账号.
Each is found and masked; dates, amounts, landlines and codes are not."""

import re
from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.privacy import PersonalDataKind, mask, mask_value, scan
from tests.privacy_values import (
    ACCOUNT_19,
    CARD_16,
    CARD_19,
    VALID_ID,
    X_ID,
    card_number,
    full_width,
    grouped,
    id_number,
    luhn_ok,
    not_luhn,
    wrong_check,
)

ID = PersonalDataKind.ID_NUMBER
MOBILE = PersonalDataKind.MOBILE
CARD = PersonalDataKind.BANK_CARD

SPACES = [" ", "\u3000", "\u00a0"]
DASHES = ["-", "－", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212"]
SEPARATORS = SPACES + DASHES
ID_GROUPINGS = [(6, 8, 4), (6, 4, 4, 4), (3, 3, 4, 4, 4), (4, 4, 4, 4, 2)]
MOBILE_GROUPINGS = [(3, 4, 4), (3, 8), (4, 3, 4)]
CARD_GROUPINGS = [(4, 4, 4, 4), (4, 4, 4, 4, 3)]
MOBILE_VALUE = "13812345678"
ID15 = "410421900101123"
ACCOUNT_WORDS = ["账号", "帐号", "卡号", "账户", "帐户", "存折", "银行", "开户行", "银行卡", "折号"]
JOINERS = ["", "：", ":", " ", "为", "是", "为：", "是 "]
ASCII = str.maketrans("０１２３４５６７８９Ｘ", "0123456789X")


def plain(text: str) -> str:
    """ASCII digits and stars without separators: what a reader could piece a number from."""
    return re.sub(r"[^0-9X*]", "", text.translate(ASCII))


def kinds(text: str) -> list[PersonalDataKind]:
    return [finding.kind for finding in scan(text)]


def only(text: str):
    [finding] = scan(text)
    assert text[finding.start:finding.end] == finding.text
    return finding


# --- Groupings and separators ---------------------------------------------------------------

@pytest.mark.parametrize("separator", SEPARATORS)
@pytest.mark.parametrize("sizes", ID_GROUPINGS)
def test_grouped_id_numbers_are_found(sizes, separator):
    written = grouped(VALID_ID, sizes, separator)
    finding = only(f"身份证号：{written}。")
    assert (finding.kind, finding.text) == (ID, written)
    assert finding.masked == f"410421********{VALID_ID[-4:]}"


@pytest.mark.parametrize("separator", SEPARATORS)
@pytest.mark.parametrize("sizes", MOBILE_GROUPINGS)
def test_grouped_mobiles_are_found(sizes, separator):
    written = grouped(MOBILE_VALUE, sizes, separator)
    finding = only(f"电话{written}，")
    assert (finding.kind, finding.text, finding.masked) == (MOBILE, written, "138****5678")


@pytest.mark.parametrize("separator", SEPARATORS)
@pytest.mark.parametrize("value", [CARD_16, CARD_19])
def test_cards_in_fours_are_found(value, separator):
    written = grouped(value, CARD_GROUPINGS[len(value) == 19], separator)
    finding = only(f"转入{written}。")
    assert (finding.kind, finding.text) == (CARD, written)
    assert finding.masked == f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


@pytest.mark.parametrize("written", [
    "+86 138 1234 5678", "+86-138-1234-5678", "86 138 12345678", "0086 1381 234 5678",
    "+86 13812345678", "＋８６　１３８　１２３４　５６７８", "+86—138—1234—5678",
    "０086-138-１２34-5678",
])
def test_country_code_before_a_grouped_mobile_is_part_of_it(written):
    finding = only(f"请拨{written}。")
    assert (finding.kind, finding.text, finding.masked) == (MOBILE, written, "138****5678")


@pytest.mark.parametrize("written", [
    full_width(VALID_ID), full_width(VALID_ID[:9]) + VALID_ID[9:],
    VALID_ID[:4] + full_width(VALID_ID[4:11]) + VALID_ID[11:],
    grouped(full_width(VALID_ID), (6, 8, 4), "\u3000"),
    grouped(full_width(VALID_ID[:10]) + VALID_ID[10:], (6, 4, 4, 4), "－"),
    X_ID[:17] + "Ｘ", full_width(X_ID[:17]) + "ｘ",
])
def test_full_width_and_mixed_width_digits_are_found(written):
    finding = only(f"身份证{written}")
    assert finding.kind is ID and finding.masked.isascii() and "*" in finding.masked


@pytest.mark.parametrize("text", [
    "2023-01-01 138 1234 5678", "138 1234 5678 2023-01-01", "138-1234-5678 9",
    "2 138-1234-5678", "电话：138\u30001234 5678", "电话：138－1234\u20145678",
])
def test_one_kind_of_separator_throughout_and_another_next_to_it(text):
    """Spaces of any width are one kind of separator and dashes another; a grouping written
    with one kind is not carried on by a number joined to it with the other."""
    assert kinds(text) == [MOBILE]


@pytest.mark.parametrize("text", [
    "138 1234 5678 9", "1 138 1234 5678", "138-1234-5678-9012", "2-138-1234-5678",
    "138-1234 5678", "138 1234-5678", "138　1234-5678", "1381 2345 678", "13 8123 45678",
    "138  1234  5678", "138--1234--5678", "138.1234.5678", "138_1234_5678",
    f"{grouped(VALID_ID, (6, 8, 4), ' ')} 5", f"9-{grouped(VALID_ID, (6, 8, 4), '-')}",
    grouped(VALID_ID, (6, 8, 4), " ")[:-1] + "-" + VALID_ID[-1],
    grouped(VALID_ID, (6, 6, 6), " "), grouped(VALID_ID, (9, 9), "-"),
    f"{grouped(CARD_16, CARD_GROUPINGS[0], '-')}-1234", grouped(CARD_16 + "1234", [4] * 5, " "),
    grouped(CARD_19, (4, 5, 5, 5), " "),
])
def test_groupings_that_carry_on_or_are_not_ours_are_not_found(text):
    assert scan(text) == []


@pytest.mark.parametrize("text", [
    "2023-01-01", "2023 01 01", "2023－01－01至2023－12－31", "金额1,234.56元", "1 234 567.89",
    "0370-1234567", "0370 1234 5678", "010-12345678", "010 1234 5678", "(010)8888 8888",
    "400-123-4567", "订单号 2023 0101 1234 5672", "订单号202301011234567", "PO-1381234-5678",
    "138****5678", "410421********1234", "6222 **** **** 1234", "410421******123",
    "138 **** 5678", "第138－1234号",
])
def test_dates_amounts_landlines_codes_and_masked_values_are_not_found(text):
    assert scan(text) == []


@pytest.mark.parametrize("text", ["建设路**13812345678", f"*{VALID_ID}*", "(*)13812345678"])
def test_a_whole_value_next_to_stars_is_still_found(text):
    assert len(scan(text)) == 1
    assert scan(mask(text)) == []


# --- ID numbers: a mistyped check digit, the first generation ------------------------------

@pytest.mark.parametrize("sizes", [(18,), *ID_GROUPINGS])
def test_wrong_check_digit_with_a_real_date_and_province_is_a_suspected_id(sizes):
    wrong = wrong_check(VALID_ID)
    finding = only(f"身份证号{grouped(wrong, sizes, ' ')}。")
    assert (finding.kind, finding.suspected, finding.label) == (ID, True, "疑似身份证号")
    assert finding.masked == f"410421********{wrong[-4:]}"


def test_values_that_pass_their_check_are_not_suspected():
    findings = scan(f"身份证{VALID_ID}，手机13812345678，卡号{CARD_16}，老身份证{ID15}")
    assert [(f.label, f.suspected) for f in findings] == [
        ("身份证号", False), ("手机号", False), ("银行卡号", False), ("身份证号", False)]


@pytest.mark.parametrize(("region", "birth"), [
    ("410421", "19900230"), ("410421", "18991231"), ("410421", "20990101"),
    ("410421", "19901301"), ("990421", "19900101"), ("100421", "19900101"),
    ("720101", "19900101"),
])
def test_wrong_check_digit_with_an_impossible_date_or_province_is_no_id(region, birth):
    assert ID not in kinds(wrong_check(id_number(region, birth, "123")))


@pytest.mark.parametrize("written", [
    ID15, "410421 900101 123", "410421-900101-123", full_width(ID15), "110105491231002",
    "410421\u3000９００１０１\u3000123", "820101960229123",
])
def test_first_generation_id_numbers_are_found(written):
    finding = only(f"身份证：{written}")
    assert (finding.kind, finding.suspected, finding.label) == (ID, False, "身份证号")
    digits = plain(written)
    assert finding.masked == f"{digits[:6]}******{digits[-3:]}" == mask_value(ID, digits)


@pytest.mark.parametrize("text", [
    "990421900101123", "410421901301123", "410421900230123", "410421010229123",
    "410421 9001 01123", "410421 900101 123 4", "1 410421 900101 123", "410421900101123a",
    "410421-900101 123", "单号202301011234567",
])
def test_fifteen_digits_without_a_real_province_and_date_are_no_id(text):
    assert ID not in kinds(text)


# --- Account numbers that fail Luhn, after an account word ----------------------------------

def test_the_account_number_helper_fails_luhn():
    assert not luhn_ok(ACCOUNT_19) and len(ACCOUNT_19) == 19


@pytest.mark.parametrize("joiner", JOINERS)
@pytest.mark.parametrize("word", ACCOUNT_WORDS)
def test_account_numbers_after_an_account_word_are_found_without_luhn(word, joiner):
    finding = only(f"请将补贴打入{word}{joiner}{ACCOUNT_19}。")
    assert (finding.kind, finding.suspected, finding.label) == (CARD, True, "银行账号")
    assert (finding.text, finding.masked) == (ACCOUNT_19, f"6228{'*' * 11}{ACCOUNT_19[-4:]}")


@pytest.mark.parametrize("written", [
    grouped(ACCOUNT_19, (4, 4, 4, 4, 3), " "), grouped(ACCOUNT_19, (4, 4, 4, 4, 3), "—"),
    full_width(ACCOUNT_19), not_luhn("622848001234567"), not_luhn("6228480012345670"),
    not_luhn("62284800123456703"), grouped(not_luhn("622848001234567"), (4, 4, 4, 4), "-"),
])
def test_account_numbers_of_16_to_19_digits_in_any_grouping_are_found(written):
    finding = only(f"开户行：中国农业银行双塔分理处，账号：{written}")
    assert (finding.kind, finding.label, finding.text) == (CARD, "银行账号", written)


@pytest.mark.parametrize("text", [
    f"账号{'。' * 10}{ACCOUNT_19}", f"帳號：{ACCOUNT_19}", f"存摺 {ACCOUNT_19}",
    f"开户银行：农行双塔分理处 {ACCOUNT_19}",
])
def test_the_account_word_may_be_up_to_twelve_characters_before(text):
    assert kinds(text) == [CARD]


@pytest.mark.parametrize("text", [
    ACCOUNT_19, f"编号{ACCOUNT_19}", f"{ACCOUNT_19}是账号", f"账号{'。' * 11}{ACCOUNT_19}",
    f"账号：{ACCOUNT_19[:15]}", f"账号：{ACCOUNT_19}0", f"账号：A{ACCOUNT_19}",
    f"账号：{ACCOUNT_19[:4]}***********{ACCOUNT_19[-4:]}", f"银行卡号：{ACCOUNT_19}9",
    f"账号：{grouped(ACCOUNT_19, (4, 4, 4, 4, 3), ' ')} 1",
])
def test_account_numbers_without_a_close_account_word_or_of_other_lengths_are_not_found(text):
    assert scan(text) == []


def test_an_id_number_after_an_account_word_is_still_an_id_number():
    assert [f.label for f in scan(f"银行卡号：{wrong_check(VALID_ID)}")] == ["疑似身份证号"]


# --- Generated forms in random text --------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    """A value as a resident wrote it, what it should be found as, and what precedes it."""

    kind: PersonalDataKind
    suspected: bool
    written: str
    context: str = "："


@st.composite
def written_as(draw, value: str, groupings: list[tuple[int, ...]]) -> str:
    """`value` contiguous or in one of `groupings`, any separator, digits of either width."""
    sizes = draw(st.sampled_from([(len(value),), *groupings]))
    separator = draw(st.sampled_from(SEPARATORS))
    wide = draw(st.lists(st.booleans(), min_size=len(value), max_size=len(value)))
    return grouped("".join(map(_width, value, wide)), sizes, separator)


def _width(char: str, wide: bool) -> str:
    return full_width(char) if wide else char


PROVINCES = ["11", "12", "13", "31", "32", "41", "44", "46", "50", "54", "65", "71", "81", "91"]
four_digits = st.from_regex(r"[0-9]{4}", fullmatch=True)
three_digits = st.from_regex(r"[0-9]{3}", fullmatch=True)
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31))
id_numbers = st.builds(lambda p, r, born, n: id_number(p + r, born.strftime("%Y%m%d"), n),
                       st.sampled_from(PROVINCES), four_digits, births, three_digits)
first_generation = st.builds(lambda p, r, born, n: p + r + born.strftime("%y%m%d") + n,
                             st.sampled_from(PROVINCES), four_digits,
                             st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)),
                             three_digits)
# UnionPay cards of 16, 17 or 19 digits (18 could also be an ID number; then the ID wins).
cards = st.from_regex(r"62[0-9]{13,14}|62[0-9]{16}", fullmatch=True).map(card_number)
mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
# Account numbers of 16-19 digits that fail Luhn; a year from 3000 on keeps 18 from being an ID.
accounts = st.from_regex(r"62[0-9]{4}[3-9][0-9]{8,11}", fullmatch=True).map(not_luhn)
account_words = st.builds(lambda word, between, joiner: word + between + joiner,
                          st.sampled_from(ACCOUNT_WORDS),
                          st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
                                  max_size=4),
                          st.sampled_from(JOINERS))


@st.composite
def prefixed_mobiles(draw) -> str:
    """A mobile, grouped or not, after nothing or a country code in the same separator."""
    body = draw(written_as(draw(mobiles), MOBILE_GROUPINGS))
    prefix = draw(st.sampled_from(["", "+86", "86", "0086", "＋８６", "００８６"]))
    separators = re.findall(r"[^0-9０-９]", body) or ["", *SEPARATORS]
    return prefix + draw(st.sampled_from(separators)) + body if prefix else body


def in_fours(value: str) -> list[tuple[int, ...]]:
    """The card grouping for `value`: fours, and the rest in a last group."""
    return [(4, 4, 4, 4, len(value) - 16)] if len(value) > 16 else [(4, 4, 4, 4)]


samples = st.one_of(
    st.builds(Sample, st.just(ID), st.just(False), id_numbers.flatmap(
        lambda value: written_as(value, ID_GROUPINGS))),
    st.builds(Sample, st.just(ID), st.just(True), id_numbers.map(wrong_check).flatmap(
        lambda value: written_as(value, ID_GROUPINGS))),
    st.builds(Sample, st.just(ID), st.just(False), first_generation.flatmap(
        lambda value: written_as(value, [(6, 6, 3)]))),
    st.builds(Sample, st.just(MOBILE), st.just(False), prefixed_mobiles()),
    st.builds(Sample, st.just(CARD), st.just(False), cards.flatmap(
        lambda value: written_as(value, in_fours(value)))),
    st.builds(Sample, st.just(CARD), st.just(True), accounts.flatmap(
        lambda value: written_as(value, in_fours(value))), account_words),
)
# Random Chinese and ASCII text without digits, so that only the samples are values.
filler = st.text(alphabet=st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from("abcXYZ +-*.,:;()\n，。：、（）　")), max_size=10)


def embed(lead: str, pieces: list[tuple[Sample, str]]) -> str:
    return lead + "".join(f"{sample.context}{sample.written}。{tail}" for sample, tail in pieces)


@settings(max_examples=250, deadline=None)
@given(filler, st.lists(st.tuples(samples, filler), min_size=1, max_size=3))
def test_every_form_in_random_text_is_found_and_masked(lead, pieces):
    text = embed(lead, pieces)

    found = [(f.kind, f.suspected, f.text) for f in scan(text)]
    assert found == [(s.kind, s.suspected, s.written) for s, _tail in pieces]
    masked = mask(text)
    assert scan(masked) == []
    for sample, _tail in pieces:
        assert plain(sample.written) not in plain(masked)


@settings(max_examples=100, deadline=None)
@given(samples, st.sampled_from(SEPARATORS), st.sampled_from(["5", "５", "12"]))
def test_a_grouping_that_carries_on_is_not_found(sample, separator, more):
    groups = re.split(r"[^0-9０-９XＸ+＋]", sample.written)
    own_separator = re.sub(r"[0-9０-９XＸ+＋]", "", sample.written)[:1]
    if len(groups) < 2 or max(map(len, groups)) >= 11:
        return
    carried = sample.written + (own_separator or separator) + more
    assert sample.written not in [f.text for f in scan(f"{sample.context}{carried}。")]


# --- Scanning stays linear ------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("1 " * 100_000, 0), ("1-" * 100_000, 0), ("1 1-" * 50_000, 0), ("１２３４　" * 40_000, 0),
    ("1" * 200_000, 0), ("1X" * 100_000, 0), ("+86 " * 50_000, 0), ("1\u2014 " * 66_000, 0),
    (f"{grouped(CARD_16, CARD_GROUPINGS[0], ' ')} " * 10_000, 0),
    ("13812345678 " * 16_000, 16_000), ("账号 " + "6" * 199_990, 0),
])
def test_long_adversarial_text_is_scanned_in_one_pass(text, expected):
    assert len(scan(text)) == expected
