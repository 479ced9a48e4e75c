"""Sanitised HTML → Markdown (markdownify with cds's escaping: nothing a source wrote can become
Markdown or HTML syntax), and Markdown → HTML the way a MkDocs Material site renders it
(``render_markdown``: the register's notes, and the tests' checks)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from bs4 import BeautifulSoup, NavigableString, Tag
from markdownify import (
    MarkdownConverter,
    _prev_block_content_sibling,
    chomp,
    should_remove_whitespace_inside,
    should_remove_whitespace_outside,
)

from pipeline.core.text import BIDI, nfc

# A summary that is just an address is text to us, not a mistake (bs4's own advice).
from pipeline.harvest.clean import _md_url, safe_html

__all__ = ["MKDOCS_EXTENSIONS", "render_markdown", "to_markdown"]


# --- Markdown -----------------------------------------------------------------------------------

_LEADING = re.compile(r"^(\s*)(?:([#+\-!])|([=~:])|(\?\?\?)|(\d{1,9})([.)])(?=\s|$))")
# One pass over the text, so that no replacement is seen by another.
_SPECIAL = re.compile(r"&(?=#?[0-9A-Za-z]+;)|[\\`*_\[\]<>{}$#|]")
_REPLACEMENT = {
    "&": "&amp;",           # only where it would start an entity
    "\\": "&#92;",          # no backslash of the source can escape anything (or open \[ math)
    "`": "\\`", "*": "\\*", "_": "\\_",
    "[": "&#91;", "]": "&#93;",     # links, images, footnotes, task lists, \[ display math
    "<": "&lt;", ">": "&gt;",       # raw HTML, autolinks, --8<-- snippets, block quotes
    "{": "&#123;", "}": "&#125;",   # attr_list, critic marks, Jinja
    "$": "&#36;",                   # arithmatex
}
_NEWLINES = re.compile(r"\s*\n\s*")
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_TITLE_DROP = re.compile(r"[\"\\()<>{}\[\]`]")


def _escape_text(text: str, parent_tags: set[str]) -> str:
    """Make source text literal for Python-Markdown and the usual MkDocs extensions."""
    heading = bool(parent_tags & {"h1", "h2", "h3", "h4", "h5", "h6"})
    table = bool(parent_tags & {"td", "th"})

    def special(m: re.Match) -> str:
        ch = m.group(0)
        if ch == "#":
            return "\\#" if heading else ch
        if ch == "|":
            return "\\|" if table else ch
        return _REPLACEMENT[ch]

    text = _SPECIAL.sub(special, text)

    def lead(m: re.Match) -> str:
        space, backslashable, entity, question, digits, dot = m.groups()
        if backslashable:
            return space + "\\" + backslashable
        if entity:
            return f"{space}&#{ord(entity)};"
        if question:
            return space + "&#63;??"
        return space + digits + "\\" + dot

    return _LEADING.sub(lead, text, count=1)


def _escape_attr_text(text: str) -> str:
    """Alt text: one line, then the same escaping as body text."""
    return _escape_text(_SPACES.sub(" ", text).strip(), set())


def _md_title(title: str | None) -> str:
    if not title or not isinstance(title, str):
        return ""
    title = _SPACES.sub(" ", _TITLE_DROP.sub(" ", nfc(title))).strip()
    return f' "{title}"' if title else ""


def _inline_wrap(marker: str):
    def convert(self, el, text, parent_tags):
        if "_noformat" in parent_tags:
            return text
        out = []
        for piece in re.split(r"\n{2,}", text):
            prefix, suffix, core = chomp(piece.replace("\n", " "))
            out.append(f"{prefix}{marker}{core}{marker}{suffix}" if core else prefix + suffix)
        return "\n\n".join(out)
    return convert


def _is_br(node) -> bool:
    return isinstance(node, Tag) and node.name == "br"


class _Converter(MarkdownConverter):
    """markdownify, made strict: every source character escaped, syntax only from here."""

    def __init__(self) -> None:
        super().__init__(heading_style="atx", bullets="-", autolinks=False, wrap=True,
                         wrap_width=None, table_infer_header=True, bs4_options="lxml",
                         escape_misc=False, strip_document="strip")

    def convert(self, html):
        soup = BeautifulSoup(html, "lxml")
        for el in soup.find_all(["code", "kbd", "samp", "tt", "var"]):
            el.unwrap()
        for pre in soup.find_all("pre"):           # keep its lines, drop code semantics
            for s in pre.find_all(string=True):
                if "\n" in s:
                    parts = s.strip("\n").split("\n") if s.parent is pre else s.split("\n")
                    new = []
                    for i, part in enumerate(parts):
                        if i:
                            new.append(soup.new_tag("br"))
                        new.append(NavigableString(part))
                    s.replace_with(*new)
            pre.name = "p"
        return self.convert_soup(soup)

    def process_text(self, el, parent_tags=None):
        parent_tags = parent_tags or set()
        text = _SPACES.sub(" ", str(el) or "")
        text = _escape_text(text, parent_tags)
        before, after = el.previous_sibling, el.next_sibling
        if (should_remove_whitespace_outside(before) or _is_br(before)
                or (should_remove_whitespace_inside(el.parent) and not before)):
            text = text.lstrip(" ")
        if (should_remove_whitespace_outside(after) or _is_br(after)
                or (should_remove_whitespace_inside(el.parent) and not after)):
            text = text.rstrip(" ")
        return text

    def escape(self, text, parent_tags):
        return _escape_text(text, parent_tags or set())

    convert_b = convert_strong = _inline_wrap("**")
    convert_em = convert_i = _inline_wrap("*")
    convert_del = convert_s = convert_strike = _inline_wrap("~~")

    def convert_code(self, el, text, parent_tags):
        return text

    convert_kbd = convert_samp = convert_pre = convert_code

    def convert_br(self, el, text, parent_tags):
        return " " if "_inline" in parent_tags else "\n\n"

    def convert_hr(self, el, text, parent_tags):
        return "\n\n* * *\n\n"

    def convert_hN(self, n, el, text, parent_tags):
        if "_inline" in parent_tags:
            return text
        text = _SPACES.sub(" ", text).strip()
        return f"\n\n{'#' * max(1, min(6, n))} {text}\n\n" if text else ""

    def convert_a(self, el, text, parent_tags):
        prefix, suffix, text = chomp(_NEWLINES.sub(" ", text or ""))
        if not text:
            return prefix + suffix if prefix or suffix else ""
        href = _md_url(el.get("href"))
        if not href or "_noformat" in parent_tags:
            return prefix + text + suffix
        return f"{prefix}[{text}]({href}{_md_title(el.get('title'))}){suffix}"

    def convert_img(self, el, text, parent_tags):
        src = _md_url(el.get("src"), mailto=False)
        if not src:
            return ""
        alt = _escape_attr_text(el.get("alt") or "")
        if "_inline" in parent_tags and el.find_parent(["td", "th"]) is None:
            return alt
        return f"![{alt}]({src}{_md_title(el.get('title'))})"

    def convert_figure(self, el, text, parent_tags):
        text = text.strip()
        return f"\n\n{text}\n\n" if text else ""

    def convert_figcaption(self, el, text, parent_tags):
        text = _SPACES.sub(" ", text).strip()
        if not text:
            return ""
        return f" {text} " if "_inline" in parent_tags else f"\n\n*{text}*\n\n"

    def convert_list(self, el, text, parent_tags):
        out = super().convert_list(el, text, parent_tags)
        before = _prev_block_content_sibling(el)
        if "li" not in parent_tags and before is not None and before.name in ("ul", "ol"):
            out = "\n\n&#8203;" + out     # Python-Markdown would merge two adjacent lists
        return out

    convert_ul = convert_ol = convert_list

    def convert_li(self, el, text, parent_tags):
        text = (text or "").strip()
        if not text:
            return "\n"
        parent = el.parent
        if parent is not None and parent.name == "ol":
            start = str(parent.get("start") or "1").strip()
            first = int(start) if re.fullmatch(r"[0-9]{1,9}", start) else 1
            bullet = f"{first + len(el.find_previous_siblings('li'))}."
        else:
            bullet = "-"
        lines = text.split("\n")
        rest = ["    " + line if line.strip() else "" for line in lines[1:]]
        # an item of several paragraphs needs a blank line before the next item
        end = "\n\n" if "\n\n" in text else "\n"
        return "\n".join([f"{bullet} {lines[0]}", *rest]) + end


_HR_EDGES = re.compile(r"^(?:\* \* \*\s*)+|(?:\s*\* \* \*)+$")


def to_markdown(html: str, base_url: str) -> str:
    """Safe Markdown of an article body (see the module doc); "" when nothing is left."""
    cleaned = safe_html(html, base_url)
    if not cleaned:
        return ""
    md = _Converter().convert(cleaned)
    md = BIDI.sub("", nfc(md))
    md = "\n".join(line.rstrip() for line in md.split("\n"))
    md = re.sub(r"\n{3,}", "\n\n", md).strip()
    return _HR_EDGES.sub("", md).strip()


# --- rendering like MkDocs (tests and checks) ---------------------------------------------------

MKDOCS_EXTENSIONS = (
    "abbr", "admonition", "attr_list", "def_list", "footnotes", "md_in_html", "tables", "toc",
    "pymdownx.arithmatex", "pymdownx.betterem", "pymdownx.caret", "pymdownx.critic",
    "pymdownx.details", "pymdownx.highlight", "pymdownx.inlinehilite", "pymdownx.keys",
    "pymdownx.magiclink", "pymdownx.mark", "pymdownx.smartsymbols", "pymdownx.snippets",
    "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.tasklist", "pymdownx.tilde",
)
_RENDERERS = threading.local()


def render_markdown(md: str, extensions: Iterable[str] = MKDOCS_EXTENSIONS,
                    extension_configs: dict | None = None) -> str:
    """Markdown → HTML with Python-Markdown and the extensions a MkDocs Material site typically
    enables (the renderer is cached per thread and per extension set)."""
    import markdown

    key = (tuple(extensions), repr(sorted((extension_configs or {}).items())))
    cache = getattr(_RENDERERS, "cache", None)
    if cache is None:
        cache = _RENDERERS.cache = {}
    renderer = cache.get(key)
    if renderer is None:
        renderer = cache[key] = markdown.Markdown(extensions=list(key[0]),
                                                  extension_configs=extension_configs or {})
    renderer.reset()
    return renderer.convert(md)
