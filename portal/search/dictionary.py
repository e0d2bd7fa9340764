"""jieba's dictionary kept compact: a marisa trie of its words and an array of their counts.

jieba keeps its dictionary as a Python dict of about 500,000 words and word prefixes, each
a string object with an integer: some 60 MB in every process that segments text. The
portal's gunicorn master loads it before forking, but a dict of that size still costs the
whole 60 MB once, and every page a worker touches while cutting becomes its own copy.
The same words in a trie (`marisa_trie.Trie`, one block of memory, no Python object per
word) and their counts in an `array` take about 8 MB, and cutting touches no Python object
of the dictionary at all.

`CompactTokenizer` is jieba's `Tokenizer` with its dictionary converted once its words are
final (`compact()`); it cuts exactly as jieba does (the tests compare both on the same
texts). Two of jieba's steps are replaced because they would otherwise look up every
fragment one at a time:
- `get_DAG`: the words starting at each position are the trie's prefixes of the rest of
  the sentence, found in one call, together with their counts;
- `calc`: the best route reads those counts instead of looking each word up again.
The dictionary is read-only once compacted: `add_word` raises.
"""

from __future__ import annotations

from array import array
from math import log

import jieba
import marisa_trie


class Frequencies:
    """jieba's `FREQ` (word or prefix → count; a prefix that is no word counts 0) as a
    read-only mapping over a trie and an array."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.trie = marisa_trie.Trie(counts.keys())
        self.counts = array("q", bytes(8 * len(self.trie)))
        for word, count in counts.items():
            self.counts[self.trie[word]] = count
        self.longest = max(map(len, counts), default=0)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self.trie

    def __getitem__(self, word: str) -> int:
        return self.counts[self.trie[word]]

    def get(self, word: str, default: int | None = None) -> int | None:
        found = self.trie.get(word)
        return default if found is None else self.counts[found]

    def __len__(self) -> int:
        return len(self.trie)


class _Graph(dict):
    """jieba's DAG (position → end positions of the words starting there), carrying each
    word's count alongside for `calc`."""

    __slots__ = ("counts",)


class CompactTokenizer(jieba.Tokenizer):
    def compact(self) -> None:
        """Load the dictionary if not yet loaded, then convert it; words added with
        `add_word` before this call are kept."""
        self.check_initialized()
        if not isinstance(self.FREQ, Frequencies):
            self.FREQ = Frequencies(self.FREQ)

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:
        self.check_initialized()
        frequencies = self.FREQ
        if not isinstance(frequencies, Frequencies):
            return super().get_DAG(sentence)
        prefixes, counts, longest = (frequencies.trie.iter_prefixes_with_ids,
                                     frequencies.counts, frequencies.longest)
        graph = _Graph()
        graph.counts = found = {}
        for start in range(len(sentence)):
            ends, weights = [], []
            for word, key in prefixes(sentence[start:start + longest]):
                count = counts[key]
                if count:  # a prefix of longer words only is no word
                    ends.append(start + len(word) - 1)
                    weights.append(count)
            if not ends:  # an unknown character stands alone, counted as once
                ends.append(start)
                weights.append(1)
            graph[start] = ends
            found[start] = weights
        return graph

    def calc(self, sentence: str, DAG: dict, route: dict) -> None:
        found = getattr(DAG, "counts", None)
        if found is None:
            return super().calc(sentence, DAG, route)
        route[len(sentence)] = (0, 0)
        total = log(self.total)
        for start in range(len(sentence) - 1, -1, -1):
            route[start] = max((log(count) - total + route[end + 1][0], end)
                               for end, count in zip(DAG[start], found[start], strict=True))
        return None

    def add_word(self, word, freq=None, tag=None):
        if isinstance(self.FREQ, Frequencies):
            raise TypeError("the compacted dictionary is read-only; add words before compact()")
        return super().add_word(word, freq, tag)
