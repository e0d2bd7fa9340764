"""Personal data in published text: ID numbers, mobiles and bank cards are found and masked,
and nothing else in a notice or a reply is touched."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from portal.privacy import (
    Finding,
    PersonalDataKind,
    has_personal_data,
    mask,
    mask_value,
    scan,
)
from tests.privacy_values import (
    CARD_16,
    CARD_19,
    VALID_ID,
    X_ID,
    card_number,
    chinese,
    grouped,
    id_number,
    luhn_ok,
    wrong_check,
)

ID = PersonalDataKind.ID_NUMBER
MOBILE = PersonalDataKind.MOBILE
CARD = PersonalDataKind.BANK_CARD


def kinds(text: str) -> list[PersonalDataKind]:
    return [finding.kind for finding in scan(text)]


def test_helpers_build_real_format_values():
    # 11010519491231002X is the example in GB 11643 itself.
    assert id_number("110105", "19491231", "002") == "11010519491231002X"
    assert X_ID.endswith("X")
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")
    assert len(CARD_16) == 16 and len(CARD_19) == 19


# --- ID numbers -----------------------------------------------------------------------------

@pytest.mark.parametrize("value", [VALID_ID, X_ID, X_ID.lower(), "11010519491231002X"])
def test_valid_id_numbers_are_found_and_masked(value):
    [finding] = scan(f"身份证号{value}。")
    assert finding == Finding(ID, 4, 22, value, value[:6] + "********" + value[14:].upper())
    assert ID.label == "身份证号"


def test_id_number_mask_keeps_first_six_and_last_four():
    assert mask(f"身份证号{VALID_ID}") == f"身份证号410421********{VALID_ID[-4:]}"
    assert mask(X_ID)[-1] == "X" and mask(X_ID).count("*") == 8


def test_id_number_in_6_8_4_grouping_is_found():
    written = f"{VALID_ID[:6]} {VALID_ID[6:14]} {VALID_ID[14:]}"
    assert mask(f"身份证：{written}。") == f"身份证：410421********{VALID_ID[-4:]}。"


def test_wrong_check_digit_is_a_suspected_id_number():
    for value in (wrong_check(VALID_ID), wrong_check(X_ID)):
        [finding] = scan(value)
        assert (finding.kind, finding.suspected, finding.label) == (ID, True, "疑似身份证号")


@pytest.mark.parametrize(
    "birth", ["19900230", "19901301", "19900100", "18991231", "00000101", "20990101"]
)
def test_impossible_birth_dates_are_not_id_numbers(birth):
    assert ID not in kinds(id_number("410421", birth, "123"))


def test_birth_dates_up_to_today_are_accepted():
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert kinds(id_number("410421", "19000101", "123")) == [ID]
    assert kinds(id_number("410421", today.strftime("%Y%m%d"), "123")) == [ID]
    later = today + timedelta(days=40)
    assert ID not in kinds(id_number("410421", later.strftime("%Y%m%d"), "123"))


@pytest.mark.parametrize("region", ["160421", "990421", "100421", "240421", "720101"])
def test_unknown_province_codes_are_not_id_numbers(region):
    assert ID not in kinds(id_number(region, "19900101", "123"))


@pytest.mark.parametrize("region", ["710101", "810101", "820101", "830101", "910101"])
def test_taiwan_hong_kong_macau_and_foreigner_codes_are_accepted(region):
    assert kinds(id_number(region, "19900101", "123")) == [ID]


@pytest.mark.parametrize("text", [
    f"12{VALID_ID}34", f"9{VALID_ID}", f"{VALID_ID}0", f"ABC{VALID_ID}", f"{X_ID}Y",
])
def test_id_number_inside_a_longer_code_is_not_found(text):
    assert ID not in kinds(text)


def test_id_number_that_also_passes_luhn_is_reported_once_as_id():
    value = next(
        v for v in (id_number("410421", "19900101", f"{n:03d}") for n in range(1000))
        if v[-1] != "X" and luhn_ok(v)
    )
    assert kinds(value) == [ID]


# --- Mobile numbers -------------------------------------------------------------------------

@pytest.mark.parametrize("written", [
    "13812345678", "138 1234 5678", "138-1234-5678", "+8613812345678", "+86 138 1234 5678",
    "+86-138-1234-5678", "8613812345678", "0086 13812345678", "１３８１２３４５６７８",
    "＋８６ １３８ １２３４ ５６７８", "1381 234 5678", "138-12345678",
])
def test_mobile_numbers_in_common_groupings_are_found(written):
    text = f"请联系{written}（王先生）"
    [finding] = scan(text)
    assert (finding.kind, finding.text, finding.masked) == (MOBILE, written, "138****5678")
    assert text[finding.start:finding.end] == written
    assert mask(text) == "请联系138****5678（王先生）"
    assert MOBILE.label == "手机号"


@pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
def test_all_mobile_prefixes(prefix):
    assert kinds(f"电话{prefix}912345678") == [MOBILE]


@pytest.mark.parametrize("text", [
    "0370-1234567", "(0370)1234567", "010-12345678", "12812345678", "1381234567",
    "138123456789", "913812345678", "138 1234 56789", "138 1234 5678 9", "1381 2345 678",
    "138-1234 5678", "SF13812345678", "13812345678a", "138****5678", "20230101",
    "金额12345678.90元",
])
def test_landlines_longer_runs_and_other_numbers_are_not_mobiles(text):
    assert scan(text) == []


# --- Bank cards -----------------------------------------------------------------------------

def test_luhn_valid_cards_are_found_and_masked():
    assert mask(f"卡号{CARD_16}") == f"卡号6228********{CARD_16[-4:]}"
    assert mask(f"卡号{CARD_19}。") == f"卡号6222{'*' * 11}{CARD_19[-4:]}。"
    assert kinds(CARD_19) == [CARD] and CARD.label == "银行卡号"


@pytest.mark.parametrize("separator", [" ", "-"])
def test_cards_grouped_by_four_are_found(separator):
    written = separator.join([CARD_19[i:i + 4] for i in range(0, 19, 4)])
    [finding] = scan(f"开户行：农行，账号{written}，户名张三")
    assert (finding.kind, finding.text) == (CARD, written)
    assert finding.masked == mask_value(CARD, CARD_19) == f"6222{'*' * 11}{CARD_19[-4:]}"


def test_luhn_invalid_numbers_are_not_cards():
    wrong = CARD_16[:-1] + str((int(CARD_16[-1]) + 1) % 10)
    assert scan(wrong) == []
    assert scan(" ".join(wrong[i:i + 4] for i in range(0, 16, 4))) == []


def test_cards_inside_longer_runs_or_groupings_are_not_found():
    assert scan(f"1{CARD_19}") == []  # 20 digits
    written = " ".join(CARD_16[i:i + 4] for i in range(0, 16, 4))
    assert scan(f"{written} 1234") == []
    assert scan(f"1234 {written}") == []
    assert scan(f"x{CARD_16}") == []


# --- Several findings, masking, idempotence -------------------------------------------------

def test_several_findings_with_chinese_text_around_them():
    text = f"联系电话13812345678，身份证号{VALID_ID}，银行卡号{CARD_16}。"
    findings = scan(text)
    assert [f.kind for f in findings] == [MOBILE, ID, CARD]
    assert [text[f.start:f.end] for f in findings] == ["13812345678", VALID_ID, CARD_16]
    assert mask(text) == (
        f"联系电话138****5678，身份证号410421********{VALID_ID[-4:]}，"
        f"银行卡号6228********{CARD_16[-4:]}。"
    )
    assert has_personal_data(text) and not has_personal_data(mask(text))


def test_mask_value_formats():
    assert mask_value(MOBILE, "13812341234") == "138****1234"
    assert mask_value(ID, "410421199001011234") == "410421********1234"
    assert mask_value(CARD, "6222000011112222") == "6222********2222"


def test_mask_is_idempotent_and_leaves_masked_values_alone():
    text = f"电话+86 138 1234 5678，身份证{X_ID}，卡{CARD_19}"
    once = mask(text)
    assert mask(once) == once and scan(once) == []
    assert has_personal_data(text)


def test_full_width_values_are_masked_to_ascii():
    full = VALID_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert mask(f"身份证号{full}。") == f"身份证号410421********{VALID_ID[-4:]}。"


def test_text_without_personal_data_is_unchanged():
    text = "𠀀村2023年1月1日公示：低保金额1200.00元，电话0370-1234567，文号〔2023〕12号。"
    assert scan(text) == [] and mask(text) == text and not has_personal_data(text)


# --- Properties -----------------------------------------------------------------------------

SAMPLES = [
    VALID_ID, X_ID, X_ID.lower(), CARD_16, CARD_19, "13812345678", "+86 138 1234 5678",
    "138-1234-5678", grouped(VALID_ID, [6, 8, 4], " "), grouped(CARD_19, [4, 4, 4, 4, 3], "-"),
    grouped(CARD_16, [4] * 4, " "), "１３８１２３４５６７８", "0370-1234567", "138****5678",
]
pieces = st.one_of(
    st.sampled_from(SAMPLES),
    st.text(alphabet="0123456789０９ -+*Xx86１，村号𠀀a", max_size=12),
    st.text(max_size=6),
)
texts = st.lists(pieces, max_size=8).map("".join)


@settings(max_examples=400)
@given(texts)
# The masked mobile number drops "+86 " and joins the digits before it into a bank card.
@example("7013812345678+86 138 1234 5678")
def test_masked_text_has_no_personal_data_left(text):
    masked = mask(text)
    assert scan(masked) == []
    assert mask(masked) == masked


@settings(max_examples=300)
@given(texts)
def test_findings_are_ordered_and_only_they_change(text):
    findings = scan(text)
    rebuilt, position = [], 0
    for finding in findings:
        assert position <= finding.start < finding.end
        assert text[finding.start:finding.end] == finding.text and "*" not in finding.text
        assert "*" in finding.masked and finding.masked.isascii()
        rebuilt += [text[position:finding.start], finding.masked]
        position = finding.end
    rebuilt.append(text[position:])
    assert mask(text) == "".join(rebuilt)


@given(st.text())
def test_text_without_findings_round_trips(text):
    if not scan(text):
        assert mask(text) == text


@given(st.text(alphabet=st.characters(exclude_categories=["Nd"])))
def test_text_without_digits_is_never_touched(text):
    """Chinese, astral characters (𠀀), punctuation and letters come through unchanged."""
    assert scan(text) == [] and mask(text) == text


# --- Generated values in random Chinese text ------------------------------------------------

PROVINCES = ["11", "12", "13", "31", "32", "41", "44", "46", "50", "54", "65", "71", "81", "82"]
generated_ids = st.builds(
    lambda province, rest, born, sequence: id_number(province + rest, born.strftime("%Y%m%d"),
                                                     sequence),
    st.sampled_from(PROVINCES), st.from_regex(r"[0-9]{4}", fullmatch=True),
    st.dates(min_value=datetime(1900, 1, 1).date(), max_value=datetime(2020, 12, 31).date()),
    st.from_regex(r"[0-9]{3}", fullmatch=True))
generated_mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
# UnionPay cards: 16 or 19 digits (18 could also be a valid ID number; then the ID wins).
generated_cards = st.one_of(st.from_regex(r"62[0-9]{13}", fullmatch=True),
                            st.from_regex(r"62[0-9]{16}", fullmatch=True)).map(card_number)
generated = st.one_of(st.tuples(st.just(ID), generated_ids),
                      st.tuples(st.just(MOBILE), generated_mobiles),
                      st.tuples(st.just(CARD), generated_cards))


@settings(max_examples=200, deadline=None)
@given(chinese, st.lists(st.tuples(generated, chinese), min_size=1, max_size=4))
def test_generated_values_in_chinese_text_are_found_and_masked(lead, values):
    # Two values written back to back are one longer run of digits; keep them apart.
    text = lead + "".join(value + (filler or "，") for (_kind, value), filler in values)

    findings = scan(text)
    assert [(f.kind, f.text) for f in findings] == [value for value, _filler in values]
    masked = mask(text)
    for (_kind, value), _filler in values:
        assert value not in masked
    assert scan(masked) == []
    assert masked.replace("*", "").count("\n") == text.count("\n")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(chinese, st.from_regex(r"[0-9]{1,10}", fullmatch=True)), max_size=6),
       chinese)
def test_chinese_text_with_short_numbers_is_left_unchanged(parts, tail):
    """Dates, amounts and counts (fewer than 11 digits) between Chinese words are no finding."""
    text = "".join(words + (number if words else "") for words, number in parts) + tail

    assert scan(text) == []
    assert mask(text) == text
