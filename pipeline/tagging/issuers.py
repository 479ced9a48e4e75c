"""Whose document a sentence speaks of (round 11, issue 20): ``van-ban`` is the dissemination of
a central or provincial document, so a district's, commune's, ward's, school's or party cell's
own plan, decision or resolution is no evidence for it. Read on the folded form (lower case, no
diacritics), so NFD text and text typed without marks read the same::

    local_sentences(words) -> set[int]      # sentences about a local unit's own document
    counted_refs(words...) -> list[str]     # the numbers cited, without the local units' own

A number's scope comes from its symbol first (``…/HU``, ``…-NQ/ĐU``: local; ``…/QĐ-TTg``:
central, see :func:`pipeline.core.docrefs.scope_of`); a number whose symbol names no level
(``12/KH-UBND`` is any people's committee's) takes the level of the issuer named nearest to it in
its sentence ("Kế hoạch số 12/KH-UBND của UBND xã …", "UBND huyện ban hành Kế hoạch số …").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipeline.core import docrefs
from pipeline.core.text import fold

if TYPE_CHECKING:
    from pipeline.tagging.matching import Words

_UNIT = r"(?:huyen|xa|phuong|thi tran|thi xa|quan|thon|ban|ap|to dan pho|khu pho)"
# an issuer below the province, or a school / party cell (folded text)
_LOCAL = re.compile(
    r"\b(?:(?:ubnd|uy ban nhan dan|hdnd|hoi dong nhan dan|ubmttq|mat tran to quoc) "
    rf"(?:cac )?{_UNIT}\b"
    r"|(?:huyen|quan|thi|xa) uy\b"
    r"|(?:dang uy|dang bo|cong an|ban chi dao[^.;]{0,60}?) (?:cac )?"
    r"(?:xa|phuong|thi tran|huyen|quan|thi xa)\b"
    r"|chi bo\b"
    r"|truong (?:thcs|thpt|tieu hoc|mam non|mau giao|th|mn|ptdt\w*|trung hoc|pho thong)\b"
    r"|phong (?:gd|giao duc)\b)")
# an issuer at the province or above
_HIGHER = re.compile(
    r"\b(?:(?:ubnd|uy ban nhan dan|hdnd|hoi dong nhan dan) tinh\b"
    r"|tinh uy\b|thu tuong\b|chinh phu\b|bo chinh tri\b|ban bi thu\b|trung uong\b"
    r"|quoc hoi\b|ban chi dao[^.;]{0,60}? tinh\b)")
_AFTER = 30          # an issuer named after the number ("… số 12/KH-UBND của UBND xã") is near


def _mentions(folded: str) -> list[tuple[int, int, bool]]:
    """(start, end, local) of every issuer named in a folded sentence."""
    out = [(m.start(), m.end(), True) for m in _LOCAL.finditer(folded)]
    out += [(m.start(), m.end(), False) for m in _HIGHER.finditer(folded)]
    return sorted(out)


def local_sentences(words: Words) -> set[int]:
    """The sentences about a local unit's own document: those naming a local issuer and no
    issuer or central document at the province or above, and the sentences after them that
    name no issuer at all ("Theo đó, kế hoạch đặt mục tiêu …" goes on about the same plan)."""
    out = set()
    local = False
    for k, sentence in enumerate(words.sentences):
        f = fold(sentence)
        low, high = bool(_LOCAL.search(f)), bool(_HIGHER.search(f))
        if not high and (low or local):      # otherwise a central number changes nothing
            high = any(docrefs.scope_of(r.number) == "central"
                       for r in docrefs.scan(docrefs.prepare(sentence)))
        if low or high:
            local = low and not high
        if local:
            out.add(k)
    return out


def _is_local(number: str, sentence: str, start: int, end: int) -> bool:
    scope = docrefs.scope_of(number)
    if scope in ("local", "central"):
        return scope == "local"
    # positions in the folded sentence: fold() keeps one character per precomposed letter
    f = fold(sentence)
    if len(f) != len(sentence):
        f_start = len(fold(sentence[:start]))
        f_end = len(fold(sentence[:end]))
    else:
        f_start, f_end = start, end
    best: tuple[int, bool] | None = None
    for s, e, local in _mentions(f):
        if e <= f_start:
            d = f_start - e
        elif s >= f_end and s - f_end <= _AFTER:
            d = s - f_end
        else:
            continue
        if best is None or d < best[0]:
            best = (d, local)
    return bool(best and best[1])


def counted_refs(refs: list[str], *texts: Words) -> list[str]:
    """``refs`` (every number cited) without those that are a local unit's own document, judged
    at the number's first full mention in ``texts`` (the title's and the body's sentences)."""
    local: dict[str, bool] = {}
    wanted = set(refs)
    for words in texts:
        for sentence in words.sentences:
            if wanted <= local.keys():
                break                        # each number judged: later mentions change nothing
            text = docrefs.prepare(sentence)
            for r in docrefs.scan(text):
                if r.full and r.number not in local:
                    local[r.number] = _is_local(r.number, text, r.start, r.end)
    return [n for n in refs if not local.get(n, docrefs.scope_of(n) == "local")]
