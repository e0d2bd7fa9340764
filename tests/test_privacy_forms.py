"""The ways residents actually write numbers: groups with spaces or dashes of every width,
full-width digits, 15-digit ID numbers, a mistyped check digit, account numbers after 账号.
Each is found and masked; dates, amounts, landlines and codes are not."""

import pytest

from portal.privacy import PersonalDataKind, mask, scan
from tests.privacy_values import (
    CARD_16,
    CARD_19,
    VALID_ID,
    X_ID,
    full_width,
    grouped,
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


# --- Scanning stays linear ------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("1 " * 100_000, 0), ("1-" * 100_000, 0), ("1 1-" * 50_000, 0), ("１２３４　" * 40_000, 0),
    ("1" * 200_000, 0), ("1X" * 100_000, 0), ("+86 " * 50_000, 0), ("1\u2014 " * 66_000, 0),
    (f"{grouped(CARD_16, CARD_GROUPINGS[0], ' ')} " * 10_000, 0),
    ("13812345678 " * 16_000, 16_000), ("账号 " + "6" * 199_990, 0),
])
def test_long_adversarial_text_is_scanned_in_one_pass(text, expected):
    assert len(scan(text)) == expected
