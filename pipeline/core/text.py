"""Vietnamese text normalisation: NFC, whitespace, tone-placement keys, diacritic folding.

Pure functions, no I/O. Every string cds stores goes through :func:`nfc`; matching uses
:func:`tone_key` (old and new tone placement compare equal) and :func:`fold` (no marks at all,
``đ`` → ``d``) as a fallback.
"""

from __future__ import annotations

import html
import re
import unicodedata

# The five Vietnamese tone marks as combining characters (grave, acute, tilde, hook, dot below).
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_WORD = re.compile(r"[\w\u0300-\u036f]+")  # combining marks are not \w
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
# Characters that are never wanted in stored text: C0/C1 controls except \n and \t, and the
# byte-order mark (U+FEFF) that editors paste into the middle of sentences.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff]")
# Icelandic eth (U+00D0) is a common legacy stand-in for Vietnamese Đ (U+0110).
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})


def nfc(text: str) -> str:
    """NFC-normalise and drop control characters and stray BOMs; the form every stored string
    takes."""
    return unicodedata.normalize("NFC", _CONTROLS.sub("", text))


def clean_line(text: str | None) -> str:
    """Plain one-line text: entities decoded, NFC, whitespace collapsed, trimmed."""
    if not text:
        return ""
    text = html.unescape(text)
    text = nfc(text).replace("\n", " ")
    return _SPACES.sub(" ", text).strip()


def _move_tones(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in TONE_MARKS]
    if not tones:
        return word
    bare = "".join(c for c in decomposed if c not in TONE_MARKS)
    return bare + tones[0]


def tone_key(text: str) -> str:
    """A matching key in which old and new tone placement are equal (hòa = hoà, thúy = thuý).

    Lower-cased; each word's tone mark is moved to the end of the word (a syllable carries at
    most one tone, so where it sits never changes the meaning). Not for display.
    """
    text = unicodedata.normalize("NFD", text.translate(_LOOKALIKES)).lower()
    text = _WORD.sub(lambda m: _move_tones(m.group(0)), text)
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text))


def fold(text: str) -> str:
    """Lower case without any diacritics, ``đ`` → ``d``: "Chuyển Đổi Số" → "chuyen doi so"."""
    text = text.translate(_LOOKALIKES).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.lower())


def words(text: str) -> list[str]:
    """The words of a text, for shingling and counting."""
    return _WORD.findall(text)


def _contains_phrase(haystack: str, needle: str) -> bool:
    if not needle:
        return False
    return re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", haystack) is not None


def mentions_any(text: str, phrases: list[str] | tuple[str, ...]) -> str | None:
    """The first phrase that ``text`` mentions, matched case-, tone-placement- and
    diacritic-insensitively (so "chuyen doi so", "Chuyển Đổi Số" and the typo "chuyên đổi số"
    all match "chuyển đổi số"); ``None`` when it mentions none."""
    if not phrases:
        return None
    keyed, folded = tone_key(text), fold(text)
    for phrase in phrases:
        if _contains_phrase(keyed, tone_key(phrase)) or _contains_phrase(folded, fold(phrase)):
            return phrase
    return None
