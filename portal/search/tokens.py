"""Chinese word segmentation for the index and for queries (jieba).

Both engines see the same tokens: we segment the text ourselves and hand the engine words
separated by spaces, which SQLite's unicode61 tokenizer and PostgreSQL's 'simple'
configuration take as they are.

Decisions:
- Documents are cut in jieba's search mode (`cut_for_search`): besides the words it also
  emits the two- and three-character words inside longer ones, so 低保 finds 低保户 and
  宅基 finds 宅基地. Queries are cut in precise mode: a query word must appear as a word,
  and the search-mode index always holds it.
- jieba's HMM guessing of unknown words is off for both. Guessed words depend on the
  characters around them, so the same name could be cut one way in a document and another
  way in a query; without HMM an unknown run falls apart into single characters, the same
  everywhere.
- Documents are also indexed under each of their Chinese characters. A name the dictionary
  does not know (王堂村) falls apart into characters in the query, while the same
  characters may have been joined differently in the document (王 堂 村村内…); single
  characters in the document's index make such a query match anyway. A query word of two
  or more characters still has to be a word of the document: 低保 does not find 最低保障.
- A few words of township practice are added to the dictionary so they stay whole.
- Text is NFKC-normalized and lower-cased; a token keeps only runs of letters and digits
  (punctuation, underscores and operators never reach the engine), which both engines
  read as one word each.
"""

from __future__ import annotations

import logging
import re
import threading

import jieba

from portal.search.dictionary import CompactTokenizer
from portal.textnorm import fold

# Words of 政务公开 and 村务公开 practice that the default dictionary splits or misses.
DOMAIN_WORDS = (
    "低保", "五保", "特困", "宅基地", "法治政府", "政务公开", "村务公开", "党务公开",
    "财务公开", "一事一议", "工程项目", "征地补偿", "集体资产", "村务监督委员会",
    "依申请公开", "危房改造", "高标准农田", "人居环境", "网格化", "河长制",
)
_WORD = re.compile(r"[^\W_]+")
_lock = threading.Lock()
_tokenizer: CompactTokenizer | None = None


def _jieba() -> CompactTokenizer:
    """One tokenizer per process, loaded on first use (about a second), its dictionary
    compacted once the domain words are in (`portal.search.dictionary`)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tokenizer = CompactTokenizer()
                for word in DOMAIN_WORDS:
                    tokenizer.add_word(word)
                tokenizer.compact()
                _tokenizer = tokenizer
    return _tokenizer


def preload() -> None:
    """Load the dictionary now: gunicorn's master does, so its workers share it."""
    _jieba()


def normalize(text: str) -> str:
    """Full-width letters and digits as ASCII, radicals as ideographs, lower case."""
    return fold(text).lower()


def _words(pieces) -> list[str]:
    return [word for piece in pieces for word in _WORD.findall(piece)]


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" \
        or "\U00020000" <= char <= "\U0003134f"


def index_tokens(text: str) -> list[str]:
    """The tokens a document's text is indexed under: its search-mode words in text
    order, then each of its Chinese characters."""
    text = normalize(text)
    words = _words(_jieba().cut_for_search(text, HMM=False))
    return words + [char for char in text if _is_han(char)]


def index_text(text: str) -> str:
    """`index_tokens` joined by spaces: what the engine stores for the text."""
    return " ".join(index_tokens(text))


def query_tokens(query: str, limit: int = 16) -> list[str]:
    """The distinct words of a query (precise mode), in order, at most `limit`."""
    seen: dict[str, None] = {}
    for word in _words(_jieba().cut(normalize(query), HMM=False)):
        seen.setdefault(word, None)
    return list(seen)[:limit]
