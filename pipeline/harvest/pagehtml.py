"""The HTML helpers every page reader shares: a parser that flattens hostile nesting, one clean
line of an element's text, selectors with one-line errors, a page's base and fetch time."""

from __future__ import annotations

import hashlib
import re
import warnings
from datetime import datetime, tzinfo
from email.utils import parsedate_to_datetime
from html import escape as html_escape

import soupsieve
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag

from pipeline.core.errors import ExtractError
from pipeline.core.models import Fetched
from pipeline.core.text import clean_line
from pipeline.core.urls import absolute

warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)


warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

MAX_DEPTH = 180


def _soup(html: str) -> BeautifulSoup:
    """Parse HTML (lxml).

    Real pages never nest elements more than MAX_DEPTH deep; hostile ones do, to make every walk
    of the tree quadratic. Such a page is rebuilt flat: its metadata and its text as paragraphs.
    """
    soup = BeautifulSoup(html, "lxml")
    stack: list[tuple[Tag, int]] = [(soup, 0)]
    while stack:
        el, depth = stack.pop()
        if depth > MAX_DEPTH:
            return _flat_soup(soup)
        stack.extend((c, depth + 1) for c in el.contents if isinstance(c, Tag))
    return soup


def _flat_soup(soup: BeautifulSoup) -> BeautifulSoup:
    keep = [*soup.find_all("title", limit=1), *soup.find_all("meta", limit=200),
            *soup.find_all("script", type=re.compile(r"ld\+json", re.I), limit=5)]
    head = "".join(f"<{el.name} {_flat_attrs(el)}>{html_escape(el.get_text())}</{el.name}>"
                   if el.name != "meta" else f"<meta {_flat_attrs(el)}>" for el in keep)
    lines = [line.strip() for line in soup.get_text("\n").splitlines()]
    body = "".join(f"<p>{html_escape(line, quote=False)}</p>" for line in lines if line)
    return BeautifulSoup(f"<html><head>{head}</head><body>{body}</body></html>", "lxml")


def _flat_attrs(el: Tag) -> str:
    return " ".join(f'{k}="{html_escape(_attr(el, k))}"' for k in list(el.attrs)[:10])


# Joining inline elements with spaces leaves "word ," and "( x )"; braces and brackets are left
# alone: a title such as "{{ x }}" is kept as published.
_SPACE_BEFORE = re.compile(r"\s+([.,;:!?)”’…])")
_SPACE_AFTER = re.compile(r"([(“‘])\s+")


def _line(text: str) -> str:
    """One clean line; no space left before closing punctuation by joining inline elements."""
    text = clean_line(text)
    return _SPACE_AFTER.sub(r"\1", _SPACE_BEFORE.sub(r"\1", text))


def _text(el: Tag | None) -> str:
    return _line(el.get_text(" ")) if el is not None else ""


def _digest(*parts: str | None) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update((p or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def _now(fetched: Fetched, tz: tzinfo) -> datetime:
    """When the page was fetched: the server's Date header, else now."""
    raw = (fetched.headers or {}).get("date")
    if raw:
        try:
            dt = parsedate_to_datetime(raw)
            if dt.tzinfo is not None:
                return dt.astimezone(tz)
        except (TypeError, ValueError, IndexError):
            pass
    return datetime.now(tz)


def _base_of(soup: BeautifulSoup, url: str) -> str:
    base = soup.find("base", href=True)
    if isinstance(base, Tag):
        resolved = absolute(url, str(base.get("href")))
        if resolved:
            return resolved
    return url


def _select(root: Tag, selector: str | None, where: str, url: str) -> list[Tag]:
    if not selector:
        return []
    try:
        return root.select(selector)
    except (soupsieve.SelectorSyntaxError, ValueError, NotImplementedError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ExtractError(url, f"bad CSS selector in {where} {selector!r}: {first}") from None


def _attr(el: Tag, name: str) -> str:
    v = el.get(name)
    if isinstance(v, list):
        return " ".join(v)
    return str(v) if v is not None else ""




def _first(root: Tag, selector: str | None, where: str, url: str) -> Tag | None:
    """The first element matching ``selector`` under ``root`` (``root`` itself if it matches)."""
    if not selector:
        return None
    found = _select(root, selector, where, url)
    if found:
        return found[0]
    try:
        if root.name and soupsieve.match(selector, root):
            return root
    except (soupsieve.SelectorSyntaxError, ValueError, NotImplementedError):
        return None
    return None


def _date_text(el: Tag) -> str:
    """The machine date of an element if it carries one, else its text."""
    attrs = ["datetime", "content", "data-date", "data-time"]
    if el.name == "abbr":
        attrs.append("title")                   # microformats: <abbr class="published" title=…>
    for attr in attrs:
        v = _attr(el, attr)
        if v and re.search(r"\d{4}", v):
            return v
    return el.get_text(" ")
