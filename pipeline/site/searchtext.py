"""The copy of a page Pagefind reads: only what it indexes, compacted (the lead as it is, then
each word once), with đ/Đ written so that Pagefind folds them to d/D. Why: docs/search.md and the
docstring of :mod:`pipeline.site.search`."""

from __future__ import annotations

import re
from functools import lru_cache

import lxml.html
from lxml import etree

from pipeline.core.text import fold

LANGUAGE = "vi"
BODY_MARK = "data-pagefind-body"
TAIL_MARK = "\u2042"                    # ⁂ where the compacted tail starts (not a word to Pagefind)
HEAD_WORDS = 40                         # words of each article indexed as they are
REPEATS = 1                             # after that, occurrences of a word still indexed
SORT_KEY, SORT_META = "date", "ds"     # data-pagefind-sort="date:…" → meta "ds" in each fragment
_KEEP_ATTRS = ("data-pagefind-filter", "data-pagefind-meta", "data-pagefind-sort")
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "nav", "form", "footer",
                        "label"})     # what Pagefind itself skips inside the body (checked, 1.5)
_PUNCT = ("".join(chr(c) for c in range(0x21, 0x30)) + ":;<=>?@[\\]^_`{|}~"
          "\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u2042«»")

# How đ/Đ are written for Pagefind: letters that decompose to d/D + a combining mark.
D_LOWER, D_UPPER = "\u1e0f", "\u1e0e"            # ḏ Ḏ
_DSTROKE = re.compile(r"[\u0111\u00f0]|&(?:#0*273|#[xX]0*111|dstrok);")
_DSTROKE_UPPER = re.compile(r"[\u0110\u00d0]|&(?:#0*272|#[xX]0*110|Dstrok);")


# --- the text Pagefind reads --------------------------------------------------------------------

def index_form(text: str) -> str:
    """``text`` as Pagefind must read it: ``đ`` → ``ḏ``, ``Đ`` → ``Ḏ`` (also when written as
    entities, and the Icelandic eth that legacy pages use for them). Everything else, markup
    included, is left as it is."""
    if not text:
        return text
    text = _DSTROKE.sub(D_LOWER, text)
    return _DSTROKE_UPPER.sub(D_UPPER, text)


def display_form(text: str) -> str:
    """The inverse of :func:`index_form` (for tests and tools; the page does it in JS)."""
    return text.replace(D_LOWER, "đ").replace(D_UPPER, "Đ")


# --- building the index -------------------------------------------------------------------------

@lru_cache(maxsize=200_000)
def _word_key(token: str) -> str:
    """The word as Pagefind files it: folded (no marks, đ → d), lower case, no punctuation
    around it."""
    return fold(token.strip(_PUNCT))


class _Compactor:
    """Keeps the first ``head`` words of a text as they are, then only the first ``repeats``
    occurrences of each word (compared as Pagefind files them: folded, so "số", "sở" and "so"
    count as one word: each costs Pagefind a separate entry per page)."""

    def __init__(self, head: int, repeats: int):
        self.head, self.repeats = head, repeats
        self.words = 0
        self.seen: dict[str, int] = {}
        self.marked = False

    def __call__(self, text: str | None) -> str | None:
        if not text or not text.strip():
            return text
        kept = []
        for token in text.split():
            key = _word_key(token)
            if not key:                         # punctuation on its own: text, not a word
                kept.append(token)
                continue
            if self.words == self.head and not self.marked:
                kept.append(TAIL_MARK)          # the search page shows no excerpt past it
                self.marked = True
            self.words += 1
            n = self.seen.get(key, 0)
            self.seen[key] = n + 1
            if self.words <= self.head or n < self.repeats:
                kept.append(token)
        if not kept:
            return " "
        lead = " " if text[:1].isspace() else ""
        trail = " " if text[-1:].isspace() else ""
        return lead + " ".join(kept) + trail


def _ignored(el) -> bool:
    return el.get("data-pagefind-ignore") is not None or (
        isinstance(el.tag, str) and el.tag.lower() in _SKIP_TAGS)


def _compact(body, compactor: _Compactor) -> None:
    """Compact the indexed text of ``body`` in place, in document order (text, children, then
    each child's tail). Ignored parts (which Pagefind skips) are left as they are and not
    counted; comments are skipped but their tails are text."""
    stack = [(body, True)]
    while stack:
        el, entering = stack.pop()
        if not entering:
            if el is not body:
                el.tail = compactor(el.tail)
            continue
        stack.append((el, False))
        if not isinstance(el.tag, str):                 # comment, processing instruction
            continue
        if el is not body and _ignored(el):
            continue
        el.text = compactor(el.text)
        stack.extend((child, True) for child in reversed(el))


def index_copy(page_html: str, *, head: int = HEAD_WORDS, repeats: int = REPEATS) -> str | None:
    """The HTML Pagefind reads for one built page, or None when the page has nothing to index
    (no ``data-pagefind-body``): a small document with the page's language, its
    ``data-pagefind-filter/meta/sort`` elements and its ``data-pagefind-body`` elements, whose
    text is compacted (:class:`_Compactor`, from ``head`` and ``repeats``) and written in
    :func:`index_form`."""
    if BODY_MARK not in page_html:
        return None
    page_html = page_html.replace(TAIL_MARK, "*")      # the mark means one thing only
    try:
        doc = lxml.html.document_fromstring(page_html)
    except (etree.ParserError, ValueError):
        return None
    bodies = doc.xpath("//*[@data-pagefind-body]")
    if not bodies:
        return None
    inside = set()
    for body in bodies:
        inside.update(body.iter())
    out = lxml.html.Element("html", lang=doc.get("lang") or LANGUAGE)
    out.append(lxml.html.Element("head"))
    page = etree.SubElement(out, "body")
    keep = [el for el in doc.xpath("//*[" + " or ".join(f"@{a}" for a in _KEEP_ATTRS) + "]")
            if el not in inside]
    kept = set(keep)
    for el in keep:
        if not any(a in kept for a in el.iterancestors()):
            el.tail = None
            page.append(el)
    for value in doc.xpath("//@data-pagefind-sort"):
        name, _, key = str(value).partition(":")
        if name.strip() == SORT_KEY and key.strip():
            # the exact sort key in the fragment: the search page merges the base's and the
            # recent bundle's date-sorted results by it
            etree.SubElement(page, "span").set("data-pagefind-meta", f"{SORT_META}:{key.strip()}")
            break
    compactor = _Compactor(head, repeats)
    for body in bodies:
        if any(body in b.iterdescendants() for b in bodies if b is not body):
            continue                                    # nested: indexed with its ancestor
        _compact(body, compactor)
        body.tail = None
        page.append(body)
    html_text = lxml.html.tostring(out, encoding="unicode", doctype="<!DOCTYPE html>")
    return index_form(html_text)


def copy_filters(copy_html: str) -> dict[str, list[str]]:
    """The filters of a copy made by :func:`index_copy`, as Pagefind reads them
    (``data-pagefind-filter="name:value"``, or ``="name"`` with the element's text as the value):
    name → values, in index form. The search page's filter lists and the period of each page
    (the year, ``nam``) come from them."""
    try:
        doc = lxml.html.document_fromstring(copy_html)
    except (etree.ParserError, ValueError):
        return {}
    out: dict[str, list[str]] = {}
    for el in doc.xpath("//*[@data-pagefind-filter]"):
        name, sep, value = str(el.get("data-pagefind-filter")).partition(":")
        value = value if sep else el.text_content()
        name, value = name.strip(), " ".join(value.split())
        if name and value and value not in out.setdefault(name, []):
            out[name].append(value)
    return out
