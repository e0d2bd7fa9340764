"""The compact dictionary cuts exactly as jieba's own: the same words, in the same order,
for documents (search mode) and queries (precise mode)."""

from __future__ import annotations

import logging
from pathlib import Path

import jieba
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.search import tokens
from portal.search.dictionary import CompactTokenizer, Frequencies

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def plain() -> jieba.Tokenizer:
    """jieba as it comes, with the portal's words added."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in tokens.DOMAIN_WORDS:
        tokenizer.add_word(word)
    tokenizer.check_initialized()
    return tokenizer


@pytest.fixture(scope="module")
def compact() -> CompactTokenizer:
    return tokens._jieba()


def _cuts(tokenizer, text: str) -> tuple[list[str], list[str]]:
    return (list(tokenizer.cut(text, HMM=False)),
            list(tokenizer.cut_for_search(text, HMM=False)))


def test_the_portal_cuts_with_the_compact_dictionary(compact):
    assert isinstance(compact.FREQ, Frequencies)
    assert tokens.index_tokens("村务监督委员会公布低保户名单")[:2] == ["村务", "监督"]


def test_a_long_chinese_text_is_cut_the_same(plain, compact):
    text = README.read_text(encoding="utf-8")
    assert len(text) > 50_000
    assert _cuts(compact, text) == _cuts(plain, text)


def test_the_domain_words_stay_whole(plain, compact):
    text = "，".join(tokens.DOMAIN_WORDS) + "。王堂村村务监督委员会开会"
    assert _cuts(compact, text) == _cuts(plain, text)
    assert "村务监督委员会" in _cuts(compact, text)[0]


def test_every_lookup_agrees_with_jiebas_mapping(plain, compact):
    sample = list(plain.FREQ.items())[::97]
    assert len(compact.FREQ) == len(plain.FREQ)
    for word, count in sample:
        assert word in compact.FREQ
        assert compact.FREQ[word] == count == compact.FREQ.get(word)
    for missing in ("qqq", "㐀㐁", "", 3):
        assert (missing in compact.FREQ) is False
    assert compact.FREQ.get("qqq") is None and compact.FREQ.get("qqq", 7) == 7


# Characters that make words (from the dictionary's own entries), and some that never do.
_CHARACTERS = st.sampled_from(sorted(set("".join(
    ["低保户宅基地审批村务公开监督委员会财务一事一议工程项目征地补偿集体资产危房改造高标准农田",
     "人居环境网格化河长制中华人民共和国政府信息公开条例申请答复期限延长", "王堂双塔",
     "，。、！？ abcZ09１２\u3400𠀀"]))))


@settings(max_examples=200, deadline=None)
@given(st.text(_CHARACTERS, max_size=60))
def test_any_text_is_cut_the_same(plain, compact, text):
    assert _cuts(compact, text) == _cuts(plain, text)


def test_the_compacted_dictionary_is_read_only(compact):
    with pytest.raises(TypeError):
        compact.add_word("新词")
