"""Word-level matching for the tagger: a text as words (tone-normalised, diacritic-folded),
the sentence of each word, and where each taxonomy phrase occurs, with the guards ("xổ số")
and blockers ("số liệu") that void a match."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipeline.core.text import fold, tone_key

if TYPE_CHECKING:
    from pipeline.tagging.tag import Phrase, Taxonomy

WORD = re.compile(r"[\w\u0300-\u036f]+")  # combining marks are not \\w
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\s*\n\s*")


class Words:
    """A text as words in three forms, the sentence of each word, and where each phrase
    occurs (a phrase never spans two sentences)."""

    def __init__(self, text: str, taxonomy: Taxonomy):
        """``text`` is plain text (no markup: see ``tag._plain``)."""
        words: list[str] = []
        self.sent: list[int] = []            # the sentence of each word
        self.sentences: list[str] = []       # each sentence as written
        for sentence in _SENTENCE_END.split(text):
            ws = WORD.findall(tone_key(sentence))
            for wrong, right in taxonomy.typos:
                ws = replace_words(ws, wrong, right)
            if not ws:
                continue
            self.sent.extend([len(self.sentences)] * len(ws))
            self.sentences.append(" ".join(sentence.split()))
            words.extend(ws)
        self.words = words
        self.folded = [fold(w) for w in words]
        self.plain = [w == f for w, f in zip(words, self.folded, strict=True)]
        self.index: dict[str, list[int]] = {}
        for i, f in enumerate(self.folded):
            self.index.setdefault(f, []).append(i)
        self.guarded: list[tuple[int, int]] = []
        for g in taxonomy.guards:
            self.guarded.extend((i, i + len(g.words))
                                for i, _ in self._occurrences(g, guarded=False))
        self.blocked: list[tuple[int, int]] = []
        for g in taxonomy.blockers:
            self.blocked.extend((i, i + len(g.words))
                                for i, _ in self._occurrences(g, guarded=False))

    def __len__(self) -> int:
        return len(self.words)

    def _occurrences(self, p: Phrase, *, guarded: bool = True) -> list[tuple[int, bool]]:
        """``(position, exact)`` of each occurrence of ``p``; folded matches only where sound."""
        out = []
        n = len(p.folded)
        for i in self.index.get(p.folded[0], ()) if p.folded else ():
            if self.folded[i:i + n] != list(p.folded) or self.sent[i] != self.sent[i + n - 1]:
                continue
            span = self.words[i:i + n]
            if guarded and overlaps(self.blocked, i, i + n):
                continue
            if span == list(p.words):
                out.append((i, True))
                continue
            # every differing word must be written without marks, and the span must not mix a
            # marked word with an unmarked stand-in for a marked one ("chuyển đổi so")
            stand_in = marked = False
            ok = True
            for j, w in enumerate(span):
                if w == p.words[j]:
                    marked = marked or not self.plain[i + j]
                elif self.plain[i + j]:
                    stand_in = True
                else:
                    ok = False
                    break
            if not ok or (stand_in and marked):
                continue
            if guarded and overlaps(self.guarded, i, i + n):
                continue
            out.append((i, False))
        return out

    def found(self, p: Phrase, inside: set[int] | frozenset[int] = frozenset()
              ) -> list[tuple[int, bool]]:
        """``(position, exact)`` of each occurrence, except those lying wholly within
        ``inside`` (the positions of a theme's ``against`` phrases)."""
        return [(i, exact) for i, exact in self._occurrences(p)
                if not inside or not all(k in inside for k in range(i, i + len(p.words)))]

    def count(self, p: Phrase, inside: set[int] | frozenset[int] = frozenset()
              ) -> tuple[int, int]:
        """(all occurrences, of which folded-only), as :meth:`found`."""
        occ = self.found(p, inside)
        return len(occ), sum(1 for _, exact in occ if not exact)

    def positions(self, phrases: tuple[Phrase, ...]) -> set[int]:
        """Every word position covered by an occurrence of one of ``phrases``."""
        out: set[int] = set()
        for p in phrases:
            for i, _ in self._occurrences(p):
                out.update(range(i, i + len(p.words)))
        return out

    def count_longest(self, phrases: tuple[Phrase, ...]) -> dict[Phrase, tuple[int, int]]:
        """Like :meth:`count` for each phrase, but a word counts for one phrase only: the
        longest one covering it ("dịch vụ công trực tuyến" is not also "trực tuyến")."""
        out: dict[Phrase, tuple[int, int]] = {p: (0, 0) for p in phrases}
        for p, _, exact in self.longest(phrases):
            n, folded = out[p]
            out[p] = (n + 1, folded + (not exact))
        return out

    def longest(self, phrases: tuple[Phrase, ...]) -> list[tuple[Phrase, int, bool]]:
        """``(phrase, position, exact)`` of each occurrence, a word counting for the longest
        phrase covering it only (see :meth:`count_longest`)."""
        taken: set[int] = set()
        out: list[tuple[Phrase, int, bool]] = []
        for p in sorted(phrases, key=lambda q: -len(q.words)):
            for i, exact in self._occurrences(p):
                span = range(i, i + len(p.words))
                if any(k in taken for k in span):
                    continue
                taken.update(span)
                out.append((p, i, exact))
        return out


def overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether a guard or blocker span overlaps ``[start, end)`` without lying inside it (a
    phrase that contains the guard, like "cơ sở dữ liệu", is not voided by "cơ sở")."""
    return any(s < end and start < e and not (start <= s and e <= end) for s, e in spans)


def replace_words(words: list[str], wrong: tuple[str, ...], right: tuple[str, ...]) -> list[str]:
    n = len(wrong)
    if not n:
        return words
    out: list[str] = []
    i = 0
    while i < len(words):
        if tuple(words[i:i + n]) == wrong:
            out.extend(right)
            i += n
        else:
            out.append(words[i])
            i += 1
    return out

