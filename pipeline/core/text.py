"""Vietnamese text normalisation: NFC, whitespace, tone-placement keys, diacritic folding;
plain text from HTML (:func:`html_line`) and from Markdown (:func:`markdown_plain`).

Pure functions, no I/O. Every string cds stores goes through :func:`nfc`; matching uses
:func:`tone_key` (old and new tone placement compare equal) and :func:`fold` (no marks at all,
``đ`` → ``d``) as a fallback.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:       # bs4 (and soupsieve) imported where HTML is parsed: a build parses none
    from bs4 import BeautifulSoup

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


# --- plain text from HTML and Markdown ---------------------------------------------------------

#: Elements after which a reader sees a break (their text never runs into the next one's).
BLOCK_TAGS = frozenset({
    "blockquote", "body", "caption", "dd", "div", "dl", "dt", "figcaption", "figure", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "html", "li", "ol", "p", "pre", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "ul",
    "address", "article", "aside", "center", "details", "fieldset", "footer", "form", "header",
    "hgroup", "legend", "main", "marquee", "section", "summary", "label", "output",
})
ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_TAGLIKE = re.compile(r"<[A-Za-z!/?]")
_INVISIBLE = ("script", "style", "template", "noscript", "iframe", "object", "embed", "svg",
              "math", "head", "select", "textarea", "button")


def parse_fragment(html_text: str) -> BeautifulSoup:
    """Python's own HTML parser: it knows HTML5's void elements (libxml2 lets an <embed> or a
    <source> swallow the rest of the page); lxml only when it gives up."""
    from bs4 import BeautifulSoup

    try:
        return BeautifulSoup(html_text, "html.parser")
    except Exception:       # bs4's ParserRejectedMarkup and the odd assertion deep inside
        return BeautifulSoup(html_text, "lxml")


def html_line(html_or_text: str | None) -> str:
    """One line of plain text from an HTML fragment or text (titles, summaries, authors): tags
    and the content of scripts/styles dropped, entities decoded, NFC, whitespace collapsed. The
    result is literal text — whoever writes it into HTML, YAML or a template must still escape
    it."""
    if not html_or_text:
        return ""
    text = str(html_or_text)
    if _TAGLIKE.search(text):
        from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

        soup = parse_fragment(text)
        for el in soup.find_all(_INVISIBLE):
            if el.name != "head" and not el.decomposed:
                el.decompose()
        for el in soup.find_all(string=lambda s: isinstance(
                s, (Comment, CData, ProcessingInstruction, Declaration, Doctype))):
            el.extract()
        for el in soup.find_all(["br", *BLOCK_TAGS]):
            el.insert_after(" ")
        text = soup.get_text("")
    text = clean_line(text)         # entities decoded (a second time after the HTML parser)
    if ENTITY.search(text):         # still entities: the source encoded them twice
        text = clean_line(text)
    return BIDI.sub("", text)


MD_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
MD_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
_MD_MARKS = re.compile(r"(^|\s)[#>*_|`~+-]+(?=\s|$)|[*_`]+|\\(?=\S)", re.M)
_ANY_SPACE = re.compile(r"\s+")


def markdown_plain(markdown: str) -> str:
    """Rough plain text of a Markdown body on one line, for summaries and previews (never
    rendered as Markdown): images dropped, links reduced to their text, marks taken off."""
    text = MD_IMAGE.sub(" ", markdown)
    text = MD_LINK.sub(r"\1", text)
    text = _MD_MARKS.sub(r"\1", text)
    return _ANY_SPACE.sub(" ", text).strip()
