"""A listing page → :class:`~pipeline.core.models.Item`s by the source's ``list:`` CSS selectors,
and the address of the next listing page."""

from __future__ import annotations

from datetime import tzinfo

from bs4 import Tag

from pipeline.core.errors import ExtractError
from pipeline.core.models import Fetched, Item, Source
from pipeline.core.text import clean_line
from pipeline.core.urls import absolute, canonical
from pipeline.harvest import dates
from pipeline.harvest.decode import decode
from pipeline.harvest.images import _fix_images
from pipeline.harvest.pagehtml import (
    _attr,
    _base_of,
    _date_text,
    _digest,
    _first,
    _now,
    _select,
    _soup,
    _text,
)


def read_listing(fetched: Fetched, source: Source, tz: tzinfo) -> tuple[list[Item], str | None]:
    """Items of one listing page (by ``source.list`` selectors) and the next page's URL.

    Raises ExtractError when the source has no list selectors, a selector is invalid, or no
    element matches ``list.item`` (the site changed, or the page is not a listing).
    """
    sel = source.list
    url = fetched.final_url or fetched.url
    if sel is None:
        raise ExtractError(url, f"source {source.id!r} has no list selectors")
    soup = _soup(decode(fetched.body, fetched.content_type))
    base = _base_of(soup, url)
    nodes = _select(soup, sel.item, "list.item", url)
    if not nodes:
        raise ExtractError(url, f"no element matches list.item {sel.item!r}")
    aliases = source.alias_map()
    now = _now(fetched, tz)
    items: list[Item] = []
    seen: set[str] = set()
    for node in nodes:
        link_el = _first(node, sel.link, "list.link", url)
        href = _attr(link_el, "href") if link_el is not None else ""
        if link_el is not None and not href:
            inner = link_el.find("a", href=True)
            href = _attr(inner, "href") if isinstance(inner, Tag) else ""
        full = absolute(base, href)
        if not full:
            continue
        link = canonical(full, aliases=aliases)
        if link in seen:
            continue
        seen.add(link)
        title = _text(_first(node, sel.title, "list.title", url)) if sel.title else ""
        if not title and link_el is not None:
            title = _text(link_el) or clean_line(_attr(link_el, "title"))
            if not title:
                img = link_el.find("img", alt=True)
                title = clean_line(_attr(img, "alt")) if isinstance(img, Tag) else ""
        date_el = _first(node, sel.date, "list.date", url) if sel.date else None
        raw_date = _date_text(date_el) if date_el is not None else ""
        published = dates.parse_date(raw_date, tz, now=now) if raw_date else None
        summary = _text(_first(node, sel.summary, "list.summary", url)) if sel.summary else ""
        image = ""
        img = node.find("img")
        if isinstance(img, Tag):
            _fix_images(node, base)
            img = node.find("img")
            image = (absolute(base, _attr(img, "src")) or "") if isinstance(img, Tag) else ""
        items.append(Item(url=link, title=title, summary=summary, published=published,
                          image=image, fingerprint=_digest(title, link, summary, raw_date)))
    next_url = None
    if sel.next:
        nxt = _first(soup, sel.next, "list.next", url)
    else:
        nxt = soup.select_one('link[rel~="next"][href], a[rel~="next"][href]')
    if nxt is not None:
        href = _attr(nxt, "href") or _attr(nxt.find("a", href=True) or nxt, "href")
        candidate = absolute(base, href)
        if candidate and canonical(candidate) != canonical(url):
            next_url = candidate
    return items[:max(0, source.max_items)], next_url
