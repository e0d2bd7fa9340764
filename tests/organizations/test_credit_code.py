"""统一社会信用代码 per GB 32100-2015: the check character and the alphabet."""

import pytest

from portal.organizations.credit_code import (
    ALPHABET,
    WEIGHTS,
    check_character,
    normalize,
    problem,
    with_check_character,
)


def test_the_standards_weights_and_alphabet():
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(ALPHABET) == 31 and not set("IOSVZ") & set(ALPHABET)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91440300708461136T",
                                  "114114210053408173"])
def test_published_codes_pass(code):
    assert problem(code) is None


def test_a_wrong_check_character_names_the_right_one():
    message = problem("91350100M000100Y44")
    assert "校验位不正确" in message and "应为“3”" in message


@pytest.mark.parametrize("code, words", [
    ("1234", "18 位"),
    ("91350100M000100I43", "不允许的字符“I”"),
    ("9135A100M000100Y43", "行政区划代码"),
])
def test_malformed_codes_say_what_is_wrong(code, words):
    assert words in problem(code)


def test_every_first_seventeen_gets_a_passing_check_character():
    for first17 in ("11411421MB1234567", "12411421000000000", "Y1411421ABCDEFGHJ"):
        assert problem(with_check_character(first17)) is None
        assert check_character(first17) in ALPHABET


def test_typed_codes_are_normalized():
    assert normalize(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert normalize("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"
