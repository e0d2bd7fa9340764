"""Real-format personal data for the privacy tests, built independently of `portal.privacy`
so that a shared mistake cannot hide, and the Chinese filler text they are embedded in."""

from hypothesis import strategies as st

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def id_number(region: str, birth: str, sequence: str) -> str:
    """A resident ID number with the GB 11643 (ISO 7064 MOD 11-2) check character."""
    first17 = region + birth + sequence
    assert len(first17) == 17
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    remainder = sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11
    return first17 + "10X98765432"[remainder]


def wrong_check(value: str) -> str:
    """The same ID number with a check character that does not fit."""
    return value[:17] + ("0" if value[17] != "0" else "1")


def luhn_ok(digits: str) -> bool:
    doubled = [int(d) * (1 + i % 2) for i, d in enumerate(reversed(digits))]
    return sum(n // 10 + n % 10 for n in doubled) % 10 == 0


def card_number(prefix: str) -> str:
    """`prefix` completed with the Luhn check digit."""
    return next(prefix + d for d in "0123456789" if luhn_ok(prefix + d))


def not_luhn(prefix: str) -> str:
    """`prefix` completed with a digit that fails the Luhn check."""
    return next(prefix + d for d in "0123456789" if not luhn_ok(prefix + d))


def one_ending_in_x() -> str:
    return next(
        value
        for value in (id_number("110105", "19850723", f"{n:03d}") for n in range(1000))
        if value.endswith("X")
    )


def grouped(value: str, sizes: list[int] | tuple[int, ...], separator: str) -> str:
    """`value` cut into groups of `sizes` characters joined by `separator`."""
    assert sum(sizes) == len(value)
    parts, position = [], 0
    for size in sizes:
        parts.append(value[position:position + size])
        position += size
    return separator.join(parts)


def full_width(value: str) -> str:
    return value.translate(FULL_WIDTH)


VALID_ID = id_number("410421", "19900101", "123")
X_ID = one_ending_in_x()
CARD_16 = card_number("622848001234567")
CARD_19 = card_number("622202020011223344")
# A 19-digit account number of a bank that does not use Luhn check digits.
ACCOUNT_19 = not_luhn("622848001234567012")

# Chinese filler: common and astral-plane ideographs (𠀀, 𪚥) and full-width punctuation, no
# digits or letters, so a generated value cannot run on into its neighbours.
chinese = st.text(
    alphabet=st.one_of(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
                       st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),
                       st.sampled_from("，。：；、（）“”　 \n")),
    max_size=12)
