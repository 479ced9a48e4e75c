"""Near-duplicate detection for syndicated copies (MinHash over word 3-shingles).

A department portal re-posts the newspaper's article with another title, a "Nguồn: Báo Thái
Bình" line, a photo credit, a dropped author line and small edits. :func:`normalise` removes
what differs between such copies (marks, case, punctuation, Markdown links and images, credit
and author lines); :func:`signature` is a 64-value MinHash of the word 3-shingles of what is
left; :func:`similarity` estimates their Jaccard similarity; :class:`DupIndex` finds the most
similar stored article quickly (LSH bands); :func:`credited_source` reads the credit line to
tell which copy is the original.

The MinHash is "one permutation hashing" (Li, Owen & Zhang, 2012): each shingle is hashed once
(BLAKE2b of each word, mixed per shingle: deterministic across processes, unlike ``hash()``);
the low 6 bits choose one of 64 bins, the rest is the value, and each bin keeps its minimum. Empty bins (very short texts)
are :data:`EMPTY` and are left out of the estimate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from hashlib import blake2b

from pipeline.core.text import fold

__all__ = [
    "BINS", "DEFAULT_THRESHOLD", "EMPTY", "MIN_SHINGLES", "DupIndex", "credited_source",
    "normalise", "shingles", "signature", "similarity", "sketch",
]

BINS = 64                      #: values in a signature
EMPTY = (1 << 64) - 1          #: value of a bin no shingle fell into (real values are < 2**58)
DEFAULT_THRESHOLD = 0.6
MIN_SHINGLES = 20              #: shorter texts are never matched (too little to tell)
_BAND_ROWS = 2                 # LSH: 32 bands of 2 bins
_BANDS = BINS // _BAND_ROWS

_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\(([^)\s]*)[^)\n]*\)")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>\n]{0,300}>")
_EDGE = " \t*_>#()[]-–—|.:;,"
# Credit lines, on folded text: "Nguồn: …", "Ảnh: …", "Bài và ảnh: …", "Theo …", authors.
_CREDIT_COLON = re.compile(
    r"^(?:nguon(?: tin| anh)?|theo|anh(?: minh hoa)?|bai(?: va anh|, anh| anh)?|"
    r"tin(?: va anh|, anh| anh)?|video|clip|tac gia|thuc hien|bien tap|trinh bay|do hoa|"
    r"ky thuat|infographic|phong vien|ctv|pv)\s*:"
)
_CREDIT_BARE = re.compile(r"^(?:nguon|theo)\s+\S")
_TRAILING_CREDIT = re.compile(r"\(\s*(?:nguon|theo|anh)\b[^()]*\)\s*\.?\s*$")
_TRAILING_PHOTO = re.compile(r"\banh\s*:\s*[^.:\n]{0,80}$")
_NON_WORD = re.compile(r"[\W_]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_HOST = re.compile(r"\b((?:[a-z0-9-]+\.)+[a-z]{2,})\b")
_CREDIT = re.compile(r"^(?:nguon(?: tin)?|theo)\s*:?\s*(.+)$")
_CREDIT_INLINE = re.compile(r"\(\s*(?:nguon(?: tin)?|theo)\s*:?\s*([^()]+)\)\s*\.?\s*$")


def _plain(text: str) -> str:
    """Markdown/HTML reduced to its words' carriers: no images, link targets, URLs or tags."""
    text = _MD_IMAGE.sub(" ", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _HTML_TAG.sub(" ", text)
    return _URL.sub(" ", text)


def _is_author_line(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 6 and not any(c.isdigit() for c in line) and not line.endswith(
        (".", "!", "?", ";")) and "," not in line


def normalise(text: str) -> str:
    """Folded words of ``text`` on one line: no marks, case, punctuation, Markdown links or
    images, URLs; lines that only credit a source, photo or author are dropped."""
    lines = [line.strip(_EDGE) for line in fold(_plain(text)).split("\n")]
    kept: list[str] = []
    for line in lines:
        if not line:
            continue
        n_words = len(line.split())
        if _CREDIT_COLON.match(line) and n_words <= 25:
            continue
        if _CREDIT_BARE.match(line) and n_words <= 8:
            continue
        line = _TRAILING_CREDIT.sub("", line)
        line = _TRAILING_PHOTO.sub("", line)
        kept.append(line)
    # Author lines ("Minh Hằng", "Thu Hà - Quang Huy") close the text: drop up to two.
    for _ in range(2):
        if len(kept) > 1 and _is_author_line(kept[-1]):
            kept.pop()
    return " ".join(_NON_WORD.sub(" ", " ".join(kept)).split())


def shingles(text: str) -> set[str]:
    """The word 3-shingles of :func:`normalise` (``text``); one shingle for a 1–2 word text."""
    words = normalise(text).split()
    if len(words) < 3:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + 3]) for i in range(len(words) - 2)}


_MASK = (1 << 64) - 1
_K1, _K2 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F
_WORD_HASHES: dict[str, int] = {}        # folded word → 64-bit BLAKE2b; bounded below


def _word_hash(word: str) -> int:
    h = _WORD_HASHES.get(word)
    if h is None:
        if len(_WORD_HASHES) > 500_000:
            _WORD_HASHES.clear()
        h = int.from_bytes(blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
        _WORD_HASHES[word] = h
    return h


def _sketch(text: str) -> tuple[tuple[int, ...], int]:
    """(signature, number of 3-shingle positions). A shingle's hash mixes its three word
    hashes (position-weighted) with the splitmix64 finaliser: one BLAKE2b per distinct word."""
    bins = [EMPTY] * BINS
    hashes = [_word_hash(w) for w in normalise(text).split()]
    if not hashes:
        return tuple(bins), 0
    if len(hashes) < 3:
        hashes += [0] * (3 - len(hashes))
    for i in range(len(hashes) - 2):
        x = (hashes[i] * _K1 + hashes[i + 1] * _K2 + hashes[i + 2]) & _MASK
        x ^= x >> 30
        x = (x * 0xBF58476D1CE4E5B9) & _MASK
        x ^= x >> 27
        x = (x * 0x94D049BB133111EB) & _MASK
        x ^= x >> 31
        slot, value = x & (BINS - 1), x >> 6
        if value < bins[slot]:
            bins[slot] = value
    return tuple(bins), len(hashes) - 2


def sketch(text: str) -> tuple[tuple[int, ...], int]:
    """(signature, number of 3-shingle positions) of ``text``: what :meth:`DupIndex.add`
    indexes (a count below ``min_shingles`` is not indexed); for signatures kept between runs."""
    return _sketch(text)


def signature(text: str) -> tuple[int, ...]:
    """A :data:`BINS`-value MinHash of ``text`` (raw or Markdown; normalised here).
    Deterministic across processes and machines."""
    return _sketch(text)[0]


def similarity(sig_a: tuple[int, ...], sig_b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures, 0.0–1.0.
    Bins empty in both are not counted; two empty texts are 0.0, not 1.0."""
    if len(sig_a) != len(sig_b):
        raise ValueError("signatures of different lengths")
    both_empty = matches = 0
    for a, b in zip(sig_a, sig_b, strict=True):
        if a == b:
            if a == EMPTY:
                both_empty += 1
            else:
                matches += 1
    counted = len(sig_a) - both_empty
    return matches / counted if counted else 0.0


_LANE = (1 << 64) - 1
#: A signature as one integer: bin i in bits 64·i … 64·i+63 (the little-endian bytes of
#: ``struct.pack("<64Q", *sig)``, as :mod:`pipeline.harvest.dupcache` keeps them).
_ALL_EMPTY = int.from_bytes(b"\xff" * (8 * BINS), "little")
_FOLDS = []                    # (shift, mask of the low `shift` bits of every lane)
for _shift in (32, 16, 8, 4, 2, 1):
    _FOLDS.append((_shift, int.from_bytes(((1 << _shift) - 1).to_bytes(8, "little") * BINS,
                                          "little")))
_BAND_BITS = 64 * _BAND_ROWS
_BAND_MASK = (1 << _BAND_BITS) - 1
#: Finds that compare against every article before the LSH bands are built: building them
#: costs about as much as this many full comparisons (a harvest with few new articles never
#: builds them; one with many does, once).
FULL_SCANS = 40


def pack(sig: tuple[int, ...]) -> int:
    """A signature as one integer (see ``_ALL_EMPTY``)."""
    out = 0
    for k, value in enumerate(sig):
        out |= value << (64 * k)
    return out


def _nonzero_lanes(x: int) -> int:
    """The lanes (64-bit bins) of ``x`` that are not zero, as bit 64·i of the result."""
    for shift, mask in _FOLDS:
        x = (x | (x >> shift)) & mask
    return x


def _score(q: int, q_empty: int, p: int, p_empty: int) -> float:
    """:func:`similarity` of two packed signatures (``*_empty``: their EMPTY bins, as
    :func:`_nonzero_lanes` marks them): the same float, without a loop over the bins."""
    both_empty = (q_empty & p_empty).bit_count()
    counted = BINS - both_empty
    if not counted:
        return 0.0
    equal = BINS - _nonzero_lanes(q ^ p).bit_count()
    return (equal - both_empty) / counted


def _empty_lanes(packed: int) -> int:
    return _nonzero_lanes(packed ^ _ALL_EMPTY) ^ _FOLDS[-1][1]


class DupIndex:
    """Signatures of stored articles, searchable for a near-duplicate of a new text.

    Build it at harvest start (``for a in store.articles(): index.add(a.id, a.body)``; the body
    only: a re-post's title often differs) and add each article as it is stored. Not
    thread-safe: share it between workers under a lock.

    :meth:`find` compares the text with every article (signatures kept as integers: one
    comparison is a few integer operations, not a loop over the bins) for its first
    :data:`FULL_SCANS` texts; then it builds 32 LSH bands of 2 bins and compares only the
    articles sharing a band, which never misses an article whose estimated similarity is ≥
    ``threshold`` (when the query is too short for the bands to guarantee that, it compares
    against every article). Both ways give the same answer (the most similar article, ties to
    the smallest id), so a harvest storing a handful of articles does not pay for the bands.
    """

    def __init__(self, *, min_shingles: int = MIN_SHINGLES):
        self.min_shingles = min_shingles
        self._sigs: dict[str, tuple[int, int]] = {}      # id → (packed, its EMPTY lanes)
        self._bands: dict[tuple[int, int], set[str]] | None = None   # built after FULL_SCANS
        self._scans = 0

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._sigs

    def signatures(self) -> dict[str, tuple[int, ...]]:
        """Every indexed article's signature (id → bins)."""
        return {k: tuple((p >> (64 * i)) & _LANE for i in range(BINS))
                for k, (p, _) in self._sigs.items()}

    @staticmethod
    def _keys(packed: int, empty: int):
        for band in range(_BANDS):
            if not (empty >> (_BAND_BITS * band)) & _BAND_MASK:
                yield band, (packed >> (_BAND_BITS * band)) & _BAND_MASK

    def add(self, article_id: str, text: str) -> bool:
        """Index ``text`` under ``article_id`` (replacing what it had). Texts shorter than
        ``min_shingles`` shingles are not indexed; returns whether it was."""
        self.remove(article_id)
        sig, count = _sketch(text)
        if count < self.min_shingles:
            return False
        self.add_signature(article_id, sig)
        return True

    def add_signature(self, article_id: str, sig: tuple[int, ...]) -> None:
        """Index a signature computed earlier (e.g. cached between runs); no length check."""
        if len(sig) != BINS:
            raise ValueError(f"a signature has {BINS} values, not {len(sig)}")
        self.add_packed(article_id, pack(sig))

    def add_packed(self, article_id: str, packed: int) -> None:
        """Index a signature given as one integer (:func:`pack`)."""
        self.remove(article_id)
        empty = _empty_lanes(packed)
        self._sigs[article_id] = (packed, empty)
        if self._bands is not None:
            for key in self._keys(packed, empty):
                self._bands.setdefault(key, set()).add(article_id)

    def remove(self, article_id: str) -> None:
        got = self._sigs.pop(article_id, None)
        if got is None or self._bands is None:
            return
        for key in self._keys(*got):
            ids = self._bands.get(key)
            if ids is not None:
                ids.discard(article_id)
                if not ids:
                    del self._bands[key]

    def _build_bands(self) -> None:
        bands: dict[tuple[int, int], set[str]] = {}
        for article_id, (packed, empty) in self._sigs.items():
            for key in self._keys(packed, empty):
                bands.setdefault(key, set()).add(article_id)
        self._bands = bands

    def find(self, text: str, threshold: float = DEFAULT_THRESHOLD, *,
             exclude: Iterable[str] = ()) -> tuple[str, float] | None:
        """The indexed article most similar to ``text`` as ``(article_id, score)`` when the
        score is ≥ ``threshold``, else None (also for texts shorter than ``min_shingles``).
        Ties go to the smallest id; ids in ``exclude`` are skipped."""
        sig, count = _sketch(text)
        if count < self.min_shingles or not self._sigs:
            return None
        q = pack(sig)
        q_empty = _empty_lanes(q)
        empty = sig.count(EMPTY)
        sigs = self._sigs
        candidates: Iterable[str] = sigs.keys()
        if threshold * (BINS - empty) > _BANDS:      # the bands cannot miss a match
            if self._bands is None:
                self._scans += 1
                if self._scans > FULL_SCANS:
                    self._build_bands()
            if self._bands is not None:
                candidates = set().union(
                    *(self._bands.get(key, ()) for key in self._keys(q, q_empty)))
        skip = set(exclude)
        best: tuple[str, float] | None = None
        for article_id in candidates:
            if article_id in skip:
                continue
            p, p_empty = sigs[article_id]
            score = _score(q, q_empty, p, p_empty)
            if score >= threshold and (best is None or score > best[1]
                                       or (score == best[1] and article_id < best[0])):
                best = (article_id, score)
        return best


def _compact(text: str) -> str:
    return _NOT_ALNUM.sub("", fold(text))


def _bare_host(host: str) -> str:
    host = host.lower().strip(".")
    return host[4:] if host.startswith("www.") else host


def credited_source(text: str, source_names: Mapping[str, str],
                    hosts: Mapping[str, Iterable[str]] | None = None) -> str | None:
    """The id of the source that the end of ``text`` credits, or None.

    Reads the last four non-empty lines for "Nguồn: Báo Thái Bình", "Theo Báo Thái Bình",
    "(Nguồn: baothaibinh.com.vn)" and the like (any case, with or without marks, Markdown
    emphasis or links). A credit matches a source when it names it (``source_names``: id →
    name; the longest name contained in the credit wins) or its host (``hosts``: id → host
    names, e.g. ``Source.host`` and its aliases; without them a host's first label is
    compared with the source's name and id, so ``baothaibinh.com.vn`` matches "Báo Thái Bình").
    """
    lines = [line for line in _MD_LINK.sub(r"\1 \2", text).split("\n") if line.strip()]
    for line in reversed(lines[-4:]):
        folded = fold(line).strip(" \t*_>#-–—|")
        credits = []
        inline = _CREDIT_INLINE.search(folded)
        if inline:
            credits.append(inline.group(1))
        whole = _CREDIT.match(folded.strip("()[]"))
        if whole and not folded.startswith("nguon anh"):
            credits.append(whole.group(1))
        for credit in credits:
            credit = credit.strip(" *_.()[]")
            if len(credit.split()) > 12:
                continue
            found = _match_credit(credit, source_names, hosts)
            if found:
                return found
    return None


def _match_credit(credit: str, source_names: Mapping[str, str],
                  hosts: Mapping[str, Iterable[str]] | None) -> str | None:
    credit_compact = _compact(credit)
    credit_hosts = [_bare_host(h) for h in _HOST.findall(credit)]
    best: tuple[int, str] | None = None
    for source_id, name in source_names.items():
        keys = {k for k in (_compact(name), _compact(source_id)) if len(k) >= 4}
        score = 0
        for host in credit_hosts:
            known = [_bare_host(h) for h in (hosts or {}).get(source_id, ())]
            if any(host == k or host.endswith("." + k) for k in known):
                score = 10_000
            elif _compact(host.split(".")[0]) in keys:
                score = max(score, 5_000)
        if credit_compact in keys:
            score = max(score, 1_000)
        for key in keys:
            if key in credit_compact:
                score = max(score, len(key))
        if score and (best is None or score > best[0]):
            best = (score, source_id)
    return best[1] if best else None
